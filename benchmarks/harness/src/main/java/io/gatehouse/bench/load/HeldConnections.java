package io.gatehouse.bench.load;

/** Device connections a load generator opened and holds until closed. */
public interface HeldConnections extends AutoCloseable {

    int size();

    /** How long opening them all took. */
    long connectNanos();

    @Override
    void close();
}
