package io.gatehouse.core.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.QueueMessage;
import io.gatehouse.core.queue.Receiver;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.testing.ManualCore;
import io.gatehouse.core.testing.RecordingSink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Delivery feedback (docs/messaging.md#delivery-feedback, docs/protocols.md#amqp-10): which outcomes produce it, its exact wire shape, batching, its own lifecycle. */
class FeedbackTest {

    private static final DeviceId D1 = DeviceId.of("d1");

    private ManualCore hub;
    private Device device;

    @AfterEach
    void tearDown() {
        if (hub != null) {
            hub.close();
        }
    }

    private void start(Map<String, String> overrides) {
        HubSettings settings = HubSettings.defaults();
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            settings = settings.with(e.getKey(), e.getValue());
        }
        hub = new ManualCore(settings);
        device = hub.createDevice("d1");
    }

    /** Sends {@code count} messages asking for positive feedback and completes them all in one shard turn. */
    private void completeMessages(String prefix, int count) {
        for (int i = 0; i < count; i++) {
            hub.await(hub.core.c2d().send(D1, new C2dRequest(MessageProperties.builder().messageId(prefix + i).build(),
                    AckMode.POSITIVE, null, new byte[1])));
        }
        RecordingSink sink = new RecordingSink();
        Receiver r = hub.core.c2d().openReceiver(D1, sink);
        r.addCredit(count);
        hub.run();
        List<Delivery> ds = sink.drain();
        assertThat(ds).hasSize(count);
        ds.forEach(d -> r.complete(d.lockToken()));
        r.close();
        hub.run();
    }

    private static List<String> ids(Delivery feedbackMessage) {
        return FeedbackJson.decode(feedbackMessage.message().body()).stream().map(FeedbackRecord::originalMessageId).toList();
    }

    // ------------------------------------------------------------ the wire shape

    @Test
    void bodyIsCompactJsonWithTheSdksKeysAndTypes() {
        List<FeedbackRecord> records = List.of(
                new FeedbackRecord("0987654321", Instant.parse("2015-07-28T16:24:48.789Z"), FeedbackStatus.SUCCESS, "123",
                        "abcdefghijklmnopqrstuvwxyz"),
                new FeedbackRecord("m-2", Instant.parse("2026-01-01T00:00:00Z"), FeedbackStatus.DELIVERY_COUNT_EXCEEDED,
                        "dev:1", "636421934592654321"));
        String json = new String(FeedbackJson.encode(records), StandardCharsets.US_ASCII);
        assertThat(json).isEqualTo("[{\"originalMessageId\":\"0987654321\",\"enqueuedTimeUtc\":\"2015-07-28T16:24:48.7890000Z\","
                + "\"statusCode\":\"Success\",\"description\":\"Success\",\"deviceId\":\"123\","
                + "\"deviceGenerationId\":\"abcdefghijklmnopqrstuvwxyz\"},"
                + "{\"originalMessageId\":\"m-2\",\"enqueuedTimeUtc\":\"2026-01-01T00:00:00.0000000Z\","
                + "\"statusCode\":\"DeliveryCountExceeded\",\"description\":\"Message delivery count exceeded\","
                + "\"deviceId\":\"dev:1\",\"deviceGenerationId\":\"636421934592654321\"}]");
        assertThat(FeedbackJson.decode(json.getBytes(StandardCharsets.US_ASCII))).isEqualTo(records);
    }

    @Test
    void everyStatusCodeHasTheSdkSpelling() {
        assertThat(List.of(FeedbackStatus.values())).extracting(FeedbackStatus::statusCode)
                .containsExactly("Success", "Expired", "DeliveryCountExceeded", "Rejected", "Purged");
        for (FeedbackStatus status : FeedbackStatus.values()) {
            assertThat(FeedbackStatus.fromStatusCode(status.statusCode())).isEqualTo(status);
        }
        assertThatThrownBy(() -> FeedbackStatus.fromStatusCode("success")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void enqueuedTimeUtcHasSevenFractionalDigitsInUtc() {
        assertThat(FeedbackJson.formatTime(Instant.parse("2026-03-04T05:06:07Z"))).isEqualTo("2026-03-04T05:06:07.0000000Z");
        assertThat(FeedbackJson.formatTime(Instant.parse("2026-03-04T05:06:07.001Z"))).isEqualTo("2026-03-04T05:06:07.0010000Z");
        assertThat(FeedbackJson.formatTime(Instant.parse("2026-12-31T23:59:59.123456789Z")))
                .isEqualTo("2026-12-31T23:59:59.1234567Z");
        assertThat(FeedbackJson.formatTime(Instant.EPOCH)).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{7}Z");
    }

    @Test
    void aFeedbackMessageFromTheHubHasTheDocumentedProperties() {
        start(Map.of("hubName", "my-hub", HubSettings.FEEDBACK_BATCH_WINDOW.property(), "PT0S"));
        hub.advance(Duration.ofMillis(123));
        completeMessages("m", 1);
        Instant endedAt = hub.clock.now();

        RecordingSink fb = new RecordingSink();
        hub.core.feedback().openReceiver(fb).addCredit(1);
        hub.run();
        Delivery d = fb.poll();
        QueueMessage m = d.message();
        assertThat(m.properties().userId()).isEqualTo("my-hub");
        assertThat(m.properties().contentType()).isEqualTo("application/vnd.microsoft.iothub.feedback.json");
        assertThat(m.properties().contentEncoding()).isEqualTo("utf-8");
        assertThat(m.properties().to()).isEqualTo("/messages/servicebound/feedback");
        assertThat(UUID.fromString(m.messageId())).isNotNull();
        assertThat(m.ack()).isEqualTo(AckMode.NONE);
        assertThat(m.enqueuedTime()).isEqualTo(endedAt);
        assertThat(m.expiryTime()).isEqualTo(endedAt.plus(Duration.ofHours(1)));
        assertThat(d.deliveryCount()).isEqualTo(1);
        String body = new String(m.body(), StandardCharsets.US_ASCII);
        assertThat(body).isEqualTo("[{\"originalMessageId\":\"m0\",\"enqueuedTimeUtc\":\"2026-01-01T00:00:00.1230000Z\","
                + "\"statusCode\":\"Success\",\"description\":\"Success\",\"deviceId\":\"d1\","
                + "\"deviceGenerationId\":\"" + device.generationId() + "\"}]");
    }

    // ------------------------------------------------------------ which outcomes produce feedback

    @ParameterizedTest
    @EnumSource(AckMode.class)
    void ackModesSelectOutcomes(AckMode ack) {
        for (FeedbackStatus status : FeedbackStatus.values()) {
            boolean expected = switch (ack) {
                case NONE -> false;
                case FULL -> true;
                case POSITIVE -> status == FeedbackStatus.SUCCESS;
                case NEGATIVE -> status != FeedbackStatus.SUCCESS;
            };
            assertThat(ack.wantsFeedbackFor(status)).as(ack + "/" + status).isEqualTo(expected);
        }
    }

    @Test
    void ackParsingAcceptsTheSdkSpellings() {
        assertThat(AckMode.parse(null)).isEqualTo(AckMode.NONE);
        assertThat(AckMode.parse("")).isEqualTo(AckMode.NONE);
        assertThat(AckMode.parse("none")).isEqualTo(AckMode.NONE);
        assertThat(AckMode.parse("Full")).isEqualTo(AckMode.FULL);
        assertThat(AckMode.parse("positiveonly")).isEqualTo(AckMode.POSITIVE);
        assertThat(AckMode.parse("POSITIVE")).isEqualTo(AckMode.POSITIVE);
        assertThat(AckMode.parse("negativeOnly")).isEqualTo(AckMode.NEGATIVE);
        assertThatThrownBy(() -> AckMode.parse("sometimes")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("none, positive, negative or full");
    }

    @Test
    void positiveFeedbackOnlyForCompletionAndNegativeOnlyForTheRest() {
        start(Map.of(HubSettings.FEEDBACK_BATCH_WINDOW.property(), "PT0S"));
        for (String ack : List.of("none", "positive", "negative", "full")) {
            hub.await(hub.core.c2d().send(D1, new C2dRequest(MessageProperties.builder().messageId("ok-" + ack).build(),
                    AckMode.parse(ack), null, new byte[1])));
        }
        RecordingSink sink = new RecordingSink();
        Receiver r = hub.core.c2d().openReceiver(D1, sink);
        r.addCredit(4);
        hub.run();
        sink.drain().forEach(d -> hub.await(r.complete(d.lockToken())));
        for (String ack : List.of("none", "positive", "negative", "full")) {
            hub.await(hub.core.c2d().send(D1, new C2dRequest(MessageProperties.builder().messageId("purged-" + ack).build(),
                    AckMode.parse(ack), null, new byte[1])));
        }
        hub.await(hub.core.c2d().purge(D1));

        RecordingSink fb = new RecordingSink();
        hub.core.feedback().openReceiver(fb).addCredit(10);
        hub.run();
        List<FeedbackRecord> records = new ArrayList<>();
        fb.drain().forEach(d -> records.addAll(FeedbackJson.decode(d.message().body())));
        assertThat(records).extracting(FeedbackRecord::originalMessageId, FeedbackRecord::status).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("ok-positive", FeedbackStatus.SUCCESS),
                org.assertj.core.groups.Tuple.tuple("ok-full", FeedbackStatus.SUCCESS),
                org.assertj.core.groups.Tuple.tuple("purged-negative", FeedbackStatus.PURGED),
                org.assertj.core.groups.Tuple.tuple("purged-full", FeedbackStatus.PURGED));
    }

    // ------------------------------------------------------------ batching

    @Test
    void feedbackGivesBackEveryMessageIdExactlyAsSent() {
        start(Map.of(HubSettings.FEEDBACK_BATCH_WINDOW.property(), "PT0S"));
        // a UUID in its usual text is kept compactly; every other spelling must come back as it was
        List<String> sent = List.of("3f2504e0-4f89-41d3-9a0c-0305e82c3301", "3F2504E0-4F89-41D3-9A0C-0305E82C3301",
                "3f2504e0-4f89-41d3-9a0c-0305e82c330", "{3f2504e0-4f89-41d3-9a0c-0305e82c3301}",
                "0-0-0-0-0", "3f2504e0x4f89-41d3-9a0c-0305e82c3301", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz");
        for (String id : sent) {
            hub.await(hub.core.c2d().send(D1, new C2dRequest(MessageProperties.builder().messageId(id).build(),
                    AckMode.FULL, null, new byte[1])));
        }
        RecordingSink sink = new RecordingSink();
        Receiver r = hub.core.c2d().openReceiver(D1, sink);
        r.addCredit(sent.size());
        hub.run();
        sink.drain().forEach(d -> r.complete(d.lockToken()));
        hub.run();

        RecordingSink fb = new RecordingSink();
        hub.core.feedback().openReceiver(fb).addCredit(sent.size());
        hub.run();
        assertThat(fb.drain().stream().flatMap(d -> ids(d).stream())).containsExactlyInAnyOrderElementsOf(sent);
    }

    @Test
    void recordsWithinTheBatchWindowBecomeOneMessage() {
        start(Map.of());
        completeMessages("a", 1);
        hub.advance(Duration.ofMillis(50));
        completeMessages("b", 1);
        hub.advance(Duration.ofMillis(49));
        assertThat(hub.core.feedback().depth()).as("window still open").isZero();
        hub.advance(Duration.ofMillis(1));
        assertThat(hub.core.feedback().depth()).isEqualTo(1);

        completeMessages("c", 1);
        hub.advance(Duration.ofMillis(100));
        RecordingSink fb = new RecordingSink();
        hub.core.feedback().openReceiver(fb).addCredit(10);
        hub.run();
        assertThat(fb.drain()).extracting(FeedbackTest::ids).containsExactly(List.of("a0", "b0"), List.of("c0"));
    }

    @Test
    void aFullBatchGoesAtOnceAndTheRestWaitsForTheWindow() {
        start(Map.of(HubSettings.FEEDBACK_MAX_RECORDS.property(), "3",
                HubSettings.FEEDBACK_BATCH_WINDOW.property(), "PT1M"));
        completeMessages("m", 7);
        assertThat(hub.core.feedback().depth()).isEqualTo(2);
        hub.advance(Duration.ofSeconds(59));
        assertThat(hub.core.feedback().depth()).isEqualTo(2);
        hub.advance(Duration.ofSeconds(1));
        assertThat(hub.core.feedback().depth()).isEqualTo(3);

        RecordingSink fb = new RecordingSink();
        hub.core.feedback().openReceiver(fb).addCredit(10);
        hub.run();
        assertThat(fb.drain()).extracting(FeedbackTest::ids)
                .containsExactly(List.of("m0", "m1", "m2"), List.of("m3", "m4", "m5"), List.of("m6"));
    }

    // ------------------------------------------------------------ the feedback queue's own lifecycle

    @Test
    void feedbackTtlBoundary() {
        start(Map.of(HubSettings.FEEDBACK_TTL.property(), "PT1M", HubSettings.FEEDBACK_BATCH_WINDOW.property(), "PT0S"));
        completeMessages("m", 1);
        assertThat(hub.core.feedback().depth()).isEqualTo(1);
        hub.advance(Duration.ofMillis(59_999));
        assertThat(hub.core.feedback().depth()).isEqualTo(1);
        hub.advance(Duration.ofMillis(1));
        assertThat(hub.core.feedback().depth()).as("lost by design once its TTL is over").isZero();
        RecordingSink fb = new RecordingSink();
        hub.core.feedback().openReceiver(fb).addCredit(1);
        hub.run();
        assertThat(fb.poll()).isNull();
        assertThat(hub.core.feedback().counters().snapshot().ended(io.gatehouse.core.queue.Outcome.EXPIRED)).isEqualTo(1);
    }

    @Test
    void feedbackLockBoundary() {
        start(Map.of(HubSettings.FEEDBACK_LOCK_DURATION.property(), "PT5S", HubSettings.FEEDBACK_BATCH_WINDOW.property(), "PT0S"));
        completeMessages("m", 1);
        RecordingSink fb = new RecordingSink();
        Receiver service = hub.core.feedback().openReceiver(fb);
        service.addCredit(1);
        hub.run();
        Delivery first = fb.poll();
        hub.advance(Duration.ofMillis(4_999));
        assertThat(fb.pollLost()).isNull();
        hub.advance(Duration.ofMillis(1));
        assertThat(fb.pollLost()).isEqualTo(first.lockToken());
        service.addCredit(1);
        hub.run();
        Delivery second = fb.poll();
        assertThat(second.message().messageId()).isEqualTo(first.message().messageId());
        assertThat(second.deliveryCount()).isEqualTo(2);
        hub.await(service.complete(second.lockToken()));
        assertThat(hub.core.feedback().depth()).isZero();
    }

    @Test
    void feedbackMaxDeliveryCountBoundary() {
        start(Map.of(HubSettings.FEEDBACK_MAX_DELIVERY_COUNT.property(), "2", HubSettings.FEEDBACK_BATCH_WINDOW.property(), "PT0S"));
        completeMessages("m", 1);
        RecordingSink fb = new RecordingSink();
        Receiver service = hub.core.feedback().openReceiver(fb);
        service.addCredit(1);
        hub.run();
        hub.await(service.abandon(fb.poll().lockToken()));
        service.addCredit(1);
        hub.run();
        Delivery second = fb.poll();
        assertThat(second.deliveryCount()).isEqualTo(2);
        assertThat(hub.core.feedback().depth()).isEqualTo(1);
        hub.await(service.abandon(second.lockToken()));
        assertThat(hub.core.feedback().depth()).as("delivered twice: gone").isZero();
        service.addCredit(1);
        hub.run();
        assertThat(fb.poll()).isNull();
        // no feedback about feedback
        assertThat(hub.core.feedback().counters().snapshot().enqueued()).isEqualTo(1);
    }

    @Test
    void aFeedbackMessageDeliveredOnceAtMostWhenTheLimitIsOne() {
        start(Map.of(HubSettings.FEEDBACK_MAX_DELIVERY_COUNT.property(), "1", HubSettings.FEEDBACK_BATCH_WINDOW.property(), "PT0S"));
        completeMessages("m", 1);
        RecordingSink fb = new RecordingSink();
        Receiver service = hub.core.feedback().openReceiver(fb);
        service.addCredit(5);
        hub.run();
        Delivery only = fb.poll();
        hub.advance(Duration.ofMinutes(1));
        assertThat(fb.pollLost()).isEqualTo(only.lockToken());
        assertThat(fb.poll()).isNull();
        assertThat(hub.core.feedback().depth()).isZero();
    }
}
