package io.gatehouse.amqp.message;

import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import java.nio.charset.StandardCharsets;
import org.apache.qpid.proton.amqp.Binary;
import org.apache.qpid.proton.amqp.messaging.AmqpValue;
import org.apache.qpid.proton.amqp.messaging.Data;
import org.apache.qpid.proton.amqp.messaging.Section;
import org.apache.qpid.proton.message.Message;

/**
 * Message bodies as bytes. IoT Hub messages carry a Data section; an AmqpValue holding a binary or a string
 * (as UTF-8) is accepted too, and no body means an empty one. Other bodies are refused.
 */
public final class MessageBodies {

    private MessageBodies() {
    }

    /** The body's bytes; for a message decoded from the wire, its own array, which nothing else holds. */
    public static byte[] bytes(Message message) {
        Section body = message.getBody();
        if (body == null) {
            return new byte[0];
        }
        if (body instanceof Data data) {
            return bytesOf(data.getValue());
        }
        if (body instanceof AmqpValue value) {
            Object v = value.getValue();
            if (v == null) {
                return new byte[0];
            }
            if (v instanceof Binary binary) {
                return bytesOf(binary);
            }
            if (v instanceof String text) {
                return text.getBytes(StandardCharsets.UTF_8);
            }
        }
        throw new GatewayException(ErrorCode.INVALID_ARGUMENT,
                "the message body must be a data section (or an amqp-value holding binary or string)");
    }

    /**
     * The binary's bytes: its own array when the binary is all of it, as one proton-j decoded is (it copies a
     * binary out of the frame into an array of its own), a copy of its part otherwise.
     */
    private static byte[] bytesOf(Binary binary) {
        if (binary == null) {
            return new byte[0];
        }
        byte[] array = binary.getArray();
        if (binary.getArrayOffset() == 0 && binary.getLength() == array.length) {
            return array;
        }
        byte[] out = new byte[binary.getLength()];
        System.arraycopy(binary.getArray(), binary.getArrayOffset(), out, 0, out.length);
        return out;
    }

    public static Data data(byte[] body) {
        return new Data(new Binary(body));
    }
}
