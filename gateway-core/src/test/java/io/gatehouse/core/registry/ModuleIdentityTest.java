package io.gatehouse.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.core.auth.AuthResult;
import io.gatehouse.core.auth.Principal.DevicePrincipal;
import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.core.events.D2cEvent;
import io.gatehouse.core.events.EventSource;
import io.gatehouse.core.events.EventStream;
import io.gatehouse.core.events.StartPosition;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.session.DeviceConnections;
import io.gatehouse.core.testing.ManualCore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Module identities: registry lifecycle with etags, recovery, their own tokens, connections and event stamp. */
class ModuleIdentityTest {

    private static final DeviceId D1 = DeviceId.of("d1");
    private static final String HOST = "hub.gatehouse.test";

    private ManualCore hub;
    private Device device;

    @BeforeEach
    void setUp() {
        hub = new ManualCore();
        device = hub.createDevice("d1");
    }

    @AfterEach
    void tearDown() {
        hub.close();
    }

    private Module create(String moduleId) {
        return hub.await(hub.core.modules().create(D1, moduleId, null, null));
    }

    private static ErrorCode failure(Runnable action) {
        try {
            action.run();
        } catch (CompletionException e) {
            return GatewayException.unwrap(e).code();
        }
        throw new AssertionError("no failure");
    }

    @Test
    void createGetUpdateDeleteWithEtagsAndSurviveARestart() {
        Module m1 = create("m1");
        assertThat(m1.keys().primaryKey()).isNotEqualTo(device.keys().primaryKey());
        assertThat(m1.generationId()).isNotBlank();
        assertThat(failure(() -> create("m1"))).isEqualTo(ErrorCode.MODULE_ALREADY_EXISTS);
        assertThat(failure(() -> hub.await(hub.core.modules().create(DeviceId.of("nobody"), "m1", null, null))))
                .isEqualTo(ErrorCode.DEVICE_NOT_FOUND);
        create("m0");
        assertThat(hub.core.modules().list(D1)).extracting(Module::moduleId).containsExactly("m0", "m1");

        assertThat(failure(() -> hub.await(hub.core.modules().update(D1, "m1", "\"stale\"", "edge", null))))
                .isEqualTo(ErrorCode.PRECONDITION_FAILED);
        Module updated = hub.await(hub.core.modules().update(D1, "m1", "\"" + m1.etag() + "\"", "edge", null));
        assertThat(updated.etag()).isNotEqualTo(m1.etag());
        assertThat(updated.generationId()).isEqualTo(m1.generationId());
        assertThat(updated.managedBy()).isEqualTo("edge");

        hub = hub.restart();
        assertThat(hub.core.modules().get(D1, "m1")).contains(updated);
        hub.await(hub.core.modules().delete(D1, "m0", "*"));
        assertThat(failure(() -> hub.await(hub.core.modules().delete(D1, "m0", "*")))).isEqualTo(ErrorCode.MODULE_NOT_FOUND);

        hub = hub.restart();
        assertThat(hub.core.modules().list(D1)).extracting(Module::moduleId).containsExactly("m1");
    }

    @Test
    void deletingTheDeviceDeletesItsModulesDurably() {
        create("m1");
        hub.await(hub.core.registry().delete(D1, "*"));
        assertThat(hub.core.modules().list(D1)).isEmpty();
        hub = hub.restart();
        hub.createDevice("d1");
        assertThat(hub.core.modules().get(D1, "m1")).isEmpty();
    }

    @Test
    void aModuleTokenSpeaksForThatModuleOnly() {
        Module m1 = create("m1");
        create("m2");
        Instant expiry = Instant.now().plusSeconds(3600);
        String moduleToken = SasTokens.moduleToken(HOST, "d1", "m1", m1.keys().primaryKey(), expiry);
        String deviceToken = SasTokens.deviceToken(HOST, "d1", device.keys().primaryKey(), expiry);
        var auth = hub.core.authenticator();

        AuthResult<DevicePrincipal> ok = auth.authenticateIdentity(D1, "m1", moduleToken);
        assertThat(ok).isInstanceOf(AuthResult.Success.class);
        assertThat(ok.principal().moduleId()).isEqualTo("m1");
        assertThat(ok.principal().generationId()).isEqualTo(m1.generationId());

        assertThat(auth.authenticateDevice(D1, moduleToken)).as("a module is not its device").isInstanceOf(AuthResult.Failure.class);
        assertThat(auth.authenticateIdentity(D1, "m2", moduleToken)).as("nor another module").isInstanceOf(AuthResult.Failure.class);
        assertThat(auth.authenticateIdentity(D1, "m1", deviceToken)).as("a device is not its module").isInstanceOf(AuthResult.Failure.class);
        // the device's key does not sign for its module
        String forgedWithDeviceKey = SasTokens.moduleToken(HOST, "d1", "m1", device.keys().primaryKey(), expiry);
        assertThat(auth.authenticateIdentity(D1, "m1", forgedWithDeviceKey)).isInstanceOf(AuthResult.Failure.class);

        AccessPolicy devicePolicy = hub.core.policies().get("device").orElseThrow();
        String viaPolicy = SasTokens.policyToken(HOST + "/devices/d1/modules/m1", "device", devicePolicy.keys().primaryKey(), expiry);
        assertThat(auth.authenticateIdentity(D1, "m1", viaPolicy).principal().moduleId()).isEqualTo("m1");

        hub.await(hub.core.registry().update(D1, "*", new DeviceUpdate(DeviceStatus.DISABLED, null, null)));
        assertThat(auth.authenticateIdentity(D1, "m1", moduleToken)).as("a disabled device's modules are out too")
                .isInstanceOf(AuthResult.Failure.class);
    }

    @Test
    void moduleEventsCarryTheModuleIdAndDeviceEventsDoNot() {
        Module m1 = create("m1");
        EventStream events = hub.core.events();
        hub.await(events.append(new EventSource(D1, "m1", m1.generationId(), "{}"), MessageProperties.EMPTY, new byte[] {1}));
        hub.await(events.append(new EventSource(D1, device.generationId(), "{}"), MessageProperties.EMPTY, new byte[] {2}));
        List<D2cEvent> read = new ArrayList<>();
        var reader = events.openReader(EventStream.DEFAULT_CONSUMER_GROUP, events.partitionFor(D1), StartPosition.earliest(), read::add);
        reader.addCredit(10);
        hub.run();
        assertThat(read).extracting(e -> e.source().moduleId()).containsExactly("m1", null);
        reader.close();
    }

    @Test
    void aModuleConnectionIsNotTakenOverByItsDevicesAndADisabledDeviceClosesBoth() {
        create("m1");
        List<String> closed = new ArrayList<>();
        DeviceConnections connections = hub.core.connections();
        connections.register(D1, connection("device", closed));
        connections.register(D1, "m1", connection("module", closed));
        assertThat(closed).isEmpty();
        assertThat(connections.isConnected(D1, "m1")).isTrue();
        connections.register(D1, "m1", connection("module-2", closed));
        assertThat(closed).containsExactly("module");

        connections.revoke(D1, "disabled");
        assertThat(closed).containsExactlyInAnyOrder("module", "device", "module-2");
        assertThat(connections.isConnected(D1)).isFalse();
        assertThat(connections.isConnected(D1, "m1")).isFalse();
    }

    private static DeviceConnections.Connection connection(String name, List<String> closed) {
        return new DeviceConnections.Connection() {
            @Override
            public String protocol() {
                return "test";
            }

            @Override
            public void close(String reason) {
                closed.add(name);
            }
        };
    }

    @Test
    void moduleIdsFollowTheDeviceIdRules() {
        assertThatThrownBy(() -> create("a/b")).isInstanceOf(IllegalArgumentException.class);
    }
}
