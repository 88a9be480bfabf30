package io.gatehouse.server;

import io.gatehouse.core.store.Store;
import io.gatehouse.core.store.memory.InMemoryStore;
import io.gatehouse.server.config.GatehouseConfig;
import java.io.IOException;

/** Opens the store the configuration names. */
final class Stores {

    private Stores() {
    }

    static Store open(GatehouseConfig config) throws IOException {
        int partitions = config.hub().eventPartitions();
        if (config.storeType().equals("memory")) {
            return new InMemoryStore(partitions);
        }
        throw new IOException("the journal store is not available in this build; use store.type=memory");
    }
}
