package io.gatehouse.core.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.auth.AuthResult.FailureKind;
import io.gatehouse.core.auth.Principal.DevicePrincipal;
import io.gatehouse.core.auth.Principal.ServicePrincipal;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.registry.AccessPolicy;
import io.gatehouse.core.registry.AccessRight;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.registry.DeviceStatus;
import io.gatehouse.core.registry.DeviceUpdate;
import io.gatehouse.core.testing.ManualCore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SAS token validation (docs/protocols.md#sas-tokens) against tokens in each official SDK's form. */
class SasAuthenticatorTest {

    private static final String HOST = "Hub.Gatehouse.Test";
    /** Every character IoT Hub allows in a device id. */
    static final String EVERY_ALLOWED_CHAR = "Az09-:.+%_#*?!(),=@$'";

    private final ManualCore hub = new ManualCore();
    private final SasAuthenticator auth = hub.core.authenticator();
    private final Device d1 = hub.createDevice("d1");

    @AfterEach
    void tearDown() {
        hub.close();
    }

    private long inOneHour() {
        return hub.clock.now().plus(Duration.ofHours(1)).getEpochSecond();
    }

    private AccessPolicy policy(String name) {
        return hub.core.policies().get(name).orElseThrow();
    }

    private static void assertFailure(AuthResult<?> result, FailureKind kind, String reasonPart) {
        assertThat(result).isInstanceOfSatisfying(AuthResult.Failure.class, f -> {
            assertThat(f.kind()).isEqualTo(kind);
            assertThat(f.reason()).contains(reasonPart);
        });
    }

    // ------------------------------------------------------------ the SDKs' good tokens

    @Test
    void javaDeviceSdkTokenWithRawResource() {
        String token = SdkTokens.javaDevice(HOST, "d1", d1.keys().primaryKey(), inOneHour());
        assertThat(token).startsWith("SharedAccessSignature sig=").endsWith("&sr=" + HOST + "/devices/d1");

        AuthResult<DevicePrincipal> result = auth.authenticateDevice(d1.id(), token);
        assertThat(result.isSuccess()).isTrue();
        DevicePrincipal principal = result.principal();
        assertThat(principal.deviceId()).isEqualTo(d1.id());
        assertThat(principal.generationId()).isEqualTo(d1.generationId());
        assertThat(principal.policyName()).isNull();
        assertThat(principal.expiry()).isEqualTo(Instant.ofEpochSecond(inOneHour()));
        assertThat(principal.authMethod()).contains("\"scope\":\"device\"").contains("\"type\":\"sas\"");
    }

    @Test
    void nodeDeviceSdkTokenWithEncodedResourceFirst() {
        String token = SdkTokens.nodeDevice(HOST, "d1", d1.keys().primaryKey(), inOneHour());
        assertThat(token).startsWith("SharedAccessSignature sr=Hub.Gatehouse.Test%2Fdevices%2Fd1&sig=");
        assertThat(auth.authenticateDevice(d1.id(), token).principal().deviceId()).isEqualTo(d1.id());
    }

    @Test
    void deviceIdsWithEveryAllowedCharacterInBothSdkForms() {
        Device special = hub.createDevice(EVERY_ALLOWED_CHAR);
        String key = special.keys().primaryKey();
        for (String token : List.of(SdkTokens.javaDevice(HOST, special.id().value(), key, inOneHour()),
                SdkTokens.nodeDevice(HOST, special.id().value(), key, inOneHour()))) {
            AuthResult<DevicePrincipal> result = auth.authenticateDevice(special.id(), token);
            assertThat(result.isSuccess()).as(token + " -> " + result).isTrue();
            assertThat(result.principal().deviceId()).isEqualTo(special.id());
        }
    }

    @Test
    void serviceSdkTokenWithLowerCaseHostAndPolicyName() {
        AccessPolicy service = policy("service");
        String token = SdkTokens.service(HOST, "service", service.keys().primaryKey(), inOneHour());
        assertThat(token).contains("sr=hub.gatehouse.test&").endsWith("&skn=service");

        AuthResult<ServicePrincipal> result = auth.authenticateService(token, AccessRight.SERVICE_CONNECT);
        assertThat(result.principal().policyName()).isEqualTo("service");
        assertThat(result.principal().rights()).containsExactly(AccessRight.SERVICE_CONNECT);
    }

    @Test
    void policyTokenWithDeviceConnectSpeaksForADevice() {
        AccessPolicy devicePolicy = policy("device");
        String token = SdkTokens.policyForDevice(HOST, "d1", "device", devicePolicy.keys().primaryKey(), inOneHour());

        AuthResult<DevicePrincipal> result = auth.authenticateDevice(d1.id(), token);
        assertThat(result.principal().deviceId()).isEqualTo(d1.id());
        assertThat(result.principal().policyName()).isEqualTo("device");
        assertThat(result.principal().authMethod()).contains("\"scope\":\"hub\"");
        // the same through the generic entry point
        assertThat(auth.authenticate(token).principal()).isInstanceOf(DevicePrincipal.class);
        // a hub-wide DeviceConnect token may speak for any device that asks
        String hubWide = SdkTokens.service(HOST, "device", devicePolicy.keys().primaryKey(), inOneHour());
        assertThat(auth.authenticateDevice(d1.id(), hubWide).principal().policyName()).isEqualTo("device");
    }

    @Test
    void theSecondaryKeySignsToo() {
        assertThat(auth.authenticateDevice(d1.id(),
                SdkTokens.javaDevice(HOST, "d1", d1.keys().secondaryKey(), inOneHour())).isSuccess()).isTrue();
        AccessPolicy owner = policy("iothubowner");
        assertThat(auth.authenticateService(SdkTokens.service(HOST, "iothubowner", owner.keys().secondaryKey(), inOneHour()),
                AccessRight.REGISTRY_WRITE).isSuccess()).isTrue();
    }

    @Test
    void eventHubsSdkTokensKeyedWithTheKeyTextForEveryLinkAudience() {
        AccessPolicy owner = policy("iothubowner");
        for (String audience : List.of("amqp://Hub.Gatehouse.Test/gatehouse/$management",
                "amqp://Hub.Gatehouse.Test/gatehouse/ConsumerGroups/$Default/Partitions/0", "sb://localhost/gatehouse")) {
            String token = SdkTokens.eventHubs(audience, "iothubowner", owner.keys().primaryKey(), inOneHour());
            AuthResult<ServicePrincipal> result = auth.authenticateService(token, AccessRight.SERVICE_CONNECT);
            assertThat(result.isSuccess()).as(audience).isTrue();
            assertThat(result.principal().policyName()).isEqualTo("iothubowner");
        }
        String secondary = SdkTokens.eventHubs("amqp://h/e", "iothubowner", owner.keys().secondaryKey(), inOneHour());
        assertThat(auth.authenticateService(secondary, AccessRight.SERVICE_CONNECT).isSuccess()).isTrue();
    }

    @Test
    void eventHubsTokensAreRefusedWithAWrongKeyOrAnAlteredAudienceOrExpiry() {
        AccessPolicy owner = policy("iothubowner");
        String token = SdkTokens.eventHubs("amqp://Hub/gatehouse", "iothubowner", owner.keys().primaryKey(), inOneHour());
        String otherKey = policy("service").keys().primaryKey();
        assertFailure(auth.authenticate(SdkTokens.eventHubs("amqp://Hub/gatehouse", "iothubowner", otherKey, inOneHour())),
                FailureKind.BAD_CREDENTIALS, "bad signature for policy iothubowner");
        // the audience is signed as written: lower-casing it (as the IoT service SDKs do with their host) breaks it
        assertFailure(auth.authenticate(token.replace("Hub", "hub")), FailureKind.BAD_CREDENTIALS, "bad signature");
        assertFailure(auth.authenticate(token.replace("&se=" + inOneHour(), "&se=" + (inOneHour() + 1))),
                FailureKind.BAD_CREDENTIALS, "bad signature");
    }

    @Test
    void deviceTokensAreOnlyAcceptedInTheIotConvention() {
        String keyText = d1.keys().primaryKey();
        String eventHubsStyle = SdkTokens.eventHubs(HOST + "/devices/d1", "ignored", keyText, inOneHour())
                .replace("&skn=ignored", "");
        assertFailure(auth.authenticateDevice(d1.id(), eventHubsStyle), FailureKind.BAD_CREDENTIALS, "bad signature for device d1");
    }

    @Test
    void theHostInTheResourceIsNotChecked() {
        for (String host : List.of("localhost", "127.0.0.1:8883", "some-other-hub.azure-devices.net")) {
            assertThat(auth.authenticateDevice(d1.id(), SdkTokens.javaDevice(host, "d1", d1.keys().primaryKey(), inOneHour()))
                    .isSuccess()).as(host).isTrue();
        }
    }

    // ------------------------------------------------------------ refusals

    @Test
    void expiredTokensAreRefusedTheSecondTheyExpire() {
        long now = hub.clock.now().getEpochSecond();
        assertFailure(auth.authenticateDevice(d1.id(), SdkTokens.javaDevice(HOST, "d1", d1.keys().primaryKey(), now)),
                FailureKind.BAD_CREDENTIALS, "expired");
        assertFailure(auth.authenticateDevice(d1.id(), SdkTokens.javaDevice(HOST, "d1", d1.keys().primaryKey(), now - 3600)),
                FailureKind.BAD_CREDENTIALS, "expired");
        String valid = SdkTokens.javaDevice(HOST, "d1", d1.keys().primaryKey(), now + 1);
        assertThat(auth.authenticateDevice(d1.id(), valid).isSuccess()).isTrue();
        hub.advance(Duration.ofSeconds(1));
        assertFailure(auth.authenticateDevice(d1.id(), valid), FailureKind.BAD_CREDENTIALS, "expired");
    }

    @Test
    void badSignaturesAreRefused() {
        String otherKey = hub.createDevice("d2").keys().primaryKey();
        assertFailure(auth.authenticateDevice(d1.id(), SdkTokens.javaDevice(HOST, "d1", otherKey, inOneHour())),
                FailureKind.BAD_CREDENTIALS, "bad signature for device d1");

        String good = SdkTokens.javaDevice(HOST, "d1", d1.keys().primaryKey(), inOneHour());
        // the signature covers the expiry and the resource exactly as written
        String laterExpiry = good.replace("&se=" + inOneHour(), "&se=" + (inOneHour() + 1));
        assertFailure(auth.authenticateDevice(d1.id(), laterExpiry), FailureKind.BAD_CREDENTIALS, "bad signature");
        String reEncoded = good.replace("&sr=" + HOST + "/devices/d1", "&sr=" + HOST + "%2Fdevices%2Fd1");
        assertFailure(auth.authenticateDevice(d1.id(), reEncoded), FailureKind.BAD_CREDENTIALS, "bad signature");
        String notBase64 = "SharedAccessSignature sig=%%%%&se=" + inOneHour() + "&sr=" + HOST + "/devices/d1";
        assertFailure(auth.authenticateDevice(d1.id(), notBase64), FailureKind.BAD_CREDENTIALS, "");

        AccessPolicy service = policy("service");
        assertFailure(auth.authenticateService(SdkTokens.service(HOST, "service", otherKey, inOneHour()), AccessRight.SERVICE_CONNECT),
                FailureKind.BAD_CREDENTIALS, "bad signature for policy service");
        assertThat(service.keys().primaryKey()).isNotEqualTo(otherKey);
    }

    @Test
    void aDeviceTokenOnlySpeaksForItsOwnDevice() {
        Device d2 = hub.createDevice("d2");
        String d2Token = SdkTokens.javaDevice(HOST, "d2", d2.keys().primaryKey(), inOneHour());
        assertFailure(auth.authenticateDevice(d1.id(), d2Token), FailureKind.NOT_AUTHORIZED, "token is for device d2, not d1");
        // a policy token scoped to d2 cannot connect d1 either
        String scoped = SdkTokens.policyForDevice(HOST, "d2", "device", policy("device").keys().primaryKey(), inOneHour());
        assertFailure(auth.authenticateDevice(d1.id(), scoped), FailureKind.NOT_AUTHORIZED, "not d1");
    }

    @Test
    void disabledDevicesAreRefusedWhateverTheToken() {
        hub.await(hub.core.registry().update(d1.id(), "*", DeviceUpdate.status(DeviceStatus.DISABLED)));
        assertFailure(auth.authenticateDevice(d1.id(), SdkTokens.javaDevice(HOST, "d1", d1.keys().primaryKey(), inOneHour())),
                FailureKind.NOT_AUTHORIZED, "disabled");
        assertFailure(auth.authenticateDevice(d1.id(),
                        SdkTokens.policyForDevice(HOST, "d1", "device", policy("device").keys().primaryKey(), inOneHour())),
                FailureKind.NOT_AUTHORIZED, "disabled");
    }

    @Test
    void unknownDevicesAndPoliciesAreRefused() {
        String key = d1.keys().primaryKey();
        assertFailure(auth.authenticateDevice(DeviceId.of("ghost"), SdkTokens.javaDevice(HOST, "ghost", key, inOneHour())),
                FailureKind.BAD_CREDENTIALS, "unknown device ghost");
        assertFailure(auth.authenticate(SdkTokens.service(HOST, "nosuchpolicy", key, inOneHour())),
                FailureKind.BAD_CREDENTIALS, "unknown policy nosuchpolicy");
        assertFailure(auth.authenticateDevice(DeviceId.of("ghost"),
                        SdkTokens.policyForDevice(HOST, "ghost", "device", policy("device").keys().primaryKey(), inOneHour())),
                FailureKind.BAD_CREDENTIALS, "unknown device ghost");
        assertFailure(auth.authenticate(SdkTokens.javaDevice(HOST, "bad/id", key, inOneHour()).replace("bad%2Fid", "bad id")),
                FailureKind.BAD_CREDENTIALS, "");
    }

    @Test
    void missingRightsAreRefused() {
        long exp = inOneHour();
        String registryRead = SdkTokens.service(HOST, "registryRead", policy("registryRead").keys().primaryKey(), exp);
        assertThat(auth.authenticateService(registryRead, AccessRight.REGISTRY_READ).isSuccess()).isTrue();
        assertFailure(auth.authenticateService(registryRead, AccessRight.REGISTRY_WRITE), FailureKind.NOT_AUTHORIZED,
                "policy registryRead lacks RegistryWrite");
        assertFailure(auth.authenticateService(registryRead, AccessRight.SERVICE_CONNECT), FailureKind.NOT_AUTHORIZED,
                "lacks ServiceConnect");
        // a policy without DeviceConnect cannot connect a device, scoped or hub-wide
        String service = SdkTokens.service(HOST, "service", policy("service").keys().primaryKey(), exp);
        assertFailure(auth.authenticateDevice(d1.id(), service), FailureKind.NOT_AUTHORIZED, "lacks DeviceConnect");
        String scoped = SdkTokens.policyForDevice(HOST, "d1", "service", policy("service").keys().primaryKey(), exp);
        assertFailure(auth.authenticate(scoped), FailureKind.NOT_AUTHORIZED, "lacks DeviceConnect");
        // a device token is no service credential
        String device = SdkTokens.javaDevice(HOST, "d1", d1.keys().primaryKey(), exp);
        assertFailure(auth.authenticateService(device, AccessRight.SERVICE_CONNECT), FailureKind.NOT_AUTHORIZED,
                "a device token cannot be used for service operations");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "garbage",
            "Bearer abc",
            "SharedAccessSignature",
            "SharedAccessSignature ",
            "sharedaccesssignature sr=a&sig=b&se=1",
            "SharedAccessSignature sr=hub/devices/d1&sig=abc",
            "SharedAccessSignature sr=hub/devices/d1&se=4102444800",
            "SharedAccessSignature sig=abc&se=4102444800",
            "SharedAccessSignature sr=hub/devices/d1&sig=abc&se=",
            "SharedAccessSignature sr=hub/devices/d1&sig=abc&se=tomorrow",
            "SharedAccessSignature sr=hub/devices/d1&sig=abc&se=99999999999999999999",
            "SharedAccessSignature sr=hub/devices/d1&sig=abc&se=4102444800&se=4102444801",
            "SharedAccessSignature sr=hub/devices/d1&sr=hub/devices/d2&sig=abc&se=4102444800",
            "SharedAccessSignature sr=hub/devices/d1&sig=abc&sig=abd&se=4102444800",
            "SharedAccessSignature sr=hub/devices/d1&&sig=abc&se=4102444800",
            "SharedAccessSignature sr=hub/devices/d1&=x&sig=abc&se=4102444800",
            "SharedAccessSignature sr=hub/devices/d1&sig&se=4102444800",
            "SharedAccessSignature sr=hub%2/devices/d1&sig=abc&se=4102444800",
            "SharedAccessSignature sr=hub/devices/d1&sig=a%zzb&se=4102444800",
    })
    void malformedTokensAreRefusedAsBadCredentials(String token) {
        AuthResult<Principal> result = auth.authenticate(token);
        assertFailure(result, FailureKind.BAD_CREDENTIALS, "malformed token");
        assertFailure(auth.authenticateDevice(d1.id(), token), FailureKind.BAD_CREDENTIALS, "malformed token");
    }

    @Test
    void nullAndHugeTokensAreRefusedCheaply() {
        assertFailure(auth.authenticate(null), FailureKind.BAD_CREDENTIALS, "no token");
        String huge = SdkTokens.javaDevice(HOST, "d1", d1.keys().primaryKey(), inOneHour()) + "&x=" + "y".repeat(1 << 20);
        assertFailure(auth.authenticateDevice(d1.id(), huge), FailureKind.BAD_CREDENTIALS, "longer than 4096");
    }

    // ------------------------------------------------------------ our generator

    @Test
    void sasTokensRoundTripInEveryForm() {
        Device special = hub.createDevice(EVERY_ALLOWED_CHAR);
        Instant expiry = hub.clock.now().plus(Duration.ofMinutes(5));
        for (Device device : List.of(d1, special)) {
            String id = device.id().value();
            String key = device.keys().primaryKey();
            for (String token : List.of(SasTokens.deviceToken(HOST, id, key, expiry),
                    SasTokens.deviceTokenEncoded(HOST, id, key, expiry))) {
                AuthResult<DevicePrincipal> result = auth.authenticateDevice(device.id(), token);
                assertThat(result.isSuccess()).as(token + " -> " + result).isTrue();
                assertThat(result.principal().expiry()).isEqualTo(expiry);
            }
            String policyToken = SasTokens.policyToken(HOST + "/devices/" + id, "device",
                    policy("device").keys().secondaryKey(), expiry);
            assertThat(auth.authenticateDevice(device.id(), policyToken).isSuccess()).as(policyToken).isTrue();
        }
        String service = SasTokens.serviceToken(HOST, "iothubowner", policy("iothubowner").keys().primaryKey(), expiry);
        assertThat(service).contains("sr=hub.gatehouse.test&");
        assertThat(auth.authenticateService(service, AccessRight.REGISTRY_READ).principal().policyName()).isEqualTo("iothubowner");
    }

    @Test
    void theJavaFormIsExactlyWhatTheJavaDeviceSdkSends() {
        Device special = hub.createDevice(EVERY_ALLOWED_CHAR);
        long expiry = inOneHour();
        assertThat(SasTokens.deviceToken(HOST, special.id().value(), special.keys().primaryKey(), Instant.ofEpochSecond(expiry)))
                .isEqualTo(SdkTokens.javaDevice(HOST, special.id().value(), special.keys().primaryKey(), expiry));
    }
}
