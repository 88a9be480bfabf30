package io.gatehouse.bench.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class MqttNodesTest {

    private final MqttNodes three = new MqttNodes(List.of(1883, 1884, 1885));

    @Test
    void deviceIDialsNodeIModN() {
        assertThat(three.nodeOf(0)).isZero();
        assertThat(three.nodeOf(1)).isEqualTo(1);
        assertThat(three.nodeOf(2)).isEqualTo(2);
        assertThat(three.nodeOf(3)).isZero();
        assertThat(three.nodeOf(999)).isZero();
        assertThat(three.portOf(4)).isEqualTo(1884);
        assertThat(three.first()).isEqualTo(1883);
    }

    @Test
    void theCountsPerNodeAreTheDevicesThatDialEachNode() {
        for (int devices : List.of(0, 1, 2, 3, 1_000, 10_000)) {
            int[] dialled = new int[three.count()];
            for (int device = 0; device < devices; device++) {
                dialled[three.nodeOf(device)]++;
            }
            assertThat(three.devicesPerNode(devices)).as("%d devices", devices).containsExactly(dialled);
        }
        assertThat(three.devicesPerNode(1_000)).containsExactly(334, 333, 333);
    }

    @Test
    void aSingleNodeTakesEveryDevice() {
        MqttNodes one = MqttNodes.one(1883);

        assertThat(one.portOf(0)).isEqualTo(1883);
        assertThat(one.portOf(12_345)).isEqualTo(1883);
        assertThat(one.devicesPerNode(1_000)).containsExactly(1_000);
    }

    @Test
    void aBrokerHasANode() {
        assertThatThrownBy(() -> new MqttNodes(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
