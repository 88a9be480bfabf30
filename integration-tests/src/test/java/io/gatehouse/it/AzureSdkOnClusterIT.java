package io.gatehouse.it;

import io.gatehouse.cluster.testing.ClusterEngines;
import io.gatehouse.cluster.testing.EmbeddedKafka;
import io.gatehouse.cluster.testing.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Azure SDK lifecycle suite, unchanged, against three cluster nodes behind a load balancer on the SDKs' ports
 * ({@link LoadBalancedCluster}). The registry calls, the service's C2D sender and feedback receiver, and each device
 * connection of a test land on different nodes, and a device that reconnects lands on another one: every assertion of
 * the suite holds across nodes. At the end, MQTT and AMQP connections must have reached every node.
 */
@ExtendWith(ClusterEngines.class)
class AzureSdkOnClusterIT extends AzureSdkLifecycleSuite {

    private final LoadBalancedCluster cluster;

    AzureSdkOnClusterIT(EmbeddedKafka kafka, EmbeddedPostgres postgres) {
        this.cluster = new LoadBalancedCluster(kafka, postgres);
    }

    @Override
    protected HubEndpoint startHub(Path dir, String suiteConfig) throws Exception {
        return cluster.start(dir, HOST, suiteConfig);
    }

    @Override
    protected String hubLog() throws IOException {
        return cluster.log();
    }

    @Override
    protected void stopHub() throws Exception {
        try {
            cluster.assertEveryNodeServedConnections();
        } finally {
            cluster.stopCleanly();
        }
    }
}
