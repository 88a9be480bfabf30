package io.gatehouse.core.registry;

import io.gatehouse.core.model.DeviceId;

/**
 * Where the keys of identities created without keys come from: the default policies at first start, and
 * devices created without keys. Normally fresh random keys; a development hub may use fixed, documented ones
 * so that test configuration can be written once.
 */
public interface KeySource {

    /** Fresh random keys for every identity. */
    KeySource RANDOM = new KeySource() {
        @Override
        public SymmetricKeys forPolicy(String policy) {
            return SymmetricKeys.generate();
        }

        @Override
        public SymmetricKeys forDevice(DeviceId device) {
            return SymmetricKeys.generate();
        }
    };

    SymmetricKeys forPolicy(String policy);

    SymmetricKeys forDevice(DeviceId device);
}
