package io.gatehouse.core.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.store.memory.InMemoryStore;
import io.gatehouse.core.testing.ManualCore;
import io.gatehouse.core.testing.ManualStore;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The D2C event stream (docs/messaging.md#device-to-cloud-telemetry): partitions, numbering, readers and their start positions, retention. */
class EventStreamTest {

    private static final HubSettings SETTINGS = HubSettings.defaults()
            .with(HubSettings.EVENT_RETENTION.property(), "PT1M")
            .with(HubSettings.D2C_MAX_MESSAGE_BYTES.property(), "1000");

    private final ManualStore store = new ManualStore(SETTINGS.eventPartitions());
    private ManualCore hub = new ManualCore(SETTINGS, store);
    private EventStream events = hub.core.events();
    private final Device d1 = hub.createDevice("d1");
    private final EventSource source = new EventSource(d1.id(), d1.generationId(), "{\"scope\":\"device\"}");

    @AfterEach
    void tearDown() {
        hub.close();
    }

    /** Collects what a reader is pushed. */
    private static final class Collector implements EventSink {
        final List<D2cEvent> events = new ArrayList<>();
        final List<String> takenOver = new ArrayList<>();

        @Override
        public void onEvent(D2cEvent event) {
            events.add(event);
        }

        @Override
        public void onTakenOver(String reason) {
            takenOver.add(reason);
        }

        List<String> bodies() {
            return events.stream().map(e -> new String(e.body(), StandardCharsets.UTF_8)).toList();
        }
    }

    private EventPosition append(String body) {
        return hub.await(appendAsync(body));
    }

    private CompletableFuture<EventPosition> appendAsync(String body) {
        return events.append(source, MessageProperties.builder().messageId("id-" + body).put("k", body).build(),
                body.getBytes(StandardCharsets.UTF_8));
    }

    private int p() {
        return events.partitionFor(d1.id());
    }

    private Collector read(StartPosition start, int credit) {
        Collector c = new Collector();
        EventReader reader = events.openReader(EventStream.DEFAULT_CONSUMER_GROUP, p(), start, c);
        reader.addCredit(credit);
        hub.run();
        return c;
    }

    private EventReader openOwned(String group, Long level, Collector sink) {
        EventReader reader = events.openReader(group, p(), StartPosition.earliest(), level, sink);
        reader.addCredit(100);
        return reader;
    }

    @Test
    void aHigherOrEqualOwnerLevelTakesThePartitionFromLowerLevelsAndFromReadersWithoutOne() {
        Collector plain = new Collector();
        Collector level1 = new Collector();
        openOwned("$Default", null, plain);
        openOwned("$Default", 1L, level1);
        assertThat(plain.takenOver).singleElement().asString().contains("owner level 1");

        Collector level2 = new Collector();
        EventReader second = openOwned("$Default", 2L, level2);
        assertThat(level1.takenOver).singleElement().asString().contains("owner level 2");
        Collector sameLevel = new Collector();
        openOwned("$Default", 2L, sameLevel);
        assertThat(level2.takenOver).hasSize(1);

        append("after");
        hub.run();
        assertThat(sameLevel.bodies()).containsExactly("after");
        assertThat(level2.events).isEmpty();
        assertThat(level1.events).isEmpty();
        assertThat(plain.events).isEmpty();
        second.close();
    }

    @Test
    void aLowerOwnerLevelOrNoneIsRefusedWhileAHigherOneIsOpenAndOtherGroupsAreIndependent() {
        Collector owner = new Collector();
        EventReader reader = openOwned("$Default", 5L, owner);
        assertThatThrownBy(() -> openOwned("$Default", 4L, new Collector()))
                .isInstanceOf(OwnerLevelConflictException.class).hasMessageContaining("higher owner level 5");
        assertThatThrownBy(() -> openOwned("$Default", null, new Collector()))
                .isInstanceOf(OwnerLevelConflictException.class).hasMessageContaining("without an owner level");
        Collector otherGroup = new Collector();
        openOwned("other", 1L, otherGroup);
        assertThat(owner.takenOver).isEmpty();

        reader.close();
        Collector afterClose = new Collector();
        openOwned("$Default", 1L, afterClose);
        assertThat(afterClose.takenOver).isEmpty();
        append("x");
        hub.run();
        assertThat(afterClose.bodies()).containsExactly("x");
        assertThat(otherGroup.bodies()).containsExactly("x");
        assertThat(owner.events).isEmpty();
    }

    @Test
    void aBodyIsTakenFromTheRemainingBytesOfABufferWhichIsLeftUntouched() {
        ByteBuffer network = ByteBuffer.allocateDirect(32).put("headerBODY-1trailer".getBytes(StandardCharsets.UTF_8));
        network.position(6).limit(12);

        hub.await(events.append(source, MessageProperties.EMPTY, network));

        assertThat(network.position()).isEqualTo(6);
        assertThat(network.limit()).isEqualTo(12);
        assertThat(read(StartPosition.earliest(), 10).bodies()).containsExactly("BODY-1");
    }

    @Test
    void partitionIsAStableHashOfTheDeviceId() {
        assertThat(events.partitionCount()).isEqualTo(4);
        for (String id : List.of("d1", "device-42", "Zz:9", "a".repeat(128))) {
            int partition = events.partitionFor(DeviceId.of(id));
            // String.hashCode is specified: the same partition in every process and after every restart
            assertThat(partition).isEqualTo(Math.floorMod(id.hashCode(), 4)).isBetween(0, 3);
        }
        EventPosition pos = append("x");
        assertThat(pos.partition()).isEqualTo(p());
    }

    @Test
    void sequenceNumbersOffsetsAndTimesPerPartition() {
        EventPosition a = append("a");
        hub.advance(Duration.ofMillis(5));
        EventPosition b = append("bb");
        EventPosition c = append("ccc");
        assertThat(List.of(a, b, c)).extracting(EventPosition::sequenceNumber).containsExactly(0L, 1L, 2L);
        assertThat(a.offset()).isZero();
        assertThat(b.offset()).isGreaterThan(a.offset());
        assertThat(c.offset()).isGreaterThan(b.offset());
        assertThat(a.enqueuedTime()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(b.enqueuedTime()).isEqualTo(a.enqueuedTime().plusMillis(5));
        assertThat(c.enqueuedTime()).isEqualTo(b.enqueuedTime());

        // another partition numbers its own events from 0
        Device other = deviceInAnotherPartition();
        EventPosition elsewhere = hub.await(events.append(new EventSource(other.id(), other.generationId(), "m"),
                MessageProperties.EMPTY, new byte[] {1}));
        assertThat(elsewhere.partition()).isNotEqualTo(p());
        assertThat(elsewhere.sequenceNumber()).isZero();
        assertThat(elsewhere.offset()).isZero();

        PartitionInfo info = events.partitionInfo(p());
        assertThat(info).isEqualTo(new PartitionInfo(p(), 0, 2, c.offset(), c.enqueuedTime(), false));
        int empty = emptyPartition(p(), elsewhere.partition());
        assertThat(events.partitionInfo(empty)).isEqualTo(new PartitionInfo(empty, -1, -1, -1, null, true));
    }

    /** A wall clock may be set back (NTP): enqueued times within a partition still never decrease. */
    @Test
    void enqueuedTimesNeverDecreaseEvenWhenTheClockStepsBack() {
        SettableClock wall = new SettableClock(1_000_000);
        try (io.gatehouse.core.GatewayCore core = io.gatehouse.core.GatewayCore.builder().settings(SETTINGS)
                .store(new InMemoryStore(SETTINGS.eventPartitions())).clock(wall).manualShards().start()) {
            EventStream stream = core.events();
            EventPosition first = stream.append(source, MessageProperties.EMPTY, new byte[1]).join();
            wall.set(999_000);
            EventPosition second = stream.append(source, MessageProperties.EMPTY, new byte[1]).join();
            wall.set(1_000_500);
            EventPosition third = stream.append(source, MessageProperties.EMPTY, new byte[1]).join();
            assertThat(first.enqueuedTime()).isEqualTo(Instant.ofEpochMilli(1_000_000));
            assertThat(second.enqueuedTime()).isEqualTo(first.enqueuedTime());
            assertThat(third.enqueuedTime()).isEqualTo(Instant.ofEpochMilli(1_000_500));
        }
    }

    private static final class SettableClock implements io.gatehouse.core.time.Clock {
        private volatile long millis;

        SettableClock(long millis) {
            this.millis = millis;
        }

        void set(long value) {
            millis = value;
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public void onAdvance(Runnable listener) {
        }

        @Override
        public boolean isRealTime() {
            return false;
        }
    }

    @Test
    void eventsCarryTheSenderAndWhatItSent() {
        append("hello");
        D2cEvent e = read(StartPosition.earliest(), 1).events.get(0);
        assertThat(e.partition()).isEqualTo(p());
        assertThat(e.source()).isEqualTo(source);
        assertThat(e.properties().messageId()).isEqualTo("id-hello");
        assertThat(e.properties().application()).containsExactly(java.util.Map.entry("k", "hello"));
        assertThat(e.body()).isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
        assertThat(e.enqueuedTime()).isEqualTo(hub.clock.now());
    }

    @Test
    void readersStartAtEveryKindOfPosition() {
        List<EventPosition> pos = new ArrayList<>();
        for (String body : List.of("e0", "e1", "e2", "e3")) {
            pos.add(append(body));
            hub.advance(Duration.ofSeconds(1));
        }
        EventPosition e2 = pos.get(2);
        assertThat(read(StartPosition.earliest(), 10).bodies()).containsExactly("e0", "e1", "e2", "e3");
        assertThat(read(StartPosition.latest(), 10).bodies()).isEmpty();
        assertThat(read(new StartPosition.FromOffset(e2.offset(), true), 10).bodies()).containsExactly("e2", "e3");
        assertThat(read(new StartPosition.FromOffset(e2.offset(), false), 10).bodies()).containsExactly("e3");
        // an offset between two events starts at the next one
        assertThat(read(new StartPosition.FromOffset(pos.get(1).offset() + 1, true), 10).bodies()).containsExactly("e2", "e3");
        assertThat(read(new StartPosition.FromSequenceNumber(2, true), 10).bodies()).containsExactly("e2", "e3");
        assertThat(read(new StartPosition.FromSequenceNumber(2, false), 10).bodies()).containsExactly("e3");
        assertThat(read(new StartPosition.FromEnqueuedTime(e2.enqueuedTime(), true), 10).bodies()).containsExactly("e2", "e3");
        assertThat(read(new StartPosition.FromEnqueuedTime(e2.enqueuedTime(), false), 10).bodies()).containsExactly("e3");
        assertThat(read(new StartPosition.FromEnqueuedTime(Instant.EPOCH, true), 10).bodies()).hasSize(4);
        // past the end: wait there for what comes next
        Collector future = read(new StartPosition.FromSequenceNumber(5, true), 10);
        Collector afterEnd = read(new StartPosition.FromEnqueuedTime(hub.clock.now().plusSeconds(60), true), 10);
        append("e4");
        append("e5");
        hub.run();
        assertThat(future.bodies()).containsExactly("e5");
        assertThat(afterEnd.bodies()).containsExactly("e4", "e5");
    }

    @Test
    void latestMeansEventsAppendedAfterTheReaderOpened() {
        append("before");
        Collector c = new Collector();
        EventReader reader = events.openReader(EventStream.DEFAULT_CONSUMER_GROUP, p(), StartPosition.latest(), c);
        reader.addCredit(10);
        // appended right after the open call returned, before the reader's start was worked out on its shard
        append("after");
        hub.run();
        assertThat(c.bodies()).containsExactly("after");
    }

    @Test
    void readersArePushedOnlyWithCreditAndWithoutPolling() {
        Collector c = new Collector();
        EventReader reader = events.openReader(EventStream.DEFAULT_CONSUMER_GROUP, p(), StartPosition.earliest(), c);
        append("e0");
        append("e1");
        append("e2");
        assertThat(c.events).as("no credit yet").isEmpty();
        reader.addCredit(2);
        hub.run();
        assertThat(c.bodies()).containsExactly("e0", "e1");
        assertThat(reader.nextSequenceNumber()).isEqualTo(2);
        append("e3");
        assertThat(c.bodies()).hasSize(2);
        reader.addCredit(5);
        hub.run();
        assertThat(c.bodies()).containsExactly("e0", "e1", "e2", "e3");
        // a new event is pushed by the append itself: nobody asks
        appendAsync("e4");
        hub.run();
        assertThat(c.bodies()).endsWith("e4");
        assertThatThrownBy(() -> reader.addCredit(-1)).isInstanceOf(IllegalArgumentException.class);

        reader.close();
        append("e5");
        assertThat(c.bodies()).hasSize(5);
    }

    @Test
    void readerCreditSaturatesInsteadOfOverflowing() {
        Collector c = new Collector();
        EventReader reader = events.openReader(EventStream.DEFAULT_CONSUMER_GROUP, p(), StartPosition.earliest(), c);
        reader.addCredit(Integer.MAX_VALUE);
        reader.addCredit(Integer.MAX_VALUE);
        append("e0");
        append("e1");
        hub.run();
        assertThat(c.bodies()).containsExactly("e0", "e1");
    }

    @Test
    void eachConsumerGroupReadsEverything() {
        append("e0");
        Collector a = new Collector();
        Collector b = new Collector();
        events.openReader("$Default", p(), StartPosition.earliest(), a).addCredit(5);
        events.openReader("analytics", p(), StartPosition.earliest(), b).addCredit(5);
        append("e1");
        hub.run();
        assertThat(a.bodies()).containsExactly("e0", "e1");
        assertThat(b.bodies()).containsExactly("e0", "e1");
    }

    @Test
    void eventsAreVisibleToReadersOnlyOnceDurable() {
        Collector c = new Collector();
        events.openReader("$Default", p(), StartPosition.earliest(), c).addCredit(10);
        hub.run();
        store.hold();
        CompletableFuture<EventPosition> first = appendAsync("e0");
        CompletableFuture<EventPosition> second = appendAsync("e1");
        hub.run();
        assertThat(first).isNotDone();
        assertThat(c.events).isEmpty();
        assertThat(events.partitionInfo(p()).lastSequenceNumber()).as("the log has it, readers do not").isEqualTo(1);

        store.completeAppends(1);
        hub.run();
        assertThat(first).isCompleted();
        assertThat(second).isNotDone();
        assertThat(c.bodies()).containsExactly("e0");
        store.completeAppends(1);
        hub.run();
        assertThat(c.bodies()).containsExactly("e0", "e1");
        store.release();
    }

    @Test
    void oversizeEventsAreRefusedAndNothingElseBreaks() {
        append("ok");
        CompletableFuture<EventPosition> big = events.append(source, MessageProperties.EMPTY, new byte[1001]);
        assertThat(big).isCompletedExceptionally();
        assertThatThrownBy(big::join).isInstanceOf(CompletionException.class)
                .satisfies(e -> assertThat(GatewayException.unwrap(e).code()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE))
                .hasMessageContaining("exceeds the limit of 1000");
        // properties count against the limit too
        MessageProperties heavy = MessageProperties.builder().put("k", "v".repeat(995)).build();
        assertThat(events.append(source, heavy, new byte[10])).isCompletedExceptionally();
        assertThat(events.refusedCount()).isEqualTo(2);
        // exactly at the limit is fine, and numbering goes on without a gap
        EventPosition atLimit = hub.await(events.append(source, MessageProperties.EMPTY, new byte[1000]));
        assertThat(atLimit.sequenceNumber()).isEqualTo(1);
        assertThat(events.appendedCount()).isEqualTo(2);
    }

    /** The outcomes an {@link AppendCallback} was told, in order (null: durable). */
    private static final class Outcomes implements AppendCallback {
        final List<Throwable> told = new ArrayList<>();

        @Override
        public synchronized void appended(Throwable failure) {
            told.add(failure);
        }
    }

    private Outcomes appendWithCallback(String body) {
        Outcomes outcomes = new Outcomes();
        events.append(source, MessageProperties.EMPTY, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), outcomes);
        return outcomes;
    }

    @Test
    void anAppendWithACallbackIsToldOnceWhenDurableAndNumberedLikeAnyOther() {
        Collector c = read(StartPosition.earliest(), 10);
        append("e0");
        store.holdAppends();
        Outcomes second = appendWithCallback("e1");
        hub.run();
        assertThat(second.told).as("not durable yet").isEmpty();
        assertThat(c.bodies()).containsExactly("e0");

        store.completeAppends(1);
        hub.run();
        assertThat(second.told).hasSize(1).containsOnlyNulls();
        assertThat(c.bodies()).containsExactly("e0", "e1");
        assertThat(c.events.get(1).sequenceNumber()).isEqualTo(1);
        assertThat(events.appendedCount()).isEqualTo(2);
        store.release();
        assertThat(append("e2").sequenceNumber()).as("numbering goes on").isEqualTo(2);
    }

    @Test
    void anAppendWithACallbackIsToldWhyItWasNotStored() {
        Outcomes big = new Outcomes();
        events.append(source, MessageProperties.EMPTY, ByteBuffer.allocate(1001), big);
        assertThat(big.told).as("refused within the call").hasSize(1);
        assertThat(GatewayException.unwrap(big.told.get(0)).code()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
        assertThat(events.refusedCount()).isEqualTo(1);

        store.failAppends();
        Outcomes lost = appendWithCallback("e0");
        hub.run();
        assertThat(lost.told).hasSize(1);
        assertThat(lost.told.get(0)).isNotNull();
        assertThat(events.appendedCount()).isZero();
    }

    @Test
    void retentionRemovesOldEventsButNeverTheNewest() {
        append("e0");
        hub.advance(Duration.ofSeconds(30));
        append("e1");
        hub.advance(Duration.ofSeconds(60));
        append("e2");
        // the sweep runs every minute (first at +1 min, then a minute after each run, here +90 s): an event
        // goes at the first sweep that finds it older than the retention; e2 is exactly that old at +150 s
        hub.advance(Duration.ofSeconds(60));
        assertThat(read(StartPosition.earliest(), 10).bodies()).containsExactly("e2");
        assertThat(events.partitionInfo(p()).beginningSequenceNumber()).isEqualTo(2);
        hub.advance(Duration.ofHours(1));
        assertThat(read(StartPosition.earliest(), 10).bodies()).as("the newest event stays").containsExactly("e2");
        // readers asking for a removed position start at the oldest retained one
        assertThat(read(new StartPosition.FromSequenceNumber(0, true), 10).bodies()).containsExactly("e2");
        assertThat(append("e3").sequenceNumber()).isEqualTo(3);
    }

    @Test
    void checkpointsAreKeptPerGroupAndPartitionAcrossRestarts() {
        events.checkpoint(new Checkpoint("$Default", 1, 41, 4100)).join();
        events.checkpoint(new Checkpoint("$Default", 1, 42, 4200)).join();
        events.checkpoint(new Checkpoint("other", 1, 7, 70)).join();
        assertThat(events.checkpoint("$Default", 1)).contains(new Checkpoint("$Default", 1, 42, 4200));
        assertThat(events.checkpoint("$Default", 2)).isEmpty();
        assertThatThrownBy(() -> events.checkpoint(new Checkpoint("bad group!", 1, 0, 0)))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        assertThatThrownBy(() -> events.checkpoint(new Checkpoint("$Default", 4, 0, 0)))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        append("e0");
        append("e1");

        hub = hub.restart(new ManualStore((InMemoryStore) store.durable()));
        events = hub.core.events();
        assertThat(events.checkpoint("$Default", 1)).contains(new Checkpoint("$Default", 1, 42, 4200));
        assertThat(events.checkpoint("other", 1)).contains(new Checkpoint("other", 1, 7, 70));
        // numbering continues after the restart
        assertThat(append("e2").sequenceNumber()).isEqualTo(2);
        assertThat(read(StartPosition.earliest(), 10).bodies()).containsExactly("e0", "e1", "e2");
    }

    @Test
    void badReaderArgumentsAreRefused() {
        assertThatThrownBy(() -> events.openReader("", 0, StartPosition.earliest(), e -> { }))
                .isInstanceOf(GatewayException.class);
        assertThatThrownBy(() -> events.openReader("x".repeat(51), 0, StartPosition.earliest(), e -> { }))
                .isInstanceOf(GatewayException.class);
        assertThatThrownBy(() -> events.openReader("$Default", -1, StartPosition.earliest(), e -> { }))
                .isInstanceOf(GatewayException.class).hasMessageContaining("partition -1 does not exist");
        assertThatThrownBy(() -> events.partitionInfo(4)).isInstanceOf(GatewayException.class);
    }

    private Device deviceInAnotherPartition() {
        for (int i = 0; ; i++) {
            DeviceId id = DeviceId.of("other-" + i);
            if (events.partitionFor(id) != p()) {
                return hub.createDevice(id.value());
            }
        }
    }

    private static int emptyPartition(int used1, int used2) {
        for (int i = 0; ; i++) {
            if (i != used1 && i != used2) {
                return i;
            }
        }
    }
}
