package io.gatehouse.amqp.bench;

import io.gatehouse.core.store.Store;
import io.gatehouse.core.store.memory.InMemoryStore;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which store the benchmark runs on: {@code memory} (default, not durable) or {@code journal[:dir]}, the durable
 * journal ({@code io.gatehouse.core.store.journal.JournalStore}, built on another branch). The journal is looked
 * up reflectively so this benchmark compiles without it; it needs a {@code public static open(Path, int)} or a
 * {@code (Path, int)} constructor.
 */
interface StoreFactory {

    Store create(int partitions) throws Exception;

    static StoreFactory parse(String spec) {
        if (spec == null || spec.equals("memory")) {
            return InMemoryStore::new;
        }
        if (spec.startsWith("journal")) {
            String dir = spec.contains(":") ? spec.substring(spec.indexOf(':') + 1) : null;
            return partitions -> journal(dir == null ? Files.createTempDirectory("gatehouse-bench") : Path.of(dir), partitions);
        }
        throw new IllegalArgumentException("--store must be memory or journal[:dir], not " + spec);
    }

    private static Store journal(Path dir, int partitions) throws Exception {
        Class<?> type;
        try {
            type = Class.forName("io.gatehouse.core.store.journal.JournalStore");
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("the durable journal is not on this branch yet: run with --store memory");
        }
        try {
            Method open = type.getMethod("open", Path.class, int.class);
            return (Store) open.invoke(null, dir, partitions);
        } catch (NoSuchMethodException e) {
            return (Store) type.getConstructor(Path.class, int.class).newInstance(dir, partitions);
        }
    }
}
