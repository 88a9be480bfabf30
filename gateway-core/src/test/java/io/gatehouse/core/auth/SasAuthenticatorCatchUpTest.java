package io.gatehouse.core.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.auth.Principal.DevicePrincipal;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.registry.DeviceStatus;
import io.gatehouse.core.registry.DeviceUpdate;
import io.gatehouse.core.registry.SymmetricKeys;
import io.gatehouse.core.testing.ManualCore;
import io.gatehouse.core.testing.ManualStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Read-your-writes of the registry across nodes: on a node sharing its store, a refused token is checked again
 * once the node caught up with other nodes' changes. The test plays the other node: it changes the registry while
 * the catch-up waits, then lets it complete.
 */
class SasAuthenticatorCatchUpTest {

    private static final String HOST = "hub.gatehouse.test";
    private static final DeviceId LATE = DeviceId.of("late");

    private final ManualStore store = new ManualStore(HubSettings.defaults().eventPartitions());
    private final ManualCore hub = new ManualCore(HubSettings.defaults(), store);
    private final SasAuthenticator auth = hub.core.authenticator();
    private final SymmetricKeys keys = SymmetricKeys.generate();

    @AfterEach
    void tearDown() {
        hub.close();
    }

    private String token(SymmetricKeys signer) {
        return SasTokens.deviceToken(HOST, LATE.value(), signer.primaryKey(), hub.clock.now().plus(Duration.ofHours(1)));
    }

    private Device createLate(DeviceStatus status) {
        return hub.await(hub.core.registry().create(LATE, status, null, keys));
    }

    @Test
    void aNodeAloneRefusesAtOnce() {
        var verdict = auth.authenticateIdentityLatest(LATE, null, token(keys));

        assertThat(verdict).isDone();
        assertThat(verdict.join()).isInstanceOf(AuthResult.Failure.class);
        assertThat(store.pendingCatchUps()).isZero();
    }

    @Test
    void anAcceptedTokenNeedsNoCatchUp() {
        store.shareWithOtherNodes();
        createLate(DeviceStatus.ENABLED);

        var verdict = auth.authenticateIdentityLatest(LATE, null, token(keys));

        assertThat(verdict).isDone();
        assertThat(verdict.join().principal().deviceId()).isEqualTo(LATE);
        assertThat(store.pendingCatchUps()).isZero();
    }

    @Test
    void aDeviceCreatedElsewhereGetsInOnceTheNodeCaughtUp() {
        store.shareWithOtherNodes();

        CompletableFuture<AuthResult<DevicePrincipal>> verdict = auth.authenticateIdentityLatest(LATE, null, token(keys));
        assertThat(verdict).isNotDone();
        assertThat(store.pendingCatchUps()).isEqualTo(1);

        createLate(DeviceStatus.ENABLED); // what the catch-up brings
        store.completeCatchUps();

        assertThat(verdict).isDone();
        assertThat(verdict.join().principal().deviceId()).isEqualTo(LATE);
    }

    @Test
    void aRefusalStandsWhenTheCatchUpBringsNothing() {
        store.shareWithOtherNodes();

        var verdict = auth.authenticateIdentityLatest(LATE, null, token(keys));
        store.completeCatchUps();

        assertThat(verdict.join()).isInstanceOfSatisfying(AuthResult.Failure.class,
                failure -> assertThat(failure.reason()).contains("unknown device late"));
    }

    @Test
    void keysChangedAndDevicesEnabledElsewhereCountToo() {
        store.shareWithOtherNodes();
        createLate(DeviceStatus.DISABLED);
        SymmetricKeys newKeys = SymmetricKeys.generate();

        var verdict = auth.authenticateIdentityLatest(LATE, null, token(newKeys));
        assertThat(verdict).isNotDone();
        hub.await(hub.core.registry().update(LATE, "*", new DeviceUpdate(DeviceStatus.ENABLED, null, newKeys)));
        store.completeCatchUps();

        assertThat(verdict.join().isSuccess()).isTrue();
    }

    @Test
    void serviceTokensWaitForPoliciesTheSameWay() {
        store.shareWithOtherNodes();
        String token = SasTokens.serviceToken(HOST, "nobody", SymmetricKeys.randomKey(), hub.clock.now().plus(Duration.ofHours(1)));

        var verdict = auth.authenticateLatest(token);
        assertThat(verdict).isNotDone();
        store.completeCatchUps();

        assertThat(verdict.join()).isInstanceOfSatisfying(AuthResult.Failure.class,
                failure -> assertThat(failure.reason()).contains("unknown policy nobody"));
    }
}
