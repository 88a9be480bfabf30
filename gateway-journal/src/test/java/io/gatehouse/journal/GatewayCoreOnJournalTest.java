package io.gatehouse.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.auth.Principal.DevicePrincipal;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.events.Checkpoint;
import io.gatehouse.core.events.D2cEvent;
import io.gatehouse.core.events.EventPosition;
import io.gatehouse.core.events.EventReader;
import io.gatehouse.core.events.EventSource;
import io.gatehouse.core.events.PartitionInfo;
import io.gatehouse.core.events.StartPosition;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.QueueStats;
import io.gatehouse.core.queue.Receiver;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.testing.RecordingSink;
import io.gatehouse.core.time.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole core on the journal: everything it stores comes back after a restart — devices, C2D queues in
 * order with their delivery counts (locked messages come back ENQUEUED), feedback, events, checkpoints.
 */
class GatewayCoreOnJournalTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final DeviceId D1 = DeviceId.of("d1");
    private static final DeviceId D2 = DeviceId.of("d2:with.odd+chars");

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock();
    private final HubSettings settings = HubSettings.defaults()
            .with(HubSettings.FEEDBACK_BATCH_WINDOW.property(), "PT0S");

    @Test
    void aRestartedCoreHasEverythingItAcknowledged() throws Exception {
        Device d1;
        Device d2;
        List<EventPosition> positions = new ArrayList<>();
        Checkpoint checkpoint;
        try (JournalStore store = openStore(); GatewayCore core = start(store)) {
            d1 = get(core.registry().create(D1));
            d2 = get(core.registry().create(D2));
            for (int i = 1; i <= 5; i++) {
                get(core.c2d().send(D1, request("m" + i, i == 1 ? AckMode.FULL : AckMode.NONE)));
            }
            for (int i = 1; i <= 3; i++) {
                get(core.c2d().send(D2, request("n" + i, AckMode.NONE)));
            }

            RecordingSink sink = new RecordingSink();
            Receiver receiver = core.c2d().openReceiver(D1, sink);
            receiver.addCredit(3);
            Delivery m1 = sink.await(WAIT);
            Delivery m2 = sink.await(WAIT);
            Delivery m3 = sink.await(WAIT);
            assertThat(List.of(id(m1), id(m2), id(m3))).containsExactly("m1", "m2", "m3");
            get(receiver.complete(m1.lockToken()));
            get(receiver.abandon(m2.lockToken()));
            receiver.addCredit(1);
            Delivery again = sink.await(WAIT);
            assertThat(id(again)).isEqualTo("m2");
            assertThat(again.deliveryCount()).isEqualTo(2);
            // m2 and m3 stay locked when the gateway stops

            for (int i = 0; i < 30; i++) {
                Device from = i % 2 == 0 ? d1 : d2;
                positions.add(get(core.events().append(source(from),
                        MessageProperties.builder().messageId("e" + i).put("n", Integer.toString(i)).build(),
                        ("telemetry " + i).getBytes(StandardCharsets.UTF_8))));
            }
            EventPosition mid = positions.get(10);
            checkpoint = new Checkpoint("$Default", mid.partition(), mid.sequenceNumber(), mid.offset());
            get(core.events().checkpoint(checkpoint));
            get(core.barrier());
            assertThat(core.feedback().depth()).isEqualTo(1);
        }

        try (JournalStore store = openStore(); GatewayCore core = start(store)) {
            assertThat(core.registry().get(D1)).contains(d1);
            assertThat(core.registry().get(D2)).contains(d2);
            // locks are not stored: both locked messages are ENQUEUED again, at their place in the queue
            assertThat(get(core.c2d().stats(D1))).isEqualTo(new QueueStats(4, 0, 0));
            RecordingSink sink = new RecordingSink();
            Receiver receiver = core.c2d().openReceiver(D1, sink);
            receiver.addCredit(10);
            List<Delivery> redelivered = List.of(sink.await(WAIT), sink.await(WAIT), sink.await(WAIT), sink.await(WAIT));
            assertThat(redelivered).extracting(GatewayCoreOnJournalTest::id).containsExactly("m2", "m3", "m4", "m5");
            assertThat(redelivered).extracting(Delivery::deliveryCount).containsExactly(3, 2, 1, 1);
            assertThat(redelivered.get(0).message().properties().application()).containsEntry("k", "v");

            RecordingSink d2Sink = new RecordingSink();
            core.c2d().openReceiver(D2, d2Sink).addCredit(10);
            assertThat(List.of(d2Sink.await(WAIT), d2Sink.await(WAIT), d2Sink.await(WAIT)))
                    .extracting(GatewayCoreOnJournalTest::id).containsExactly("n1", "n2", "n3");

            // the feedback that m1's completion produced
            RecordingSink feedback = new RecordingSink();
            core.feedback().openReceiver(feedback).addCredit(1);
            assertThat(new String(feedback.await(WAIT).message().body(), StandardCharsets.UTF_8))
                    .contains("\"originalMessageId\":\"m1\"").contains("Success");

            assertThat(core.events().checkpoint("$Default", checkpoint.partition())).contains(checkpoint);
            List<D2cEvent> stored = new ArrayList<>();
            for (int p = 0; p < core.events().partitionCount(); p++) {
                stored.addAll(readAll(core, p));
            }
            assertThat(stored).hasSize(30);
            for (EventPosition position : positions) {
                D2cEvent event = stored.stream().filter(e -> e.partition() == position.partition()
                        && e.sequenceNumber() == position.sequenceNumber()).findFirst().orElseThrow();
                assertThat(event.offset()).isEqualTo(position.offset());
                assertThat(event.enqueuedTime()).isEqualTo(position.enqueuedTime());
            }
            assertThat(stored).extracting(e -> new String(e.body(), StandardCharsets.UTF_8))
                    .contains("telemetry 0", "telemetry 29");

            // numbering continues after the stored events
            EventPosition next = get(core.events().append(source(d1), MessageProperties.EMPTY, new byte[] {1}));
            PartitionInfo info = core.events().partitionInfo(next.partition());
            assertThat(info.lastSequenceNumber()).isEqualTo(next.sequenceNumber());
            long before = positions.stream().filter(p -> p.partition() == next.partition())
                    .mapToLong(EventPosition::sequenceNumber).max().orElse(-1);
            assertThat(next.sequenceNumber()).isEqualTo(before + 1);
        }
    }

    @Test
    void aJournalWithAnotherPartitionCountIsRefusedByTheCore() {
        try (JournalStore store = JournalStore.open(dir, JournalOptions.defaults(2))) {
            assertThatThrownBy(() -> start(store)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("partition count cannot change");
        }
    }

    private JournalStore openStore() {
        return JournalStore.open(dir, JournalOptions.defaults(settings.eventPartitions()).withSegmentSize(256 * 1024));
    }

    private GatewayCore start(JournalStore store) {
        return GatewayCore.builder().settings(settings).store(store).clock(clock).shards(2).start();
    }

    private List<D2cEvent> readAll(GatewayCore core, int partition) throws InterruptedException {
        PartitionInfo info = core.events().partitionInfo(partition);
        if (info.isEmpty()) {
            return List.of();
        }
        long last = info.lastSequenceNumber();
        BlockingQueue<D2cEvent> received = new LinkedBlockingQueue<>();
        EventReader reader = core.events().openReader("$Default", partition, StartPosition.earliest(), received::add);
        reader.addCredit(1000);
        List<D2cEvent> out = new ArrayList<>();
        while (out.isEmpty() || out.get(out.size() - 1).sequenceNumber() < last) {
            D2cEvent e = received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(e).as("event of partition %d", partition).isNotNull();
            out.add(e);
        }
        reader.close();
        return out;
    }

    private static EventSource source(Device device) {
        return EventSource.of(new DevicePrincipal(device.id(), device.generationId(), null, null));
    }

    private static C2dRequest request(String id, AckMode ack) {
        return new C2dRequest(MessageProperties.builder().messageId(id).put("k", "v").build(), ack, null,
                id.getBytes(StandardCharsets.UTF_8));
    }

    private static String id(Delivery delivery) {
        return delivery.message().properties().messageId();
    }

    private static <T> T get(CompletableFuture<T> future) throws Exception {
        return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
