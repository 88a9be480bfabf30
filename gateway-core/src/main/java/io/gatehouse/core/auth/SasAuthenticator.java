package io.gatehouse.core.auth;

import io.gatehouse.core.auth.Principal.DevicePrincipal;
import io.gatehouse.core.auth.Principal.ServicePrincipal;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.registry.AccessPolicies;
import io.gatehouse.core.registry.AccessPolicy;
import io.gatehouse.core.registry.AccessRight;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.registry.DeviceRegistry;
import io.gatehouse.core.registry.Module;
import io.gatehouse.core.registry.ModuleRegistry;
import io.gatehouse.core.registry.SymmetricKeys;
import io.gatehouse.core.time.Clock;
import java.security.MessageDigest;
import io.gatehouse.core.registry.RegistryCatchUp;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Validates SAS tokens (docs/protocols.md#sas-tokens, docs/event-hubs.md): the signature is HMAC-SHA256 over {@code sr} exactly as it appears in the
 * token, compared in constant time with either key of the signer. Policy tokens may be keyed either way: the IoT
 * SDKs use the base64-decoded key, the Event Hubs SDKs the key text's UTF-8 bytes (their {@code sr} is the
 * URL-encoded audience, not lower-cased, one per link). Expired tokens are refused; the device
 * id comes from the decoded {@code sr}. The host part of {@code sr} is not checked: clients name the hub
 * or gateway host they dialled, which need not be ours.
 *
 * <p>The {@code ...Latest} variants are for connections: on a node that shares its registry with others, a refusal
 * stands only once this node has caught up with every registry change committed before the attempt, so a device
 * created (or re-keyed, or enabled) through another node a moment ago gets in. They complete at once when the
 * token is accepted or the node is alone, otherwise on a store thread.
 */
public final class SasAuthenticator {

    private final DeviceRegistry devices;
    private final ModuleRegistry modules;
    private final AccessPolicies policies;
    private final Clock clock;
    private final RegistryCatchUp registryCatchUp;

    public SasAuthenticator(DeviceRegistry devices, ModuleRegistry modules, AccessPolicies policies, Clock clock,
                            RegistryCatchUp registryCatchUp) {
        this.devices = devices;
        this.modules = modules;
        this.policies = policies;
        this.clock = clock;
        this.registryCatchUp = registryCatchUp;
    }

    /** {@link #authenticate}, with a refusal checked again once caught up with other nodes' registry changes. */
    public CompletableFuture<AuthResult<Principal>> authenticateLatest(String token) {
        return latest(() -> authenticate(token));
    }

    /** {@link #authenticateIdentity}, with a refusal checked again once caught up with other nodes' registry changes. */
    public CompletableFuture<AuthResult<DevicePrincipal>> authenticateIdentityLatest(DeviceId expected, String expectedModule,
                                                                                    String token) {
        return latest(() -> authenticateIdentity(expected, expectedModule, token));
    }

    /** {@link #authenticateService}, with a refusal checked again once caught up with other nodes' registry changes. */
    public CompletableFuture<AuthResult<ServicePrincipal>> authenticateServiceLatest(String token, AccessRight right) {
        return latest(() -> authenticateService(token, right));
    }

    private <P extends Principal> CompletableFuture<AuthResult<P>> latest(Supplier<AuthResult<P>> check) {
        // every refusal waits, whatever its reason: a bad signature may be a key changed elsewhere, "disabled" an
        // enabling not yet heard; the node's catch-ups are shared, so a flood of bad tokens costs few round trips
        return registryCatchUp.latest(check, AuthResult::isSuccess);
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
        String moduleId = sas.moduleId();
        if (moduleId != null && !Module.isValidId(moduleId)) {
            return AuthResult.badCredentials("token names an invalid module id");
        }
        if (sas.keyName() != null) {
            return authenticateWithPolicy(sas, deviceId, moduleId, expiry);
        }
        if (deviceId == null) {
            return AuthResult.badCredentials("token without 'skn' must name a device in 'sr'");
        }
        Optional<Device> device = devices.get(deviceId);
        if (device.isEmpty()) {
            return AuthResult.badCredentials("unknown device " + deviceId);
        }
        if (moduleId != null) {
            return authenticateModule(sas, device.get(), moduleId, expiry);
        }
        if (!deviceSignedWith(sas, device.get().keys())) {
            return AuthResult.badCredentials("bad signature for device " + deviceId);
        }
        if (!device.get().isEnabled()) {
            return AuthResult.notAuthorized("device " + deviceId + " is disabled");
        }
        return new AuthResult.Success<>(new DevicePrincipal(deviceId, device.get().generationId(), null, expiry));
    }

    /** A module's own token: signed with the module's key; the module lives while its device is enabled. */
    private AuthResult<Principal> authenticateModule(SasToken sas, Device device, String moduleId, Instant expiry) {
        Optional<Module> module = modules.get(device.id(), moduleId);
        if (module.isEmpty()) {
            return AuthResult.badCredentials("unknown module " + device.id() + "/" + moduleId);
        }
        if (!signedWith(sas, module.get().keys())) {
            return AuthResult.badCredentials("bad signature for module " + module.get().identity());
        }
        if (!device.isEnabled()) {
            return AuthResult.notAuthorized("device " + device.id() + " is disabled");
        }
        return new AuthResult.Success<>(new DevicePrincipal(device.id(), moduleId, module.get().generationId(), null, expiry));
    }

    /** A token that must speak for {@code expected} (a device connecting under its own id). */
    public AuthResult<DevicePrincipal> authenticateDevice(DeviceId expected, String token) {
        return authenticateIdentity(expected, null, token);
    }

    /**
     * A token that must speak for exactly the device ({@code expectedModule} null) or the module named: a
     * module's token does not open its device's connection, nor a device's token its modules'.
     */
    public AuthResult<DevicePrincipal> authenticateIdentity(DeviceId expected, String expectedModule, String token) {
        AuthResult<Principal> result = authenticate(token);
        if (result instanceof AuthResult.Failure<Principal> f) {
            return new AuthResult.Failure<>(f.kind(), f.reason());
        }
        Principal principal = result.principal();
        String wanted = expectedModule == null ? expected.value() : expected.value() + "/" + expectedModule;
        if (principal instanceof DevicePrincipal device) {
            if (!device.is(expected, expectedModule)) {
                String holder = (device.moduleId() == null ? "device " : "module ") + device.identity();
                return AuthResult.notAuthorized("token is for " + holder + ", not " + wanted);
            }
            return new AuthResult.Success<>(device);
        }
        ServicePrincipal service = (ServicePrincipal) principal;
        if (!service.has(AccessRight.DEVICE_CONNECT)) {
            return AuthResult.notAuthorized("policy " + service.policyName() + " lacks DeviceConnect");
        }
        return deviceViaPolicy(expected, expectedModule, service.policyName(), service.expiry());
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

    private AuthResult<Principal> authenticateWithPolicy(SasToken sas, DeviceId deviceId, String moduleId, Instant expiry) {
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
        AuthResult<DevicePrincipal> device = deviceViaPolicy(deviceId, moduleId, policy.get().name(), expiry);
        return device instanceof AuthResult.Failure<DevicePrincipal> f
                ? new AuthResult.Failure<>(f.kind(), f.reason())
                : new AuthResult.Success<>(device.principal());
    }

    private AuthResult<DevicePrincipal> deviceViaPolicy(DeviceId deviceId, String moduleId, String policyName, Instant expiry) {
        Optional<Device> device = devices.get(deviceId);
        if (device.isEmpty()) {
            return AuthResult.badCredentials("unknown device " + deviceId);
        }
        if (!device.get().isEnabled()) {
            return AuthResult.notAuthorized("device " + deviceId + " is disabled");
        }
        if (moduleId == null) {
            return new AuthResult.Success<>(new DevicePrincipal(deviceId, device.get().generationId(), policyName, expiry));
        }
        Optional<Module> module = modules.get(deviceId, moduleId);
        if (module.isEmpty()) {
            return AuthResult.badCredentials("unknown module " + deviceId + "/" + moduleId);
        }
        return new AuthResult.Success<>(new DevicePrincipal(deviceId, moduleId, module.get().generationId(), policyName, expiry));
    }

    /** Policy tokens: signed in the IoT convention (service SDKs) or the Event Hubs convention (Event Hubs SDKs). */
    private static boolean signedWith(SasToken sas, SymmetricKeys keys) {
        byte[] presented = presentedSignature(sas);
        if (presented == null) {
            return false;
        }
        // evaluate every key and convention always, so timing reveals nothing about which one matched
        boolean iot = matches(presented, sas, keys, false);
        boolean eventHubs = matches(presented, sas, keys, true);
        return iot | eventHubs;
    }

    /** Device tokens: only the IoT convention (no device SDK signs with the key text). */
    private static boolean deviceSignedWith(SasToken sas, SymmetricKeys keys) {
        byte[] presented = presentedSignature(sas);
        return presented != null && matches(presented, sas, keys, false);
    }

    private static boolean matches(byte[] presented, SasToken sas, SymmetricKeys keys, boolean keyText) {
        boolean primary = MessageDigest.isEqual(presented, signature(keys.primaryKey(), sas, keyText));
        boolean secondary = MessageDigest.isEqual(presented, signature(keys.secondaryKey(), sas, keyText));
        return primary | secondary;
    }

    private static byte[] signature(String key, SasToken sas, boolean keyText) {
        return keyText ? Hmac.signWithKeyText(key, sas.rawResource(), sas.expirySeconds())
                : Hmac.sign(key, sas.rawResource(), sas.expirySeconds());
    }

    private static byte[] presentedSignature(SasToken sas) {
        try {
            return Base64.getDecoder().decode(sas.signature());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
