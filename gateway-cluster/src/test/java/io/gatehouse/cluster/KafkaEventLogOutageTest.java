package io.gatehouse.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatehouse.cluster.testing.EmbeddedKafka;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.store.EventRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The event log while its Kafka cluster is down (a Kafka node of the test's own, stopped and started again):
 * appends are refused at once as busy instead of waiting out the producer's timeouts, and taken again, without
 * any help, once Kafka is back.
 */
class KafkaEventLogOutageTest {

    @Test
    void whileKafkaIsDownAppendsAreRefusedAsBusyAndTheLogTakesThemAgainByItself() throws Exception {
        try (EmbeddedKafka own = EmbeddedKafka.start();
             KafkaEventLog log = KafkaEventLog.open(ClusterTesting.newTopic(own, 1, "stranded-node"))) {
            EventRecord before = log.appendAssigned(0, bytes("before")).get(30, TimeUnit.SECONDS);
            own.stop();

            CompletableFuture<EventRecord> stranded = log.appendAssigned(0, bytes("during"));
            await().atMost(Duration.ofSeconds(30)).until(() -> log.unavailability().isPresent());
            List<CompletableFuture<EventRecord>> refused = IntStream.range(0, 10)
                    .mapToObj(i -> log.appendAssigned(0, bytes("refused"))).toList();
            assertThat(refused).allSatisfy(append -> assertThat(codeOf(append)).isEqualTo(ErrorCode.SERVER_BUSY));

            own.restart();
            await().atMost(Duration.ofSeconds(60)).until(() -> log.unavailability().isEmpty());
            EventRecord after = log.appendAssigned(0, bytes("after")).get(30, TimeUnit.SECONDS);
            assertThat(after.sequenceNumber()).isGreaterThan(before.sequenceNumber());
            // the append sent into the outage ends: stored once Kafka was back, or failed as busy (never left hanging)
            await().atMost(Duration.ofSeconds(40)).until(stranded::isDone);
            if (stranded.isCompletedExceptionally()) {
                assertThat(codeOf(stranded)).isEqualTo(ErrorCode.SERVER_BUSY);
            }
        }
    }

    /** The error an append failed with at once (it must not be pending). */
    private static ErrorCode codeOf(CompletableFuture<EventRecord> append) {
        assertThat(append).isCompletedExceptionally();
        return GatewayException.unwrap(append.handle((ok, failure) -> failure).join()).code();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
