package io.gatehouse.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.Receiver;
import io.gatehouse.core.testing.RecordingSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Queued C2D messages whose content is on disk only, on the journal: delivered with their exact content after
 * compaction moved their records, and again after a restart.
 */
class QueuedContentOnJournalTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final DeviceId KEPT = DeviceId.of("kept");
    private static final DeviceId BUSY = DeviceId.of("busy");
    private static final int MESSAGES = 20;

    @TempDir
    Path dir;

    @Test
    void contentMovedByCompactionAndRecoveredAfterARestartIsDeliveredExactly() throws Exception {
        List<byte[]> bodies = bodies();
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(4)); GatewayCore core = start(store)) {
            get(core.registry().create(KEPT));
            get(core.registry().create(BUSY));
            for (int i = 0; i < MESSAGES; i++) {
                get(core.c2d().send(KEPT, request(i, bodies.get(i))));
            }
            churnUntilCompacted(core, store);

            RecordingSink sink = new RecordingSink();
            Receiver receiver = core.c2d().openReceiver(KEPT, sink);
            receiver.addCredit(MESSAGES);
            assertExact(receive(sink), bodies);
            // left locked: they come back ENQUEUED after the restart
        }
        try (JournalStore store = JournalStore.open(dir, JournalTesting.small(4)); GatewayCore core = start(store)) {
            RecordingSink sink = new RecordingSink();
            core.c2d().openReceiver(KEPT, sink).addCredit(MESSAGES);
            List<Delivery> again = receive(sink);
            assertExact(again, bodies);
            assertThat(again).extracting(Delivery::deliveryCount).containsOnly(2);
        }
    }

    /** Delivers and completes messages of another device until the segments holding KEPT's were compacted. */
    private static void churnUntilCompacted(GatewayCore core, JournalStore store) throws Exception {
        RecordingSink sink = new RecordingSink();
        Receiver receiver = core.c2d().openReceiver(BUSY, sink);
        receiver.addCredit(Integer.MAX_VALUE);
        byte[] filler = new byte[600];
        for (int round = 0; round < 400 && store.stats().compactions() < 3; round++) {
            for (int i = 0; i < 10; i++) {
                get(core.c2d().send(BUSY, C2dRequest.of("busy-" + round + "-" + i, filler)));
            }
            for (int i = 0; i < 10; i++) {
                get(receiver.complete(sink.await(WAIT).lockToken()));
            }
            ReclaimAndCompactionTest.awaitQuiet(store);
        }
        assertThat(store.stats().compactions()).isGreaterThanOrEqualTo(3);
        receiver.close();
    }

    private static List<Delivery> receive(RecordingSink sink) throws InterruptedException {
        List<Delivery> deliveries = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            deliveries.add(sink.await(WAIT));
        }
        return deliveries;
    }

    private static void assertExact(List<Delivery> deliveries, List<byte[]> bodies) {
        for (int i = 0; i < MESSAGES; i++) {
            Delivery d = deliveries.get(i);
            assertThat(d.message().properties()).isEqualTo(properties(i));
            assertThat(d.message().ack()).isEqualTo(AckMode.NEGATIVE);
            assertThat(d.message().body()).isEqualTo(bodies.get(i));
        }
    }

    private static List<byte[]> bodies() {
        Random random = new Random(42);
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            byte[] body = new byte[200 + random.nextInt(800)];
            random.nextBytes(body);
            bodies.add(body);
        }
        return bodies;
    }

    private static MessageProperties properties(int i) {
        return MessageProperties.builder().messageId("kept-" + i).correlationId("c" + i)
                .to("/devices/kept/messages/devicebound").contentType("application/octet-stream")
                .put("index", Integer.toString(i)).put("ü", "é").build();
    }

    private static C2dRequest request(int i, byte[] body) {
        return new C2dRequest(properties(i), AckMode.NEGATIVE, null, body);
    }

    private static GatewayCore start(JournalStore store) {
        return GatewayCore.builder().settings(HubSettings.defaults()).store(store).shards(2).start();
    }

    private static <T> T get(CompletableFuture<T> future) throws Exception {
        return future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
}
