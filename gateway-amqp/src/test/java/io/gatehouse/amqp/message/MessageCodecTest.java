package io.gatehouse.amqp.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.apache.qpid.proton.amqp.Binary;
import org.apache.qpid.proton.amqp.messaging.ApplicationProperties;
import org.apache.qpid.proton.amqp.messaging.Data;
import org.apache.qpid.proton.codec.CompositeReadableBuffer;
import org.apache.qpid.proton.message.Message;
import org.junit.jupiter.api.Test;

/** Decoding received messages: from one array where they lie, from several frames, and their strings. */
class MessageCodecTest {

    private static byte[] encoded(String messageId, String propertyValue, byte[] body) {
        Message message = Message.Factory.create();
        message.setMessageId(messageId);
        message.setAddress("/devices/d1/messages/devicebound");
        message.setApplicationProperties(new ApplicationProperties(Map.of("k", propertyValue)));
        message.setBody(new Data(new Binary(body)));
        return MessageCodec.encode(message, 64);
    }

    @Test
    void asciiAndNonAsciiStringsDecodeAsProtonJDecodesThem() {
        byte[] bytes = encoded("m-1", "grüße, 温度 ✓", new byte[] {1, 2, 3});

        Message ours = MessageCodec.decode(bytes);
        Message protons = Message.Factory.create();
        protons.decode(bytes, 0, bytes.length);

        assertThat(ours.getMessageId()).isEqualTo("m-1").isEqualTo(protons.getMessageId());
        assertThat(ours.getAddress()).isEqualTo(protons.getAddress());
        assertThat(ours.getApplicationProperties().getValue()).isEqualTo(protons.getApplicationProperties().getValue())
                .containsEntry("k", "grüße, 温度 ✓");
        assertThat(MessageBodies.bytes(ours)).containsExactly(1, 2, 3);
    }

    @Test
    void malformedUtf8InAStringIsStillRefused() {
        byte[] bytes = encoded("m-1", "abc", new byte[0]);
        int at = indexOf(bytes, "abc".getBytes(StandardCharsets.US_ASCII));
        bytes[at] = (byte) 0xC3; // a two-byte sequence's lead ...
        bytes[at + 1] = (byte) 0x28; // ... followed by a byte that cannot continue it

        assertThatThrownBy(() -> MessageCodec.decode(bytes)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDeliveryInOneArrayIsReadWhereItLiesAndOneInSeveralFramesIsJoined() {
        byte[] bytes = encoded("m-2", "v", "hello".getBytes(StandardCharsets.UTF_8));
        byte[] framed = new byte[bytes.length + 10];
        System.arraycopy(bytes, 0, framed, 5, bytes.length);

        CompositeReadableBuffer oneFrame = new CompositeReadableBuffer();
        oneFrame.append(framed);
        oneFrame.position(5).limit(5 + bytes.length);
        CompositeReadableBuffer twoFrames = new CompositeReadableBuffer();
        twoFrames.append(Arrays.copyOfRange(bytes, 0, 7));
        twoFrames.append(Arrays.copyOfRange(bytes, 7, bytes.length));

        for (CompositeReadableBuffer received : new CompositeReadableBuffer[] {oneFrame, twoFrames}) {
            Message message = MessageCodec.decode(received);
            assertThat(message.getMessageId()).isEqualTo("m-2");
            assertThat(new String(MessageBodies.bytes(message), StandardCharsets.UTF_8)).isEqualTo("hello");
        }
    }

    @Test
    void aBodyThatIsAWholeArrayIsTakenAndAPartOfOneCopied() {
        byte[] whole = {1, 2, 3};
        Message owned = Message.Factory.create();
        owned.setBody(new Data(new Binary(whole)));
        assertThat(MessageBodies.bytes(owned)).isSameAs(whole);

        Message part = Message.Factory.create();
        part.setBody(new Data(new Binary(new byte[] {9, 1, 2, 9}, 1, 2)));
        assertThat(MessageBodies.bytes(part)).containsExactly(1, 2);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = haystack.length - needle.length; i >= 0; i--) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
