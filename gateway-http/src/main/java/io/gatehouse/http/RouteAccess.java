package io.gatehouse.http;

import io.gatehouse.core.registry.AccessRight;

/** Who may call a route: anyone, a service whose policy has a right, or the device the path names. */
public sealed interface RouteAccess {

    RouteAccess OPEN = new Open();

    static RouteAccess of(AccessRight serviceRightOrNull) {
        return serviceRightOrNull == null ? OPEN : new Service(serviceRightOrNull);
    }

    /** No token needed (health, metrics). */
    record Open() implements RouteAccess {
    }

    /** A service SAS token whose policy grants {@code right}. */
    record Service(AccessRight right) implements RouteAccess {
    }

    /**
     * A device SAS token (or a DeviceConnect policy's) speaking for the device in the path's {@code {id}}, or for
     * the module in {@code {moduleId}} when the path has one: the device API, where a device only ever reaches its
     * own messages and a module its own.
     */
    record PathDevice() implements RouteAccess {
    }
}
