package io.gatehouse.journal;

import static io.gatehouse.journal.JournalTesting.await;
import static io.gatehouse.journal.JournalTesting.bytes;
import static io.gatehouse.journal.JournalTesting.event;
import static io.gatehouse.journal.JournalTesting.events;
import static io.gatehouse.journal.JournalTesting.files;
import static io.gatehouse.journal.JournalTesting.key;
import static io.gatehouse.journal.JournalTesting.live;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.core.store.EventRecord;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StoreException;
import io.gatehouse.core.store.WriteBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recovery: replay, torn tails cut at every byte, corruption refused with file and offset. */
class JournalRecoveryTest {

    private static final int BATCHES = 30;

    @TempDir
    Path dir;

    @Test
    void reopeningRestoresStateAndEventsAndContinuesAfterThem() throws Exception {
        Map<StateKey, String> expected;
        List<EventRecord> appended;
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(2))) {
            expected = writeBatches(store, BATCHES);
            appended = appendEvents(store, 0, 0, 200);
        }
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(2))) {
            assertThat(live(store)).isEqualTo(expected);
            assertThat(events(store, 0)).usingRecursiveFieldByFieldElementComparator().isEqualTo(appended);
            assertThat(store.events().last(0)).usingRecursiveComparison().isEqualTo(appended.get(199));
            assertThat(store.events().first(0)).usingRecursiveComparison().isEqualTo(appended.get(0));
            assertThat(store.events().last(1)).isNull();

            await(store.state().write(WriteBatch.put(key("later", 1), bytes("x"))));
            appended.addAll(appendEvents(store, 0, 200, 10));
            expected.put(key("later", 1), "x");
        }
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(2))) {
            assertThat(live(store)).isEqualTo(expected);
            assertThat(events(store, 0)).usingRecursiveFieldByFieldElementComparator().isEqualTo(appended);
        }
    }

    @Test
    void recoveredKeysOfOneOwnerShareOneOwnerString() throws Exception {
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(1))) {
            for (int id = 0; id < 20; id++) {
                // each key with an owner string of its own, as keys decoded from disk have them
                await(store.state().write(WriteBatch.put(key(new String("device-" + (id % 2)), id), bytes("v" + id))));
            }
        }
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(1))) {
            Map<String, List<String>> ownersByName = new TreeMap<>();
            ((JournalStateStore) store.state()).snapshot()
                    .forEach(put -> ownersByName.computeIfAbsent(put.key().owner(), o -> new ArrayList<>()).add(put.key().owner()));
            assertThat(ownersByName).containsOnlyKeys("device-0", "device-1");
            ownersByName.values().forEach(owners -> {
                assertThat(owners).hasSize(10);
                assertThat(owners).allSatisfy(owner -> assertThat(owner).isSameAs(owners.get(0)));
            });
        }
    }

    @Test
    void theEventPartitionCountCannotChange() {
        JournalStore.open(dir, JournalTesting.small(3)).close();
        assertThatThrownBy(() -> JournalStore.open(dir, JournalTesting.small(4)))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("holds 3 event partitions but 4 are configured");
    }

    @Test
    void aDirectoryIsUsedByOneStoreAtATime() {
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(1))) {
            assertThatThrownBy(() -> JournalStore.open(dir, JournalTesting.small(1)))
                    .isInstanceOf(StoreException.class).hasMessageContaining("in use");
            assertThat(store.isDurable()).isTrue(); // the first one is unaffected
        }
    }

    // ------------------------------------------------------------ torn tails

    @Test
    void aStateTailTruncatedAtAnyByteOfItsLastRecordsIsCutOff() throws Exception {
        Path original = dir.resolve("original");
        try (JournalStore store = JournalStore.open(original, JournalTesting.small(1))) {
            writeBatches(store, BATCHES);
        }
        Path segment = files(original, "state-").get(0);
        List<Long> starts = recordStarts(segment);
        assertThat(starts).hasSize(BATCHES);
        long from = starts.get(BATCHES - 2);
        long end = endOfRecords(segment, starts);
        for (long cut = from; cut <= end; cut++) {
            Path copy = dir.resolve("truncated-" + cut);
            JournalTesting.copyDirectory(original, copy);
            try (FileChannel ch = FileChannel.open(copy.resolve(segment.getFileName()), StandardOpenOption.WRITE)) {
                ch.truncate(cut);
            }
            checkRecoversPrefix(copy, completeRecords(starts, end, cut));
        }
    }

    @Test
    void aStateTailOverwrittenWithGarbageOrZerosIsCutOff() throws Exception {
        Path original = dir.resolve("original");
        try (JournalStore store = JournalStore.open(original, JournalTesting.small(1))) {
            writeBatches(store, BATCHES);
        }
        Path segment = files(original, "state-").get(0);
        List<Long> starts = recordStarts(segment);
        long lastStart = starts.get(BATCHES - 1);
        long end = endOfRecords(segment, starts);
        Random random = new Random(7);
        for (long cut = lastStart; cut < end; cut++) {
            for (boolean zeros : new boolean[] {true, false}) {
                Path copy = dir.resolve("torn-" + cut + "-" + zeros);
                JournalTesting.copyDirectory(original, copy);
                byte[] junk = new byte[(int) (end - cut)];
                if (!zeros) {
                    random.nextBytes(junk);
                }
                try (FileChannel ch = FileChannel.open(copy.resolve(segment.getFileName()), StandardOpenOption.WRITE)) {
                    ch.write(ByteBuffer.wrap(junk), cut);
                }
                checkRecoversPrefix(copy, BATCHES - 1);
            }
        }
    }

    @Test
    void anEventTailTruncatedAtAnyByteIsCutOff() throws Exception {
        Path original = dir.resolve("original");
        List<EventRecord> appended;
        try (JournalStore store = JournalStore.open(original, JournalTesting.small(1))) {
            appended = appendEvents(store, 0, 0, 20);
        }
        Path segment = files(original, "events-").get(0);
        List<Long> starts = recordStarts(segment);
        assertThat(starts).hasSize(20);
        long end = endOfRecords(segment, starts);
        for (long cut = starts.get(18); cut <= end; cut++) {
            Path copy = dir.resolve("truncated-" + cut);
            JournalTesting.copyDirectory(original, copy);
            try (FileChannel ch = FileChannel.open(copy.resolve(segment.getFileName()), StandardOpenOption.WRITE)) {
                ch.truncate(cut);
            }
            int complete = completeRecords(starts, end, cut);
            try (JournalStore store = JournalStore.open(copy, JournalTesting.small(1))) {
                assertThat(events(store, 0)).as("cut at %d", cut).usingRecursiveFieldByFieldElementComparator()
                        .isEqualTo(appended.subList(0, complete));
                EventRecord next = event(complete, appended.get(complete - 1).offset() + 10, 5000, "after");
                await(store.events().append(0, next));
            }
            try (JournalStore store = JournalStore.open(copy, JournalTesting.small(1))) {
                List<EventRecord> recovered = events(store, 0);
                assertThat(recovered).hasSize(complete + 1);
                assertThat(JournalTesting.text(recovered.get(complete).payload())).isEqualTo("after");
            }
        }
    }

    // ------------------------------------------------------------ corruption

    @Test
    void aDamagedRecordFollowedByIntactOnesIsReportedWithFileAndOffset() throws Exception {
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(1))) {
            writeBatches(store, BATCHES);
        }
        Path segment = files(dir, "state-").get(0);
        long damaged = recordStarts(segment).get(10);
        flipByte(segment, damaged + RecordFormat.HEADER_SIZE + 3);

        assertThatThrownBy(() -> JournalStore.open(dir, JournalTesting.small(1)))
                .isInstanceOfSatisfying(JournalCorruptionException.class, e -> {
                    assertThat(e.file()).isEqualTo(segment);
                    assertThat(e.offset()).isEqualTo(damaged);
                    assertThat(e.getMessage()).contains(segment.getFileName().toString()).contains("offset " + damaged)
                            .contains("followed by an intact record");
                });
    }

    @Test
    void damageInASealedSegmentIsReported() throws Exception {
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(1))) {
            writeBatches(store, 2000); // many segments
        }
        List<Path> segments = files(dir, "state-");
        assertThat(segments.size()).isGreaterThan(1);
        Path sealed = segments.get(0);
        List<Long> starts = recordStarts(sealed);
        long last = starts.get(starts.size() - 1);
        flipByte(sealed, last + 5); // even the last record of a sealed segment: it was forced before the next began

        assertThatThrownBy(() -> JournalStore.open(dir, JournalTesting.small(1)))
                .isInstanceOfSatisfying(JournalCorruptionException.class, e -> {
                    assertThat(e.file()).isEqualTo(sealed);
                    assertThat(e.offset()).isEqualTo(last);
                });
    }

    @Test
    void aSealedSegmentCutShortIsReported() throws Exception {
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(1))) {
            writeBatches(store, 2000);
        }
        Path sealed = files(dir, "state-").get(0);
        List<Long> starts = recordStarts(sealed);
        long cut = starts.get(starts.size() - 1);
        try (FileChannel ch = FileChannel.open(sealed, StandardOpenOption.WRITE)) {
            ch.truncate(cut);
        }
        assertThatThrownBy(() -> JournalStore.open(dir, JournalTesting.small(1)))
                .isInstanceOfSatisfying(JournalCorruptionException.class, e -> {
                    assertThat(e.file()).isEqualTo(sealed);
                    assertThat(e.offset()).isEqualTo(cut);
                    assertThat(e.getMessage()).contains("without its seal");
                });
    }

    @Test
    void aDamagedSegmentHeaderIsReported() throws Exception {
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(1))) {
            writeBatches(store, 3);
        }
        Path segment = files(dir, "state-").get(0);
        flipByte(segment, 20);
        assertThatThrownBy(() -> JournalStore.open(dir, JournalTesting.small(1)))
                .isInstanceOfSatisfying(JournalCorruptionException.class, e -> {
                    assertThat(e.file()).isEqualTo(segment);
                    assertThat(e.offset()).isZero();
                });
    }

    // ------------------------------------------------------------ helpers

    /**
     * Batch i puts message i (and every fifth also deletes message i - 3 and its count). Returns the live
     * state after all of them.
     */
    static Map<StateKey, String> writeBatches(JournalStore store, int count) throws Exception {
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            futures.add(store.state().write(batch(i)));
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get();
        return expectedAfter(count);
    }

    static WriteBatch batch(int i) {
        WriteBatch batch = WriteBatch.put(key("dev", i), bytes("v" + i));
        if (i % 5 == 4) {
            batch.andDelete(key("dev", i - 3)).andDelete(key("count", i - 3));
        } else {
            batch.andPut(key("count", i), bytes("c" + i));
        }
        return batch;
    }

    static Map<StateKey, String> expectedAfter(int count) {
        Map<StateKey, String> state = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            for (WriteBatch.Op op : batch(i).ops()) {
                if (op.isDelete()) {
                    state.remove(op.key());
                } else {
                    state.put(op.key(), JournalTesting.text(op.value()));
                }
            }
        }
        return state;
    }

    private static void checkRecoversPrefix(Path copy, int complete) throws Exception {
        try (JournalStore store = JournalStore.open(copy, JournalTesting.small(1))) {
            assertThat(live(store)).as("%s: first %d batches", copy.getFileName(), complete).isEqualTo(expectedAfter(complete));
            assertThat(store.stats().tornTailsCut()).isLessThanOrEqualTo(1);
            await(store.state().write(WriteBatch.put(key("after", 0), bytes("a"))));
        }
        try (JournalStore store = JournalStore.open(copy, JournalTesting.small(1))) {
            assertThat(store.stats().tornTailsCut()).as("cut once, for good").isZero();
            Map<StateKey, String> expected = expectedAfter(complete);
            expected.put(key("after", 0), "a");
            assertThat(live(store)).as("%s reopened", copy.getFileName()).isEqualTo(expected);
        }
    }

    static List<EventRecord> appendEvents(JournalStore store, int partition, long first, int count) throws Exception {
        List<EventRecord> out = new ArrayList<>();
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        EventRecord last = store.events().last(partition);
        long offset = last == null ? 0 : last.offset() + last.payload().length;
        for (long s = first; s < first + count; s++) {
            EventRecord r = event(s, offset, 1000 + s, "event-" + s + "-" + "x".repeat((int) (s % 50)));
            offset += r.payload().length;
            out.add(r);
            futures.add(store.events().append(partition, r));
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get();
        return out;
    }

    /** Start positions of the records (not the seal) of a segment file. */
    static List<Long> recordStarts(Path file) throws IOException {
        List<Long> starts = new ArrayList<>();
        try (JournalChannel channel = NioFileLayer.INSTANCE.open(file, false)) {
            long id = SegmentNames.parse(file).id();
            RecordReader reader = new RecordReader(1 << 16);
            long position = SegmentHeader.SIZE;
            while (reader.check(channel, position, channel.size(), id, Integer.MAX_VALUE) == RecordReader.Status.VALID) {
                if (reader.buffer().get(reader.offsetOf(position) + RecordFormat.TYPE) == RecordFormat.SEAL) {
                    break;
                }
                starts.add(position);
                position += reader.checkedLength;
            }
        }
        return starts;
    }

    /** How many records end at or before {@code cut}. */
    private static int completeRecords(List<Long> starts, long end, long cut) {
        int complete = 0;
        for (int i = 0; i < starts.size(); i++) {
            long recordEnd = i + 1 < starts.size() ? starts.get(i + 1) : end;
            if (recordEnd <= cut) {
                complete++;
            }
        }
        return complete;
    }

    private static long endOfRecords(Path file, List<Long> starts) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer length = ByteBuffer.allocate(4);
            ch.read(length, starts.get(starts.size() - 1));
            return starts.get(starts.size() - 1) + length.getInt(0);
        }
    }

    private static void flipByte(Path file, long position) throws IOException {
        byte[] all = Files.readAllBytes(file);
        all[(int) position] ^= 0x40;
        Files.write(file, all);
    }
}
