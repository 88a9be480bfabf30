package io.gatehouse.core.events;

import io.gatehouse.core.auth.Principal.DevicePrincipal;
import io.gatehouse.core.model.DeviceId;
import java.util.Objects;

/** Which authenticated device sent an event: stamped on every stored event. */
public record EventSource(DeviceId deviceId, String generationId, String authMethod) {

    public EventSource {
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(generationId, "generationId");
        Objects.requireNonNull(authMethod, "authMethod");
    }

    public static EventSource of(DevicePrincipal principal) {
        return new EventSource(principal.deviceId(), principal.generationId(), principal.authMethod());
    }
}
