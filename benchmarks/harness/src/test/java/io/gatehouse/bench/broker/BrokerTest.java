package io.gatehouse.bench.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class BrokerTest {

    @Test
    void clusterEventsAreD0AndItsC2dQueuesD1() {
        for (Broker cluster : List.of(Broker.GATEHOUSE_CLUSTER_1, Broker.GATEHOUSE_CLUSTER_3)) {
            assertThat(cluster.durability(MessagePath.EVENTS)).isEqualTo("D0");
            assertThat(cluster.durability(MessagePath.C2D)).isEqualTo("D1");
            assertThat(cluster.durabilityLabel()).isEqualTo("D2C D0, C2D D1");
            assertThat(cluster.isGatehouse()).isTrue();
            assertThat(cluster.isJvm()).as("several processes").isFalse();
        }
        assertThat(Broker.byId("gatehouse-cluster-3").clusterNodes()).isEqualTo(3);
        assertThat(Broker.GATEHOUSE_CLUSTER_1.clusterNodes()).isEqualTo(1);
    }

    @Test
    void aBrokerWithOneStoreHasOneLabel() {
        assertThat(Broker.GATEHOUSE.durabilityLabel()).isEqualTo("D1");
        assertThat(Broker.MOQUETTE.durability(MessagePath.C2D)).isEqualTo("D0");
        assertThat(Broker.GATEHOUSE.isCluster()).isFalse();
    }

    @Test
    void theJournalFlagsChangeTheSingleNodeLabelOnly() {
        Launch memory = new Launch(null, List.of(), Path.of("."), "memory", "batch");

        assertThat(memory.durabilityOf(Broker.GATEHOUSE, MessagePath.C2D)).isEqualTo("D0");
        assertThat(memory.durabilityOf(Broker.GATEHOUSE_CLUSTER_3, MessagePath.C2D)).isEqualTo("D1");
        assertThat(memory.durabilityLabelOf(Broker.GATEHOUSE_CLUSTER_3)).isEqualTo("D2C D0, C2D D1");
    }

    @Test
    void aJvmsOwnOptionsComeAfterTheSharedOnesSoTheyWinAndEveryJvmEndsWhenOutOfHeap() {
        Launch launch = new Launch("0", List.of("-Xms1g", "-Xmx1g"), Path.of("."), "journal", "batch", List.of("-Xmx160m"));

        List<String> cmd = launch.java(List.of("-Xmx160m"), null, "-jar g.jar", List.of("start"));

        assertThat(cmd.subList(0, 3)).containsExactly("taskset", "-c", "0");
        assertThat(cmd.subList(4, cmd.size()))
                .containsExactly("-XX:+ExitOnOutOfMemoryError", "-Xms1g", "-Xmx1g", "-Xmx160m", "-jar", "g.jar", "start");
    }
}
