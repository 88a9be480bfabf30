package io.gatehouse.core.auth;

import io.gatehouse.core.auth.Principal.DevicePrincipal;
import io.gatehouse.core.auth.Principal.ServicePrincipal;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.registry.AccessPolicies;
import io.gatehouse.core.registry.AccessPolicy;
import io.gatehouse.core.registry.AccessRight;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.registry.DeviceRegistry;
import io.gatehouse.core.registry.SymmetricKeys;
import io.gatehouse.core.time.Clock;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * Validates SAS tokens (docs/protocols.md#sas-tokens): the signature is HMAC-SHA256 over {@code sr} exactly as it appears in the
 * token, compared in constant time with either key of the signer; expired tokens are refused; the device
 * id comes from the decoded {@code sr}. The host part of {@code sr} is not checked: clients name the hub
 * or gateway host they dialled, which need not be ours.
 */
public final class SasAuthenticator {

    private final DeviceRegistry devices;
    private final AccessPolicies policies;
    private final Clock clock;

    public SasAuthenticator(DeviceRegistry devices, AccessPolicies policies, Clock clock) {
        this.devices = devices;
        this.policies = policies;
        this.clock = clock;
    }

    /** Whoever the token speaks for: a device (device key, or a DeviceConnect policy) or a service. */
    public AuthResult<Principal> authenticate(String token) {
        SasToken sas;
        try {
            sas = SasToken.parse(token);
        } catch (IllegalArgumentException e) {
            return AuthResult.badCredentials("malformed token: " + e.getMessage());
        }
        Instant expiry = Instant.ofEpochSecond(sas.expirySeconds());
        if (sas.expirySeconds() <= clock.millis() / 1000) {
            return AuthResult.badCredentials("token expired at " + expiry);
        }
        String deviceText = sas.deviceId();
        DeviceId deviceId = null;
        if (deviceText != null) {
            if (!DeviceId.isValid(deviceText)) {
                return AuthResult.badCredentials("token names an invalid device id");
            }
            deviceId = DeviceId.of(deviceText);
        }
        if (sas.keyName() != null) {
            return authenticateWithPolicy(sas, deviceId, expiry);
        }
        if (deviceId == null) {
            return AuthResult.badCredentials("token without 'skn' must name a device in 'sr'");
        }
        Optional<Device> device = devices.get(deviceId);
        if (device.isEmpty()) {
            return AuthResult.badCredentials("unknown device " + deviceId);
        }
        if (!signedWith(sas, device.get().keys())) {
            return AuthResult.badCredentials("bad signature for device " + deviceId);
        }
        if (!device.get().isEnabled()) {
            return AuthResult.notAuthorized("device " + deviceId + " is disabled");
        }
        return new AuthResult.Success<>(new DevicePrincipal(deviceId, device.get().generationId(), null, expiry));
    }

    /** A token that must speak for {@code expected} (a device connecting under its own id). */
    public AuthResult<DevicePrincipal> authenticateDevice(DeviceId expected, String token) {
        AuthResult<Principal> result = authenticate(token);
        if (result instanceof AuthResult.Failure<Principal> f) {
            return new AuthResult.Failure<>(f.kind(), f.reason());
        }
        Principal principal = result.principal();
        if (principal instanceof DevicePrincipal device) {
            if (!device.deviceId().equals(expected)) {
                return AuthResult.notAuthorized("token is for device " + device.deviceId() + ", not " + expected);
            }
            return new AuthResult.Success<>(device);
        }
        ServicePrincipal service = (ServicePrincipal) principal;
        if (!service.has(AccessRight.DEVICE_CONNECT)) {
            return AuthResult.notAuthorized("policy " + service.policyName() + " lacks DeviceConnect");
        }
        return deviceViaPolicy(expected, service.policyName(), service.expiry());
    }

    /** A token that must carry {@code right} (a back-end service operation). */
    public AuthResult<ServicePrincipal> authenticateService(String token, AccessRight right) {
        AuthResult<Principal> result = authenticate(token);
        if (result instanceof AuthResult.Failure<Principal> f) {
            return new AuthResult.Failure<>(f.kind(), f.reason());
        }
        if (!(result.principal() instanceof ServicePrincipal service)) {
            return AuthResult.notAuthorized("a device token cannot be used for service operations");
        }
        if (!service.has(right)) {
            return AuthResult.notAuthorized("policy " + service.policyName() + " lacks " + right.wireName());
        }
        return new AuthResult.Success<>(service);
    }

    private AuthResult<Principal> authenticateWithPolicy(SasToken sas, DeviceId deviceId, Instant expiry) {
        Optional<AccessPolicy> policy = policies.get(sas.keyName());
        if (policy.isEmpty()) {
            return AuthResult.badCredentials("unknown policy " + sas.keyName());
        }
        if (!signedWith(sas, policy.get().keys())) {
            return AuthResult.badCredentials("bad signature for policy " + sas.keyName());
        }
        if (deviceId == null) {
            return new AuthResult.Success<>(new ServicePrincipal(policy.get().name(), policy.get().rights(), expiry));
        }
        if (!policy.get().has(AccessRight.DEVICE_CONNECT)) {
            return AuthResult.notAuthorized("policy " + sas.keyName() + " lacks DeviceConnect");
        }
        AuthResult<DevicePrincipal> device = deviceViaPolicy(deviceId, policy.get().name(), expiry);
        return device instanceof AuthResult.Failure<DevicePrincipal> f
                ? new AuthResult.Failure<>(f.kind(), f.reason())
                : new AuthResult.Success<>(device.principal());
    }

    private AuthResult<DevicePrincipal> deviceViaPolicy(DeviceId deviceId, String policyName, Instant expiry) {
        Optional<Device> device = devices.get(deviceId);
        if (device.isEmpty()) {
            return AuthResult.badCredentials("unknown device " + deviceId);
        }
        if (!device.get().isEnabled()) {
            return AuthResult.notAuthorized("device " + deviceId + " is disabled");
        }
        return new AuthResult.Success<>(new DevicePrincipal(deviceId, device.get().generationId(), policyName, expiry));
    }

    private static boolean signedWith(SasToken sas, SymmetricKeys keys) {
        byte[] presented;
        try {
            presented = Base64.getDecoder().decode(sas.signature());
        } catch (IllegalArgumentException e) {
            return false;
        }
        // evaluate both keys always, so timing reveals nothing about which one matched
        boolean primary = MessageDigest.isEqual(presented, Hmac.sign(keys.primaryKey(), sas.rawResource(), sas.expirySeconds()));
        boolean secondary = MessageDigest.isEqual(presented, Hmac.sign(keys.secondaryKey(), sas.rawResource(), sas.expirySeconds()));
        return primary | secondary;
    }
}
