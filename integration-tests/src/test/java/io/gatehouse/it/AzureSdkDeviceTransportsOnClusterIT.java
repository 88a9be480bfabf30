package io.gatehouse.it;

import io.gatehouse.cluster.testing.ClusterEngines;
import io.gatehouse.cluster.testing.EmbeddedKafka;
import io.gatehouse.cluster.testing.EmbeddedPostgres;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The device transports suite, unchanged, against three cluster nodes behind a load balancer on the SDKs' ports
 * ({@link LoadBalancedCluster}): HTTPS devices, WebSockets on 443 and modules, each request or connection on whichever
 * node the balancer picks.
 */
@ExtendWith(ClusterEngines.class)
class AzureSdkDeviceTransportsOnClusterIT extends AzureSdkDeviceTransportsSuite {

    private final LoadBalancedCluster cluster;

    AzureSdkDeviceTransportsOnClusterIT(EmbeddedKafka kafka, EmbeddedPostgres postgres) {
        this.cluster = new LoadBalancedCluster(kafka, postgres);
    }

    @Override
    protected HubEndpoint startHub(Path dir, String suiteConfig) throws Exception {
        return cluster.start(dir, HOST, suiteConfig);
    }

    @Override
    protected void stopHub() throws Exception {
        cluster.stopCleanly();
    }
}
