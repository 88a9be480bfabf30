package io.gatehouse.journal;

import io.gatehouse.core.store.EventRecord;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.Store;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Small helpers shared by the journal tests. */
final class JournalTesting {

    private JournalTesting() {
    }

    /** Small segments, so tests roll, reclaim and compact quickly. */
    static JournalOptions small(int partitions) {
        return JournalOptions.defaults(partitions).withSegmentSize(32 * 1024).withSpareSegments(1)
                .withIndexIntervalBytes(1024);
    }

    static StateKey key(String owner, long id) {
        return StateKey.of(RecordKind.C2D_MESSAGE, owner, id);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    /** Every live entry, sorted, values as text. */
    static Map<StateKey, String> live(Store store) {
        Map<StateKey, String> out = new TreeMap<>();
        store.state().forEachLive((k, v) -> out.put(k, text(v)));
        return out;
    }

    /** Every retained event of a partition. */
    static List<EventRecord> events(Store store, int partition) {
        List<EventRecord> out = new ArrayList<>();
        long next = 0;
        while (true) {
            List<EventRecord> batch = store.events().read(partition, next, 1000);
            if (batch.isEmpty()) {
                return out;
            }
            out.addAll(batch);
            next = batch.get(batch.size() - 1).sequenceNumber() + 1;
        }
    }

    static EventRecord event(long sequence, long offset, long time, String payload) {
        return new EventRecord(sequence, offset, time, bytes(payload));
    }

    static List<Path> files(Path dir, String prefix) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Total bytes of every file in the directory. */
    static long diskUsage(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0; // deleted meanwhile
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void copyDirectory(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : s.sorted(Comparator.naturalOrder()).toList()) {
                if (!p.getFileName().toString().equals(SegmentNames.LOCK)) {
                    Files.copy(p, to.resolve(p.getFileName()));
                }
            }
        }
    }
}
