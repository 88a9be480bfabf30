package io.gatehouse.core.auth;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.registry.AccessRight;
import java.time.Instant;
import java.util.Set;

/** Who a valid token speaks for, and until when. */
public sealed interface Principal {

    Instant expiry();

    /** A device, authenticated with its own key or with a policy that has DeviceConnect. */
    record DevicePrincipal(DeviceId deviceId, String generationId, String policyName, Instant expiry)
            implements Principal {

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
