package io.gatehouse.core.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.store.EventLog;
import io.gatehouse.core.store.EventRecord;
import io.gatehouse.core.store.ForwardingEventLog;
import io.gatehouse.core.store.Store;
import io.gatehouse.core.store.memory.InMemoryEventLog;
import io.gatehouse.core.store.memory.InMemoryStateStore;
import io.gatehouse.core.testing.ManualCore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The event stream over a log that numbers events itself, as a log shared by several nodes does: positions
 * are the log's, and readers see what other writers appended once the log announces it.
 */
class EventStreamOnANumberingLogTest {

    private final NumberingLog log = new NumberingLog(HubSettings.defaults().eventPartitions());
    private final ManualCore hub = new ManualCore(HubSettings.defaults(), new SharedLogStore(new InMemoryStateStore(), log));
    private final EventStream events = hub.core.events();
    private final EventSource device = new EventSource(DeviceId.of("d1"), "generation", "sas");
    private final int partition = events.partitionFor(device.deviceId());

    @AfterEach
    void tearDown() {
        hub.close();
    }

    @Test
    void positionsAndTimesAreTheLogs() {
        log.time = 5_000;
        EventPosition first = append("a");
        log.time = 7_000;
        EventPosition second = append("b");

        assertThat(first).isEqualTo(new EventPosition(partition, 0, 0, Instant.ofEpochMilli(5_000)));
        assertThat(second).isEqualTo(new EventPosition(partition, 1, 100, Instant.ofEpochMilli(7_000)));
    }

    @Test
    void readersSeeWhatOtherWritersAppendedOnceTheLogAnnouncesIt() {
        List<D2cEvent> fromEarliest = new ArrayList<>();
        List<D2cEvent> fromLatest = new ArrayList<>();
        append("local-1");
        events.openReader("$Default", partition, StartPosition.earliest(), fromEarliest::add).addCredit(10);
        events.openReader("g2", partition, StartPosition.latest(), fromLatest::add).addCredit(10);
        hub.run();

        log.appendElsewhere(partition, "remote-1");
        log.appendElsewhere(partition, "remote-2");
        hub.run();
        append("local-2");
        hub.run();

        assertThat(bodies(fromEarliest)).containsExactly("local-1", "remote-1", "remote-2", "local-2");
        assertThat(bodies(fromLatest)).containsExactly("remote-1", "remote-2", "local-2");
        assertThat(fromEarliest).extracting(D2cEvent::sequenceNumber).containsExactly(0L, 1L, 2L, 3L);
        assertThat(events.partitionInfo(partition).lastSequenceNumber()).isEqualTo(3);
    }

    @Test
    void aReaderOpenedAtLatestStartsAfterWhatTheLogAnnounced() {
        log.appendElsewhere(partition, "before");
        hub.run();
        List<D2cEvent> fromLatest = new ArrayList<>();
        events.openReader("$Default", partition, StartPosition.latest(), fromLatest::add).addCredit(10);
        log.appendElsewhere(partition, "after");
        hub.run();

        assertThat(bodies(fromLatest)).containsExactly("after");
    }

    private EventPosition append(String body) {
        return hub.await(events.append(device, MessageProperties.EMPTY, body.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<String> bodies(List<D2cEvent> read) {
        return read.stream().map(e -> new String(e.body(), StandardCharsets.UTF_8)).toList();
    }

    /** A log that numbers events (offsets 100 apart, its own clock) and takes appends from "another node". */
    private final class NumberingLog extends ForwardingEventLog {
        long time = 1_000;
        private AppendListener listener;

        NumberingLog(int partitions) {
            super(new InMemoryEventLog(partitions));
        }

        @Override
        public boolean assignsPositions() {
            return true;
        }

        @Override
        public CompletableFuture<Void> append(int partition, EventRecord record) {
            throw new UnsupportedOperationException();
        }

        @Override
        public synchronized CompletableFuture<EventRecord> appendAssigned(int partition, byte[] payload) {
            EventRecord last = delegate.last(partition);
            long sequence = last == null ? 0 : last.sequenceNumber() + 1;
            EventRecord record = new EventRecord(sequence, sequence * 100, time, payload);
            return delegate.append(partition, record).thenApply(ok -> record);
        }

        @Override
        public void onAppended(AppendListener appendListener) {
            this.listener = appendListener;
        }

        /** Another node's append: this node hears of it only through the listener. */
        void appendElsewhere(int partition, String body) {
            byte[] payload = D2cEventCodec.encode(device, MessageProperties.EMPTY, java.nio.ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)));
            EventRecord record = appendAssigned(partition, payload).join();
            listener.appended(partition, record.sequenceNumber());
        }
    }

    private record SharedLogStore(InMemoryStateStore state, NumberingLog events) implements Store {
        @Override
        public boolean isDurable() {
            return false;
        }

        @Override
        public void close() {
        }
    }
}
