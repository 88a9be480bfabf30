package io.gatehouse.core.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.testing.ManualCore;
import io.gatehouse.core.testing.ManualStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Registry reads that find nothing on a node sharing its store look again once the node caught up with the other
 * nodes' changes; the test plays the other node, creating what is read while the catch-up waits.
 */
class RegistryReadCatchUpTest {

    private static final DeviceId LATE = DeviceId.of("late");

    private final ManualStore store = new ManualStore(HubSettings.defaults().eventPartitions());
    private final ManualCore hub = new ManualCore(HubSettings.defaults(), store);

    @AfterEach
    void tearDown() {
        hub.close();
    }

    @Test
    void aDeviceCreatedElsewhereIsFoundOnceTheNodeCaughtUp() {
        store.shareWithOtherNodes();

        var found = hub.core.registry().getLatest(LATE);
        assertThat(found).isNotDone();
        hub.createDevice(LATE.value());
        store.completeCatchUps();

        assertThat(found.join()).map(Device::id).contains(LATE);
    }

    @Test
    void aModuleCreatedElsewhereIsFoundOnceTheNodeCaughtUp() {
        store.shareWithOtherNodes();
        hub.createDevice(LATE.value());

        var found = hub.core.modules().getLatest(LATE, "m1");
        assertThat(found).isNotDone();
        hub.await(hub.core.modules().create(LATE, "m1", null, null));
        store.completeCatchUps();

        assertThat(found.join()).map(Module::moduleId).contains("m1");
    }

    @Test
    void whatExistsHereOrOnANodeAloneIsAnsweredAtOnce() {
        hub.createDevice(LATE.value());
        assertThat(hub.core.registry().getLatest(DeviceId.of("nobody")).join()).isEmpty();

        store.shareWithOtherNodes();
        assertThat(hub.core.registry().getLatest(LATE)).isCompletedWithValueMatching(d -> d.isPresent());
        assertThat(store.pendingCatchUps()).isZero();
    }
}
