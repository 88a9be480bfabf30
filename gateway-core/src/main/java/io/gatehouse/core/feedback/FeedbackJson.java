package io.gatehouse.core.feedback;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;

/**
 * The body of a feedback message exactly as the official service SDKs parse it (docs/messaging.md#delivery-feedback, docs/protocols.md#amqp-10): a compact
 * JSON array, camelCase keys, {@code statusCode} a string, {@code enqueuedTimeUtc} with seven fractional
 * digits and a {@code Z}. Non-ASCII characters are escaped, so the body is printable ASCII.
 */
public final class FeedbackJson {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSS'Z'").withZone(ZoneOffset.UTC);

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
            .build();

    private FeedbackJson() {
    }

    @JsonPropertyOrder({"originalMessageId", "enqueuedTimeUtc", "statusCode", "description", "deviceId",
            "deviceGenerationId"})
    record Wire(String originalMessageId, String enqueuedTimeUtc, String statusCode, String description,
                String deviceId, String deviceGenerationId) {
    }

    public static byte[] encode(List<FeedbackRecord> records) {
        Wire[] wire = records.stream()
                .map(r -> new Wire(r.originalMessageId(), formatTime(r.time()), r.status().statusCode(),
                        r.status().description(), r.deviceId(), r.deviceGenerationId()))
                .toArray(Wire[]::new);
        try {
            return MAPPER.writeValueAsBytes(wire);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("feedback records are always serializable", e);
        }
    }

    public static List<FeedbackRecord> decode(byte[] body) {
        try {
            Wire[] wire = MAPPER.readValue(new String(body, StandardCharsets.US_ASCII), Wire[].class);
            return Arrays.stream(wire)
                    .map(w -> new FeedbackRecord(w.originalMessageId(), Instant.parse(w.enqueuedTimeUtc()),
                            FeedbackStatus.fromStatusCode(w.statusCode()), w.deviceId(), w.deviceGenerationId()))
                    .toList();
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a feedback body: " + e.getOriginalMessage(), e);
        }
    }

    public static String formatTime(Instant time) {
        return TIME.format(time);
    }
}
