package io.gatehouse.cluster;

import io.gatehouse.core.store.Store;

/**
 * The store of a gateway node in a cluster: D2C events in Kafka ({@link KafkaEventLog}), everything else in
 * PostgreSQL ({@link PostgresStateStore}). Every node of the cluster opens one over the same Kafka topic and
 * database.
 */
public final class ClusterStore implements Store {

    private final PostgresStateStore state;
    private final KafkaEventLog events;

    private ClusterStore(PostgresStateStore state, KafkaEventLog events) {
        this.state = state;
        this.events = events;
    }

    /**
     * Connects to both.
     *
     * @throws io.gatehouse.core.store.StoreException when either cannot be reached (nothing stays open then)
     */
    public static ClusterStore open(PostgresSettings postgres, KafkaSettings kafka) {
        PostgresStateStore state = PostgresStateStore.open(postgres);
        try {
            return new ClusterStore(state, KafkaEventLog.open(kafka));
        } catch (RuntimeException e) {
            state.close();
            throw e;
        }
    }

    @Override
    public PostgresStateStore state() {
        return state;
    }

    @Override
    public KafkaEventLog events() {
        return events;
    }

    /** True: PostgreSQL commits and Kafka's {@code acks=all} are what acknowledgements wait for. */
    @Override
    public boolean isDurable() {
        return true;
    }

    /** Flushes the events in flight and the queued state changes, then disconnects from both. */
    @Override
    public void close() {
        try {
            events.close();
        } finally {
            state.close();
        }
    }
}
