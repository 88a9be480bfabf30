package io.gatehouse.cluster;

import io.gatehouse.cluster.testing.ClusterEngines;
import io.gatehouse.cluster.testing.EmbeddedKafka;
import io.gatehouse.cluster.testing.EmbeddedPostgres;
import io.gatehouse.core.store.Store;
import io.gatehouse.core.store.StoreContractTest;
import org.junit.jupiter.api.extension.ExtendWith;

/** The SPI contract against Kafka and PostgreSQL: each test gets a topic and a schema of its own. */
@ExtendWith(ClusterEngines.class)
class ClusterStoreContractTest extends StoreContractTest {

    private final EmbeddedKafka kafka;
    private final EmbeddedPostgres postgres;

    ClusterStoreContractTest(EmbeddedKafka kafka, EmbeddedPostgres postgres) {
        this.kafka = kafka;
        this.postgres = postgres;
    }

    @Override
    protected Store newStore() throws Exception {
        return ClusterTesting.openStore(kafka, postgres, PARTITIONS);
    }
}
