package io.gatehouse.core.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.Receiver;
import io.gatehouse.core.testing.ManualCore;
import io.gatehouse.core.testing.RecordingSink;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Example;

/**
 * Whatever message id a service sends, a feedback body is printable ASCII without backslashes (the Java
 * service SDK reads it through proton's {@code Binary.toString()}, which turns any other byte into a
 * {@code \x..} escape and breaks the JSON): ids that JSON would have to escape are refused at send instead.
 */
class FeedbackBodyPropertyTest {

    private static final DeviceId D1 = DeviceId.of("d1");

    @Provide
    Arbitrary<String> messageIds() {
        return Arbitraries.oneOf(
                Arbitraries.strings().ascii().ofMinLength(1).ofMaxLength(60),
                Arbitraries.strings().all().ofMinLength(1).ofMaxLength(20),
                Arbitraries.strings().withChars("\"\\/'{}[]:,é\u0000\n\t\u007f").ofMinLength(1).ofMaxLength(5));
    }

    @Property(tries = 150)
    void feedbackBodiesArePrintableAsciiWithoutEscapes(@ForAll("messageIds") String messageId) {
        try (ManualCore hub = new ManualCore(HubSettings.defaults().with(HubSettings.FEEDBACK_BATCH_WINDOW.property(), "PT0S"))) {
            hub.createDevice("d1");
            CompletableFuture<String> sent = hub.core.c2d().send(D1, new C2dRequest(
                    MessageProperties.builder().messageId(messageId).build(), AckMode.FULL, null, new byte[1]));
            hub.run();
            if (sent.isCompletedExceptionally()) {
                assertThat(refusal(sent).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                assertThat(needsEscaping(messageId)).as("refused only if JSON would escape it").isTrue();
                return;
            }
            assertThat(needsEscaping(messageId)).as("accepted only if JSON needs no escape").isFalse();
            RecordingSink sink = new RecordingSink();
            Receiver r = hub.core.c2d().openReceiver(D1, sink);
            r.addCredit(1);
            hub.run();
            hub.await(r.reject(sink.poll().lockToken()));

            RecordingSink fb = new RecordingSink();
            hub.core.feedback().openReceiver(fb).addCredit(1);
            hub.run();
            Delivery feedback = fb.poll();
            byte[] body = feedback.message().body();
            for (byte b : body) {
                assertThat(b >= 0x20 && b <= 0x7e && b != '\\').as("byte %d of %s", b, new String(body)).isTrue();
            }
            assertThat(FeedbackJson.decode(body)).singleElement()
                    .extracting(FeedbackRecord::originalMessageId).isEqualTo(messageId);
        }
    }

    @Example
    void idsThatJsonWouldEscapeAreRefusedWithAClearReason() {
        try (ManualCore hub = new ManualCore()) {
            hub.createDevice("d1");
            for (String id : new String[] {"say \"hi\"", "back\\slash", "caf\u00e9", "line\nbreak", "nul\u0000"}) {
                CompletableFuture<String> sent = hub.core.c2d().send(D1, new C2dRequest(
                        MessageProperties.builder().messageId(id).build(), AckMode.NONE, null, new byte[1]));
                hub.run();
                GatewayException e = refusal(sent);
                assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                assertThat(e.getMessage()).contains("message-id").contains("printable ASCII");
            }
            assertThat(hub.core.c2d().depth(D1)).isZero();
        }
    }

    private static boolean needsEscaping(String s) {
        return s.chars().anyMatch(c -> c < 0x20 || c > 0x7e || c == '"' || c == '\\');
    }

    private static GatewayException refusal(CompletableFuture<?> f) {
        try {
            f.join();
            throw new AssertionError("expected a refusal");
        } catch (CompletionException e) {
            return GatewayException.unwrap(e);
        }
    }
}
