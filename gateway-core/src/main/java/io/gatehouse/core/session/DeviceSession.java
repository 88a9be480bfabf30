package io.gatehouse.core.session;

import java.util.Objects;

/** What a device's persistent session remembers between connections: its C2D subscription. */
public record DeviceSession(C2dDeliveryMode c2dSubscription) {

    public DeviceSession {
        Objects.requireNonNull(c2dSubscription, "c2dSubscription");
    }
}
