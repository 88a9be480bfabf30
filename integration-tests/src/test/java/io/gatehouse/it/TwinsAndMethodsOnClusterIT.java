package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.cluster.testing.ClusterEngines;
import io.gatehouse.cluster.testing.EmbeddedKafka;
import io.gatehouse.cluster.testing.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The twins and methods suite, unchanged, against three cluster nodes behind a load balancer on the SDKs' ports
 * ({@link LoadBalancedCluster}): the service's twin, method and query calls and each device connection land on
 * different nodes, and the restart test restarts every node.
 */
@ExtendWith(ClusterEngines.class)
class TwinsAndMethodsOnClusterIT extends TwinsAndMethodsSuite {

    private final LoadBalancedCluster cluster;

    TwinsAndMethodsOnClusterIT(EmbeddedKafka kafka, EmbeddedPostgres postgres) {
        this.cluster = new LoadBalancedCluster(kafka, postgres);
    }

    @Override
    protected HubEndpoint startHub(Path dir) throws Exception {
        return cluster.start(dir, HOST, "");
    }

    @Override
    protected String hubLog() throws IOException {
        return cluster.log();
    }

    @Override
    protected Path cliDataDir() {
        return cluster.dataDir();
    }

    @Override
    protected void restartHub() throws Exception {
        assertThat(cluster.restart()).allSatisfy(exit -> assertThat(exit).isIn(0, 143));
    }

    @Override
    protected void stopHub() throws Exception {
        cluster.stopCleanly();
    }
}
