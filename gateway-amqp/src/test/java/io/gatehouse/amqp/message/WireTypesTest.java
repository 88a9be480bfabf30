package io.gatehouse.amqp.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.amqp.auth.CbsPutToken;
import io.gatehouse.amqp.eventhub.EventMessageEncoder;
import io.gatehouse.core.events.D2cEvent;
import io.gatehouse.core.events.EventSource;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.LockToken;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.QueueMessage;
import io.gatehouse.core.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.qpid.proton.amqp.Binary;
import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.proton.amqp.UnsignedInteger;
import org.apache.qpid.proton.amqp.UnsignedLong;
import org.apache.qpid.proton.amqp.messaging.AmqpSequence;
import org.apache.qpid.proton.amqp.messaging.AmqpValue;
import org.apache.qpid.proton.amqp.messaging.ApplicationProperties;
import org.apache.qpid.proton.amqp.messaging.Data;
import org.apache.qpid.proton.amqp.messaging.Properties;
import org.apache.qpid.proton.message.Message;
import org.junit.jupiter.api.Test;

/** The AMQP types on the wire, decoded with proton-j as the Java SDKs and Event Hubs clients do. */
class WireTypesTest {

    private static Message roundTrip(Message message) {
        return MessageCodec.decode(MessageCodec.encode(message, 64));
    }

    @Test
    void c2dTransfersHaveADataBodyStringPropertiesAndFailedDeliveryCount() {
        MessageProperties properties = MessageProperties.builder().messageId("m1").correlationId("c1").userId("svc")
                .to("/devices/d1/messages/devicebound").contentType("text/plain").contentEncoding("utf-8")
                .put("k", "v").build();
        Instant expiry = Instant.parse("2030-01-01T00:00:00Z");
        QueueMessage qm = new QueueMessage(properties, AckMode.FULL, Instant.parse("2029-12-31T00:00:00Z"), expiry,
                "hi".getBytes(StandardCharsets.UTF_8));
        Message m = roundTrip(QueueMessageEncoder.encode(new Delivery(LockToken.next(), 3, qm), true));
        assertThat(m.getBody()).isInstanceOf(Data.class);
        assertThat(m.getHeader().getDeliveryCount()).isEqualTo(UnsignedInteger.valueOf(2));
        assertThat(m.getMessageId()).isEqualTo("m1");
        assertThat(m.getCorrelationId()).isEqualTo("c1");
        assertThat(m.getUserId()).isEqualTo("svc".getBytes(StandardCharsets.UTF_8));
        assertThat(m.getContentType()).isEqualTo("text/plain");
        assertThat(m.getProperties().getAbsoluteExpiryTime()).isEqualTo(Date.from(expiry));
        assertThat(m.getApplicationProperties().getValue()).containsEntry("k", "v").containsEntry("iothub-ack", "full")
                .allSatisfy((key, value) -> assertThat(value).isInstanceOf(String.class));
        Message feedback = roundTrip(QueueMessageEncoder.encode(new Delivery(LockToken.next(), 1, qm), false));
        assertThat(feedback.getApplicationProperties().getValue()).doesNotContainKey("iothub-ack");
    }

    @Test
    void eventAnnotationsHaveTheTypesEventHubsClientsCast() {
        Instant enqueued = Instant.parse("2030-01-01T00:00:01.500Z");
        D2cEvent event = new D2cEvent(2, 41, 9000, enqueued, new EventSource(DeviceId.of("d1"), "gen", "{}"),
                MessageProperties.builder().messageId("e1").creationTimeUtc("2030-01-01T00:00:00Z").build(), new byte[] {5});
        Message m = roundTrip(EventMessageEncoder.encode(event));
        Map<Symbol, Object> a = m.getMessageAnnotations().getValue();
        assertThat(a.get(Symbol.valueOf("x-opt-sequence-number"))).isEqualTo(41L);
        assertThat(a.get(Symbol.valueOf("x-opt-offset"))).isEqualTo("9000");
        assertThat(a.get(Symbol.valueOf("x-opt-enqueued-time"))).isEqualTo(Date.from(enqueued));
        assertThat(a.get(Symbol.valueOf("iothub-enqueuedtime"))).isEqualTo(Date.from(enqueued));
        assertThat(a.get(Symbol.valueOf("iothub-connection-device-id"))).isEqualTo("d1");
        assertThat(a.get(Symbol.valueOf("iothub-connection-auth-generation-id"))).isEqualTo("gen");
        assertThat(a.get(Symbol.valueOf("iothub-message-source"))).isEqualTo("Telemetry");
        assertThat(m.getCreationTime()).isEqualTo(Instant.parse("2030-01-01T00:00:00Z").toEpochMilli());
        assertThat(m.getBody()).isInstanceOf(Data.class);
    }

    @Test
    void cbsRepliesKeepTheUuidAndAnIntStatus() {
        Message request = Message.Factory.create();
        Properties p = new Properties();
        UUID id = UUID.randomUUID();
        p.setMessageId(id);
        p.setReplyTo("cbs");
        request.setProperties(p);
        Message reply = roundTrip(CbsPutToken.reply(request, 200, "OK"));
        assertThat(reply.getCorrelationId()).isEqualTo(id);
        assertThat(reply.getApplicationProperties().getValue().get("status-code")).isEqualTo(200);
        assertThat(reply.getAddress()).isEqualTo("cbs");
    }

    @Test
    void telemetryPropertiesBecomeStrings() {
        Message m = Message.Factory.create();
        Properties p = new Properties();
        p.setMessageId(UnsignedLong.valueOf(12));
        p.setCorrelationId(new Binary("corr".getBytes(StandardCharsets.UTF_8)));
        p.setUserId(new Binary("u".getBytes(StandardCharsets.UTF_8)));
        p.setContentType(Symbol.valueOf("application/json"));
        m.setProperties(p);
        Map<String, Object> app = new LinkedHashMap<>();
        app.put("int", 5);
        app.put("bool", false);
        app.put("time", new Date(0));
        app.put("bytes", new Binary(new byte[] {1, 2}));
        app.put("none", null);
        app.put("iothub-creation-time-utc", "2030-01-01T00:00:00Z");
        app.put("iothub-connection-device-id", "forged");
        m.setApplicationProperties(new ApplicationProperties(app));
        MessageProperties mp = D2cMessageMapper.toProperties(roundTrip(m));
        assertThat(mp.messageId()).isEqualTo("12");
        assertThat(mp.correlationId()).isEqualTo("corr");
        assertThat(mp.userId()).isEqualTo("u");
        assertThat(mp.contentType()).isEqualTo("application/json");
        assertThat(mp.creationTimeUtc()).isEqualTo("2030-01-01T00:00:00Z");
        assertThat(mp.application()).containsExactly(Map.entry("int", "5"), Map.entry("bool", "false"),
                Map.entry("time", "1970-01-01T00:00:00Z"), Map.entry("bytes", "AQI="));
    }

    @Test
    void bodies() {
        Message m = Message.Factory.create();
        assertThat(MessageBodies.bytes(m)).isEmpty();
        m.setBody(new AmqpValue("text"));
        assertThat(MessageBodies.bytes(m)).isEqualTo("text".getBytes(StandardCharsets.UTF_8));
        m.setBody(new AmqpSequence(java.util.List.of(1)));
        assertThatThrownBy(() -> MessageBodies.bytes(m)).isInstanceOf(GatewayException.class);
    }

    @Test
    void serviceMessagesNameTheirDeviceAndAck() {
        Message m = Message.Factory.create();
        Properties p = new Properties();
        p.setTo("/devices/Dev%231/messages/deviceBound");
        p.setAbsoluteExpiryTime(new Date(1_900_000_000_000L));
        m.setProperties(p);
        m.setApplicationProperties(new ApplicationProperties(new LinkedHashMap<>(Map.of("iothub-ack", "positiveonly", "x", "y"))));
        m.setBody(new Data(new Binary(new byte[] {9})));
        C2dRequestMapper.Addressed a = C2dRequestMapper.toRequest(m);
        assertThat(a.device()).isEqualTo(DeviceId.of("Dev%231"));
        assertThat(a.request().ack()).isEqualTo(AckMode.POSITIVE);
        assertThat(a.request().properties().messageId()).isNull();
        assertThat(a.request().properties().application()).containsOnlyKeys("x");
        assertThat(a.request().expiry()).isEqualTo(Instant.ofEpochMilli(1_900_000_000_000L));
        p.setTo("/devices/d1/messages/events");
        assertThatThrownBy(() -> C2dRequestMapper.toRequest(m)).isInstanceOf(GatewayException.class);
        m.setProperties(null);
        assertThatThrownBy(() -> C2dRequestMapper.toRequest(m)).isInstanceOf(GatewayException.class);
    }

    @Test
    void failuresMapToTheConditionsTheSdksKnow() {
        assertThat(AmqpErrors.fromFailure(new GatewayException(io.gatehouse.core.model.ErrorCode.QUEUE_FULL, "full"))
                .getDescription()).startsWith("IotHubDeviceMaximumQueueDepthExceeded");
        Object notFound = AmqpErrors.fromFailure(
                new GatewayException(io.gatehouse.core.model.ErrorCode.DEVICE_NOT_FOUND, "x")).getCondition();
        assertThat(notFound).isEqualTo(Symbol.valueOf("amqp:not-found"));
        Object internal = AmqpErrors.fromFailure(new IllegalStateException("boom")).getCondition();
        assertThat(internal).isEqualTo(Symbol.valueOf("amqp:internal-error"));
        // an unreachable engine: the Azure SDKs retry what they read as their ServerBusy
        Object busy = AmqpErrors.fromFailure(StoreException.unavailable("Kafka is unreachable", null)).getCondition();
        assertThat(busy).isEqualTo(Symbol.valueOf("com.microsoft:server-busy"));
    }
}
