package io.gatehouse.core.events;

import io.gatehouse.core.auth.Principal.DevicePrincipal;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.store.BinaryWriter;
import java.util.Objects;

/**
 * Which authenticated device sent an event: stamped on every stored event. A connection makes one and
 * reuses it for all its events, so the stamp's encoded form is computed once, not per event.
 */
public final class EventSource {

    private final DeviceId deviceId;
    private final String moduleId;
    private final String generationId;
    private final String authMethod;
    private volatile byte[] encoded;

    public EventSource(DeviceId deviceId, String generationId, String authMethod) {
        this(deviceId, null, generationId, authMethod);
    }

    /** @param moduleId the sending module ({@code iothub-connection-module-id}), or null for the device itself */
    public EventSource(DeviceId deviceId, String moduleId, String generationId, String authMethod) {
        this.deviceId = Objects.requireNonNull(deviceId, "deviceId");
        this.moduleId = moduleId;
        this.generationId = Objects.requireNonNull(generationId, "generationId");
        this.authMethod = Objects.requireNonNull(authMethod, "authMethod");
    }

    public static EventSource of(DevicePrincipal principal) {
        return new EventSource(principal.deviceId(), principal.moduleId(), principal.generationId(), principal.authMethod());
    }

    /** The module that sent the event, or null when the device did. */
    public String moduleId() {
        return moduleId;
    }

    public DeviceId deviceId() {
        return deviceId;
    }

    public String generationId() {
        return generationId;
    }

    public String authMethod() {
        return authMethod;
    }

    /**
     * The stored form of the fields (see {@link D2cEventCodec}): device, generation and auth method, then the
     * module id for a module's events only. Computed once, shared by every event.
     */
    byte[] encoded() {
        byte[] e = encoded;
        if (e == null) {
            BinaryWriter w = new BinaryWriter(32 + authMethod.length() + generationId.length() + deviceId.value().length())
                    .writeString(deviceId.value()).writeString(generationId).writeString(authMethod);
            if (moduleId != null) {
                w.writeString(moduleId);
            }
            e = w.toByteArray();
            encoded = e;
        }
        return e;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EventSource other && deviceId.equals(other.deviceId) && Objects.equals(moduleId, other.moduleId)
                && generationId.equals(other.generationId) && authMethod.equals(other.authMethod);
    }

    @Override
    public int hashCode() {
        return Objects.hash(deviceId, moduleId, generationId, authMethod);
    }

    @Override
    public String toString() {
        return "EventSource[deviceId=" + deviceId + (moduleId == null ? "" : ", moduleId=" + moduleId)
                + ", generationId=" + generationId + "]";
    }
}
