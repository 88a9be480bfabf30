package io.gatehouse.journal;

import static io.gatehouse.journal.JournalTesting.await;
import static io.gatehouse.journal.JournalTesting.events;
import static io.gatehouse.journal.JournalTesting.files;
import static io.gatehouse.journal.JournalTesting.live;
import static io.gatehouse.journal.JournalTesting.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.store.EventRecord;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A journal written by format version 1 (one event file series per partition; the fixture was written by
 * that version: 150 events of about 220 bytes, alternating between 2 partitions, 16 KiB segments, one device)
 * opens, keeps every event and the state, and continues in shared files.
 */
class FormatUpgradeTest {

    private static final JournalOptions FIXTURE_OPTIONS = JournalOptions.defaults(2).withSegmentSize(16 * 1024)
            .withSpareSegments(1).withIndexIntervalBytes(1024);

    @TempDir
    Path dir;

    @BeforeEach
    void unpackFixture() throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/legacy-v1-journal.zip");
             ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                Files.copy(zip, dir.resolve(entry.getName()));
            }
        }
        assertThat(metaVersion()).isEqualTo(1);
        assertThat(files(dir, "event-")).isNotEmpty();
    }

    @Test
    void everyEventAndTheStateOfAVersionOneJournalAreKept() throws Exception {
        try (JournalStore store = JournalStore.open(dir, FIXTURE_OPTIONS)) {
            assertLegacyContent(store);
        }
        assertThat(metaVersion()).isEqualTo(2);
    }

    @Test
    void newEventsContinueInSharedFilesAfterTheOldOnes() throws Exception {
        try (JournalStore store = JournalStore.open(dir, FIXTURE_OPTIONS)) {
            for (int p = 0; p < 2; p++) {
                EventRecord last = store.events().last(p);
                await(store.events().append(p, new EventRecord(last.sequenceNumber() + 1, last.offset() + 1000,
                        last.enqueuedTimeMillis() + 1, JournalTesting.bytes("after-upgrade-" + p))));
            }
        }
        assertThat(files(dir, "events-")).isNotEmpty();
        try (JournalStore store = JournalStore.open(dir, FIXTURE_OPTIONS)) {
            for (int p = 0; p < 2; p++) {
                List<EventRecord> all = events(store, p);
                assertThat(all).hasSize(76);
                assertThat(all.get(75).sequenceNumber()).isEqualTo(75);
                assertThat(text(all.get(75).payload())).isEqualTo("after-upgrade-" + p);
                assertThat(text(all.get(74).payload())).startsWith("legacy-event-" + (148 + p) + "-");
            }
        }
    }

    @Test
    void retentionRemovesTheOldFiles() throws Exception {
        try (JournalStore store = JournalStore.open(dir, FIXTURE_OPTIONS)) {
            for (int p = 0; p < 2; p++) {
                EventRecord last = store.events().last(p);
                await(store.events().append(p, new EventRecord(last.sequenceNumber() + 1, last.offset() + 1000,
                        last.enqueuedTimeMillis() + 1000, JournalTesting.bytes("new"))));
                store.events().removeBefore(p, last.enqueuedTimeMillis() + 1);
            }
            assertThat(files(dir, "event-")).isEmpty();
            for (int p = 0; p < 2; p++) {
                assertThat(events(store, p)).extracting(e -> text(e.payload())).containsExactly("new");
            }
        }
    }

    private static void assertLegacyContent(JournalStore store) {
        assertThat(live(store)).containsEntry(StateKey.of(RecordKind.DEVICE, "legacy-device"), "v1");
        for (int p = 0; p < 2; p++) {
            List<EventRecord> all = events(store, p);
            assertThat(all).hasSize(75);
            long offset = 0;
            for (int k = 0; k < 75; k++) {
                EventRecord e = all.get(k);
                int i = 2 * k + p;
                assertThat(e.sequenceNumber()).isEqualTo(k);
                assertThat(e.offset()).isEqualTo(offset);
                assertThat(e.enqueuedTimeMillis()).isEqualTo(1_700_000_000_000L + i);
                assertThat(text(e.payload())).isEqualTo("legacy-event-" + i + "-" + "x".repeat(200));
                offset += e.payload().length;
            }
            assertThat(store.events().sequenceAtTime(p, 1_700_000_000_000L + 100)).isEqualTo(50);
        }
    }

    private int metaVersion() throws IOException {
        return ByteBuffer.wrap(Files.readAllBytes(dir.resolve(SegmentNames.META))).getInt(4);
    }
}
