package io.gatehouse.amqp.bench;

import io.gatehouse.core.store.Store;
import io.gatehouse.journal.JournalStore;
import io.gatehouse.core.store.memory.InMemoryStore;
import java.nio.file.Files;
import java.nio.file.Path;

/** Which store the benchmark runs on: {@code memory} (default, not durable) or {@code journal[:dir]} (durable). */
interface StoreFactory {

    Store create(int partitions) throws Exception;

    static StoreFactory parse(String spec) {
        if (spec == null || spec.equals("memory")) {
            return InMemoryStore::new;
        }
        if (spec.startsWith("journal")) {
            String dir = spec.contains(":") ? spec.substring(spec.indexOf(':') + 1) : null;
            return partitions -> JournalStore.open(dir == null ? Files.createTempDirectory("gatehouse-bench") : Path.of(dir),
                    partitions);
        }
        throw new IllegalArgumentException("--store must be memory or journal[:dir], not " + spec);
    }
}
