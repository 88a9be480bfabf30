package io.gatehouse.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatehouse.cluster.testing.ClusterEngines;
import io.gatehouse.cluster.testing.EmbeddedKafka;
import io.gatehouse.core.store.EventRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Reads of a topic two nodes append to at once, as each node's Event Hubs readers make them: from the window of
 * recent events, from Kafka below it, and at the tail while events keep coming. Windows here hold a few dozen
 * events, so that every read path is taken.
 */
@ExtendWith(ClusterEngines.class)
class KafkaEventLogReadsTest {

    private static final int EVENTS_PER_NODE = 1500;
    /** The one partition's window: some 40 of the events these tests append ("a-123", "b-1499": up to 6 bytes). */
    private static final long SMALL_WINDOW_BYTES = 40 * 6;

    private final EmbeddedKafka kafka;

    KafkaEventLogReadsTest(EmbeddedKafka kafka) {
        this.kafka = kafka;
    }

    @Test
    void eachNodeReadsEveryEventOfBothInOrderFromTheStartOfThePartition() throws Exception {
        KafkaSettings topic = ClusterTesting.newTopic(kafka, 1, "node-a");
        try (KafkaEventLog a = KafkaEventLog.open(topic, SMALL_WINDOW_BYTES);
             KafkaEventLog b = KafkaEventLog.open(topic, SMALL_WINDOW_BYTES)) {
            Map<Long, String> stored = appendFromBoth(a, b);
            for (KafkaEventLog node : List.of(a, b)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> node.last(0).offset() == stored.size() - 1);
                // readers a few events apart, as several consumer groups would be: they move the shared consumer
                assertThat(readAll(node, 0, 50)).isEqualTo(inOrder(stored));
                assertThat(readAll(node, 7, 256)).isEqualTo(inOrder(stored).subList(7, stored.size()));
            }
        }
    }

    @Test
    void aReaderAtTheTailGetsEveryEventOfBothNodesWhileTheyAreAppended() throws Exception {
        KafkaSettings topic = ClusterTesting.newTopic(kafka, 1, "node-a");
        try (KafkaEventLog a = KafkaEventLog.open(topic);
             KafkaEventLog b = KafkaEventLog.open(topic)) {
            // the core wakes its readers on the log's notifications (another node's events) and on its own appends
            Semaphore news = new Semaphore(0);
            b.onAppended((partition, last) -> news.release());
            CompletableFuture<Map<Long, String>> appending = CompletableFuture.supplyAsync(() -> appendFromBoth(a, b, news));

            List<String> read = new ArrayList<>();
            long from = 0;
            while (read.size() < 2 * EVENTS_PER_NODE) {
                List<EventRecord> batch = b.read(0, from, 64);
                if (batch.isEmpty()) {
                    assertThat(news.tryAcquire(30, TimeUnit.SECONDS)).as("told of new events, %d read", read.size()).isTrue();
                    continue;
                }
                for (EventRecord event : batch) {
                    assertThat(event.offset()).as("no event skipped").isEqualTo(from);
                    read.add(text(event));
                    from = event.offset() + 1;
                }
            }
            assertThat(read).isEqualTo(inOrder(appending.get(60, TimeUnit.SECONDS)));
        }
    }

    private static Map<Long, String> appendFromBoth(KafkaEventLog a, KafkaEventLog b) {
        return appendFromBoth(a, b, new Semaphore(0));
    }

    /** Appends from both nodes, interleaved, a few in flight; the stored events by offset. */
    private static Map<Long, String> appendFromBoth(KafkaEventLog a, KafkaEventLog b, Semaphore appendedThroughB) {
        Map<Long, String> stored = new ConcurrentHashMap<>();
        List<CompletableFuture<?>> appends = new ArrayList<>();
        for (int i = 0; i < EVENTS_PER_NODE; i++) {
            for (KafkaEventLog node : List.of(a, b)) {
                String text = (node == a ? "a-" : "b-") + i;
                CompletableFuture<EventRecord> append = node.appendAssigned(0, text.getBytes(StandardCharsets.UTF_8));
                appends.add(append.thenAccept(event -> {
                    stored.put(event.offset(), text);
                    if (node == b) {
                        appendedThroughB.release();
                    }
                }));
            }
            if (i % 100 == 99) {
                CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new)).join();
            }
        }
        CompletableFuture.allOf(appends.toArray(CompletableFuture[]::new)).join();
        return stored;
    }

    private static List<String> readAll(KafkaEventLog node, long from, int batch) {
        List<String> read = new ArrayList<>();
        long next = from;
        List<EventRecord> events;
        while (!(events = node.read(0, next, batch)).isEmpty()) {
            for (EventRecord event : events) {
                assertThat(event.offset()).as("no event skipped").isEqualTo(next);
                read.add(text(event));
                next = event.offset() + 1;
            }
        }
        return read;
    }

    /** The events by offset, which must be 0 to n-1: Kafka numbers one partition's events without gaps. */
    private static List<String> inOrder(Map<Long, String> stored) {
        List<String> texts = new ArrayList<>();
        for (long offset = 0; offset < stored.size(); offset++) {
            assertThat(stored).containsKey(offset);
            texts.add(stored.get(offset));
        }
        return texts;
    }

    private static String text(EventRecord event) {
        return new String(event.payload(), StandardCharsets.UTF_8);
    }
}
