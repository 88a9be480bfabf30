package io.gatehouse.core.auth;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.registry.AccessRight;
import java.time.Instant;
import java.util.Set;

/** Who a valid token speaks for, and until when. */
public sealed interface Principal {

    Instant expiry();

    /**
     * A device, or one of its modules ({@code moduleId} set), authenticated with its own key or with a policy
     * that has DeviceConnect. {@code generationId} is the device's (or the module's) generation.
     */
    record DevicePrincipal(DeviceId deviceId, String moduleId, String generationId, String policyName, Instant expiry)
            implements Principal {

        /** A device's principal (no module). */
        public DevicePrincipal(DeviceId deviceId, String generationId, String policyName, Instant expiry) {
            this(deviceId, null, generationId, policyName, expiry);
        }

        /** {@code {deviceId}} or {@code {deviceId}/{moduleId}}, as client ids and logs name it. */
        public String identity() {
            return moduleId == null ? deviceId.value() : deviceId.value() + "/" + moduleId;
        }

        /** Whether this principal is exactly the device ({@code moduleId} null) or module named. */
        public boolean is(DeviceId device, String module) {
            return deviceId.equals(device) && java.util.Objects.equals(moduleId, module);
        }

        /** IoT Hub's {@code iothub-connection-auth-method} value for this identity. */
        public String authMethod() {
            String scope = policyName == null ? "device" : "hub";
            return "{\"scope\":\"" + scope + "\",\"type\":\"sas\",\"issuer\":\"iothub\",\"acceptingIpFilterRule\":null}";
        }
    }

    /** A back-end service holding a shared access policy's rights. */
    record ServicePrincipal(String policyName, Set<AccessRight> rights, Instant expiry) implements Principal {

        public ServicePrincipal {
            rights = Set.copyOf(rights);
        }

        public boolean has(AccessRight right) {
            return rights.contains(right);
        }
    }
}
