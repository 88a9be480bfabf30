package io.gatehouse.server;

import io.gatehouse.cluster.ClusterStore;
import io.gatehouse.cluster.KafkaSettings;
import io.gatehouse.cluster.PostgresSettings;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.store.Store;
import io.gatehouse.journal.JournalOptions;
import io.gatehouse.journal.JournalStore;
import io.gatehouse.journal.SyncPolicy;
import io.gatehouse.core.store.memory.InMemoryStore;
import io.gatehouse.server.config.ClusterConfig;
import io.gatehouse.server.config.GatehouseConfig;

/** Opens the store the configuration names. */
final class Stores {

    static final String JOURNAL_DIRECTORY = "journal";

    private Stores() {
    }

    static Store open(GatehouseConfig config) {
        int partitions = config.hub().eventPartitions();
        if (config.storeType().equals("memory")) {
            return new InMemoryStore(partitions);
        }
        if (config.storeType().equals("cluster")) {
            return openCluster(config.cluster(), config.hub());
        }
        JournalOptions options = JournalOptions.defaults(partitions).withSync(SyncPolicy.parse(config.storeSync()));
        return JournalStore.open(config.dataDir().resolve(JOURNAL_DIRECTORY), options);
    }

    /** Kafka and PostgreSQL: fails with one line naming what could not be reached (a StoreException). */
    private static Store openCluster(ClusterConfig cluster, HubSettings hub) {
        KafkaSettings kafka = new KafkaSettings(cluster.kafkaBootstrapServers(), cluster.kafkaTopic(),
                hub.eventPartitions(), hub.eventRetention(), cluster.kafkaReplicationFactor(),
                cluster.kafkaMinInsyncReplicas(), cluster.nodeId());
        PostgresSettings postgres = new PostgresSettings(cluster.jdbcUrl(), cluster.jdbcUser(), cluster.jdbcPassword(),
                cluster.nodeId());
        return ClusterStore.open(postgres, kafka);
    }
}
