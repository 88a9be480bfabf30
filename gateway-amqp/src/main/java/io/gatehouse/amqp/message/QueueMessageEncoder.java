package io.gatehouse.amqp.message;

import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.QueueMessage;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.qpid.proton.amqp.Binary;
import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.proton.amqp.UnsignedInteger;
import org.apache.qpid.proton.amqp.messaging.ApplicationProperties;
import org.apache.qpid.proton.amqp.messaging.Header;
import org.apache.qpid.proton.amqp.messaging.MessageAnnotations;
import org.apache.qpid.proton.amqp.messaging.Properties;
import org.apache.qpid.proton.message.Message;

/**
 * A locked queue message (C2D to a device, or feedback to a service) as an AMQP transfer (docs/protocols.md#amqp-10): a Data body;
 * {@code to}, {@code message-id}, {@code correlation-id}, {@code user-id}, content type and encoding and
 * {@code absolute-expiry-time} when set; application properties with non-null values only (the Java device SDK
 * calls {@code toString()} on each), plus {@code iothub-ack} on C2D messages; header {@code delivery-count} =
 * earlier failed deliveries ({@code deliveryCount - 1}); annotation {@code iothub-enqueuedtime}.
 */
public final class QueueMessageEncoder {

    private static final Symbol ENQUEUED_TIME = Symbol.valueOf("iothub-enqueuedtime");

    private QueueMessageEncoder() {
    }

    public static Message encode(Delivery delivery, boolean withAck) {
        QueueMessage qm = delivery.message();
        MessageProperties mp = qm.properties();
        Message message = Message.Factory.create();

        Header header = new Header();
        header.setDurable(true);
        header.setDeliveryCount(UnsignedInteger.valueOf(Math.max(0, delivery.deliveryCount() - 1)));
        message.setHeader(header);

        Properties p = new Properties();
        p.setMessageId(mp.messageId());
        p.setTo(mp.to());
        p.setCorrelationId(mp.correlationId());
        if (mp.userId() != null) {
            p.setUserId(new Binary(mp.userId().getBytes(StandardCharsets.UTF_8)));
        }
        if (mp.contentType() != null) {
            p.setContentType(Symbol.valueOf(mp.contentType()));
        }
        if (mp.contentEncoding() != null) {
            p.setContentEncoding(Symbol.valueOf(mp.contentEncoding()));
        }
        p.setAbsoluteExpiryTime(Date.from(qm.expiryTime()));
        message.setProperties(p);

        Map<String, Object> app = new LinkedHashMap<>(mp.application());
        if (withAck) {
            app.put(C2dRequestMapper.ACK_PROPERTY, qm.ack().wireName());
        }
        message.setApplicationProperties(new ApplicationProperties(app));

        Map<Symbol, Object> annotations = new LinkedHashMap<>();
        annotations.put(ENQUEUED_TIME, Date.from(qm.enqueuedTime()));
        message.setMessageAnnotations(new MessageAnnotations(annotations));

        message.setBody(MessageBodies.data(qm.body()));
        return message;
    }

    public static int sizeHint(Delivery delivery) {
        return delivery.message().body().length + delivery.message().properties().approximateSize() * 2 + 256;
    }
}
