package io.gatehouse.server;

import io.gatehouse.core.store.Store;
import io.gatehouse.journal.JournalOptions;
import io.gatehouse.journal.JournalStore;
import io.gatehouse.journal.SyncPolicy;
import io.gatehouse.core.store.memory.InMemoryStore;
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
        JournalOptions options = JournalOptions.defaults(partitions).withSync(SyncPolicy.parse(config.storeSync()));
        return JournalStore.open(config.dataDir().resolve(JOURNAL_DIRECTORY), options);
    }
}
