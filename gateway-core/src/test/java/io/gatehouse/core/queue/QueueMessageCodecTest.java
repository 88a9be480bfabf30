package io.gatehouse.core.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.MessageProperties;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The stored form of queue messages and delivery counts. */
class QueueMessageCodecTest {

    @Provide
    Arbitrary<String> text() {
        return Arbitraries.strings().withCharRange('\u0000', '\ud7ff').withCharRange('\ue000', '\uffff')
                .ofMaxLength(30).injectNull(0.3);
    }

    @Property(tries = 300)
    void messagesRoundTrip(@ForAll("text") String correlationId, @ForAll("text") String to, @ForAll("text") String userId,
                           @ForAll("text") String contentType, @ForAll AckMode ack, @ForAll byte[] body,
                           @ForAll Map<@net.jqwik.api.constraints.StringLength(max = 8) String,
                                   @net.jqwik.api.constraints.StringLength(max = 8) String> application) {
        MessageProperties p = new MessageProperties("id-1", correlationId, userId, to, contentType, "utf-8",
                "2026-01-01T00:00:00Z", Map.of());
        p = p.toBuilder().application(sanitized(application)).build();
        QueueMessage m = new QueueMessage(p, ack, Instant.ofEpochMilli(1_767_225_600_123L),
                Instant.ofEpochMilli(1_767_229_200_456L), body);
        QueueMessageCodec.Stored stored = QueueMessageCodec.decode(QueueMessageCodec.encode(m, "636000000000000042"));
        assertThat(stored.ownerGeneration()).isEqualTo("636000000000000042");
        QueueMessage back = stored.message();
        assertThat(back.properties()).isEqualTo(m.properties());
        assertThat(back.properties().application()).containsExactlyEntriesOf(m.properties().application());
        assertThat(back.ack()).isEqualTo(ack);
        assertThat(back.enqueuedTime()).isEqualTo(m.enqueuedTime());
        assertThat(back.expiryTime()).isEqualTo(m.expiryTime());
        assertThat(back.body()).isEqualTo(body);
        assertThat(QueueMessageCodec.decodeHeader(QueueMessageCodec.encode(m, "636000000000000042"))).as("the header alone")
                .isEqualTo(new QueueMessageCodec.Header("636000000000000042", "id-1", ack, 1_767_229_200_456L));
    }

    /** Lone surrogates cannot survive UTF-8; protocol decoders never produce them. */
    private static Map<String, String> sanitized(Map<String, String> in) {
        Map<String, String> out = new LinkedHashMap<>();
        in.forEach((k, v) -> out.put(k.replaceAll("[\\ud800-\\udfff]", "?"), v.replaceAll("[\\ud800-\\udfff]", "?")));
        return out;
    }

    @Test
    void deliveryCountsRoundTrip() {
        for (int count : new int[] {0, 1, 100, Integer.MAX_VALUE}) {
            byte[] encoded = QueueMessageCodec.encodeCount(count);
            assertThat(encoded).hasSize(5);
            assertThat(QueueMessageCodec.decodeCount(encoded)).isEqualTo(count);
        }
    }
}
