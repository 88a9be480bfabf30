package io.gatehouse.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.events.D2cEvent;
import io.gatehouse.core.events.EventReader;
import io.gatehouse.core.events.StartPosition;
import io.gatehouse.core.feedback.FeedbackJson;
import io.gatehouse.core.feedback.FeedbackRecord;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.feedback.FeedbackStatus;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.queue.QueueStats;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.testing.RecordingSink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.qpid.protonj2.client.Connection;
import org.apache.qpid.protonj2.client.Delivery;
import org.apache.qpid.protonj2.client.DeliveryMode;
import org.apache.qpid.protonj2.client.Message;
import org.apache.qpid.protonj2.client.Receiver;
import org.apache.qpid.protonj2.client.ReceiverOptions;
import org.apache.qpid.protonj2.client.Rejected;
import org.apache.qpid.protonj2.client.Sender;
import org.apache.qpid.protonj2.client.Tracker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Device links (docs/messaging.md#device-to-cloud-telemetry, docs/messaging.md#the-lifecycle, docs/protocols.md#amqp-10) with a general AMQP 1.0 client. */
class DeviceLinksTest {

    private static final DeviceId D1 = DeviceId.of("d1");

    private TestHub hub;
    private AmqpClients clients;
    private Device d1;

    @BeforeEach
    void start() throws Exception {
        hub = TestHub.plain(HubSettings.defaults().with("cloudToDevice.feedback.batchWindowAsIso8601", "PT0S"),
                AmqpOptions.defaults());
        clients = new AmqpClients();
        d1 = hub.createDevice("d1");
    }

    @AfterEach
    void stop() throws Exception {
        clients.close();
        hub.close();
    }

    private Connection deviceConnection() throws Exception {
        Connection connection = clients.anonymous(hub.port());
        assertThat(new AmqpClients.Cbs(connection).putTokenStatus(TestHub.HOST + "/devices/d1", hub.deviceToken(d1)))
                .isEqualTo(200);
        return connection;
    }

    private String enqueue(String messageId, AckMode ack) {
        MessageProperties properties = MessageProperties.builder().messageId(messageId).correlationId("corr-" + messageId)
                .userId("svc").contentType("text/plain").contentEncoding("utf-8").put("color", "blue").build();
        return hub.core.c2d().send(D1, new C2dRequest(properties, ack, null,
                ("body-" + messageId).getBytes(StandardCharsets.UTF_8))).join();
    }

    private QueueStats stats() {
        return hub.core.c2d().stats(D1).join();
    }

    private static Receiver c2dReceiver(Connection connection, int credit) throws Exception {
        Receiver receiver = connection.openReceiver("/devices/d1/messages/devicebound",
                new ReceiverOptions().autoAccept(false).creditWindow(credit));
        AmqpClients.await(receiver.openFuture());
        return receiver;
    }

    private static Delivery receive(Receiver receiver) throws Exception {
        Delivery delivery = receiver.receive(10, TimeUnit.SECONDS);
        assertThat(delivery).as("a delivery").isNotNull();
        return delivery;
    }

    @Test
    void telemetryIsAcceptedOnceStoredWithItsProperties() throws Exception {
        Sender sender = deviceConnection().openSender("/devices/d1/messages/events");
        Message<?> message = Message.create("{\"t\":21}".getBytes(StandardCharsets.UTF_8))
                .messageId("m-1").correlationId(java.util.UUID.fromString("3f2504e0-4f89-11d3-9a0c-0305e82c3301"))
                .userId("user-1".getBytes(StandardCharsets.UTF_8)).to("/devices/d1/messages/events")
                .contentType("application/json").contentEncoding("utf-8").creationTime(1_700_000_000_123L)
                .property("text", "hello").property("count", 42).property("alert", true).property("ratio", 0.5);
        Tracker tracker = sender.send(message).awaitSettlement(10, TimeUnit.SECONDS);
        assertThat(tracker.remoteState().isAccepted()).isTrue();

        D2cEvent event = readStored(1).get(0);
        MessageProperties p = event.properties();
        assertThat(p.messageId()).isEqualTo("m-1");
        assertThat(p.correlationId()).isEqualTo("3f2504e0-4f89-11d3-9a0c-0305e82c3301");
        assertThat(p.userId()).isEqualTo("user-1");
        assertThat(p.to()).isEqualTo("/devices/d1/messages/events");
        assertThat(p.contentType()).isEqualTo("application/json");
        assertThat(p.contentEncoding()).isEqualTo("utf-8");
        assertThat(p.creationTimeUtc()).isEqualTo("2023-11-14T22:13:20.123Z");
        assertThat(p.application()).containsEntry("text", "hello").containsEntry("count", "42")
                .containsEntry("alert", "true").containsEntry("ratio", "0.5");
        assertThat(event.source().deviceId()).isEqualTo(D1);
        assertThat(event.source().generationId()).isEqualTo(d1.generationId());
        assertThat(new String(event.body(), StandardCharsets.UTF_8)).isEqualTo("{\"t\":21}");
    }

    @Test
    void aDeviceCannotForgeTheStampedConnectionProperties() throws Exception {
        Sender sender = deviceConnection().openSender("/devices/d1/messages/events");
        sender.send(Message.create(new byte[] {1}).property("iothub-connection-device-id", "someone-else"))
                .awaitAccepted(10, TimeUnit.SECONDS);
        D2cEvent event = readStored(1).get(0);
        assertThat(event.properties().application()).doesNotContainKey("iothub-connection-device-id");
        assertThat(event.source().deviceId()).isEqualTo(D1);
    }

    @Test
    void oversizedTelemetryIsRejectedAndTheLinkGoesOn() throws Exception {
        Sender sender = deviceConnection().openSender("/devices/d1/messages/events");
        Tracker tooLarge = sender.send(Message.create(new byte[300 * 1024])).awaitSettlement(10, TimeUnit.SECONDS);
        assertThat(tooLarge.remoteState().isRejected()).isTrue();
        assertThat(((Rejected) tooLarge.remoteState()).getCondition()).isEqualTo("amqp:link:message-size-exceeded");
        Tracker fine = sender.send(Message.create(new byte[1000])).awaitSettlement(10, TimeUnit.SECONDS);
        assertThat(fine.remoteState().isAccepted()).isTrue();
        assertThat(hub.core.events().appendedCount()).isEqualTo(1);
    }

    @Test
    void largeMessagesCrossInFramesOfTheSmallerMaxFrameSize() throws Exception {
        Connection connection = clients.anonymous(hub.port(),
                new org.apache.qpid.protonj2.client.ConnectionOptions().maxFrameSize(4096));
        assertThat(new AmqpClients.Cbs(connection).putTokenStatus(TestHub.HOST + "/devices/d1", hub.deviceToken(d1)))
                .isEqualTo(200);
        byte[] body = new byte[100_000];
        new java.util.Random(1).nextBytes(body);
        connection.openSender("/devices/d1/messages/events").send(Message.create(body)).awaitAccepted(10, TimeUnit.SECONDS);
        assertThat(readStored(1).get(0).body()).isEqualTo(body);

        byte[] command = new byte[30_000];
        new java.util.Random(2).nextBytes(command);
        hub.core.c2d().send(D1, C2dRequest.of("big", command)).join();
        Delivery delivery = receive(c2dReceiver(connection, 1));
        assertThat((byte[]) delivery.message().body()).isEqualTo(command);
    }

    @Test
    void c2dTransfersCarryThePropertiesTheSdkReads() throws Exception {
        enqueue("c-1", AckMode.FULL);
        Receiver receiver = c2dReceiver(deviceConnection(), 10);
        Delivery delivery = receive(receiver);
        Message<?> message = delivery.message();
        assertThat(message.body()).isEqualTo("body-c-1".getBytes(StandardCharsets.UTF_8)); // a Data section
        assertThat(message.messageId()).isEqualTo("c-1");
        assertThat(message.correlationId()).isEqualTo("corr-c-1");
        assertThat(message.to()).isEqualTo("/devices/d1/messages/devicebound");
        assertThat(new String(message.userId(), StandardCharsets.UTF_8)).isEqualTo("svc");
        assertThat(message.contentType()).isEqualTo("text/plain");
        assertThat(message.contentEncoding()).isEqualTo("utf-8");
        assertThat(message.absoluteExpiryTime()).isGreaterThan(System.currentTimeMillis());
        assertThat(message.property("iothub-ack")).isEqualTo("full");
        assertThat(message.property("color")).isEqualTo("blue");
        assertThat(message.deliveryCount()).isZero();
        delivery.accept();
        await().atMost(Duration.ofSeconds(10)).until(() -> stats().depth() == 0);
    }

    @Test
    void releasedAndModifiedAbandonWithAGrowingDeliveryCount() throws Exception {
        enqueue("c-1", AckMode.NONE);
        Receiver receiver = c2dReceiver(deviceConnection(), 10);
        receive(receiver).release();
        Delivery second = receive(receiver);
        assertThat(second.message().deliveryCount()).isEqualTo(1);
        second.modified(true, false);
        Delivery third = receive(receiver);
        assertThat(third.message().messageId()).isEqualTo("c-1");
        assertThat(third.message().deliveryCount()).isEqualTo(2);
        third.accept();
        await().atMost(Duration.ofSeconds(10)).until(() -> stats().depth() == 0);
    }

    @Test
    void rejectedAndModifiedUndeliverableHereDeadLetterWithNegativeFeedback() throws Exception {
        RecordingSink feedback = new RecordingSink();
        hub.core.feedback().openReceiver(feedback).addCredit(10);
        enqueue("rejected", AckMode.NEGATIVE);
        enqueue("undeliverable", AckMode.FULL);
        Receiver receiver = c2dReceiver(deviceConnection(), 10);
        receive(receiver).reject("app:bad", "no thanks");
        receive(receiver).modified(false, true);
        await().atMost(Duration.ofSeconds(10)).until(() -> stats().depth() == 0);
        List<FeedbackRecord> records = new java.util.ArrayList<>();
        while (records.size() < 2) {
            records.addAll(FeedbackJson.decode(feedback.await(Duration.ofSeconds(10)).message().body()));
        }
        assertThat(records).extracting(FeedbackRecord::originalMessageId).containsExactlyInAnyOrder("rejected", "undeliverable");
        assertThat(records).extracting(FeedbackRecord::status).containsOnly(FeedbackStatus.REJECTED);
    }

    @Test
    void deliveriesFollowLinkCredit() throws Exception {
        for (int i = 0; i < 3; i++) {
            enqueue("c-" + i, AckMode.NONE);
        }
        Receiver receiver = c2dReceiver(deviceConnection(), 0);
        receiver.addCredit(1);
        Delivery first = receive(receiver);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                .until(() -> stats().locked() == 1 && stats().enqueued() == 2);
        first.accept();
        receiver.addCredit(2);
        receive(receiver).accept();
        receive(receiver).accept();
        await().atMost(Duration.ofSeconds(10)).until(() -> stats().depth() == 0);
    }

    @Test
    void aPresettledReceiverCompletesOnSend() throws Exception {
        enqueue("c-1", AckMode.POSITIVE);
        Connection connection = deviceConnection();
        Receiver receiver = connection.openReceiver("/devices/d1/messages/devicebound",
                new ReceiverOptions().deliveryMode(DeliveryMode.AT_MOST_ONCE).creditWindow(5));
        Delivery delivery = receive(receiver);
        assertThat(delivery.remoteSettled()).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> stats().depth() == 0);
    }

    @Test
    void aLostLockIsSettledLocallyAndTheLateDispositionIgnored() throws Exception {
        hub.close();
        hub = TestHub.plain(HubSettings.defaults().with("cloudToDevice.lockDurationAsIso8601", "PT1S"), AmqpOptions.defaults());
        d1 = hub.createDevice("d1");
        enqueue("c-1", AckMode.NONE);
        Receiver receiver = c2dReceiver(deviceConnection(), 10);
        Delivery first = receive(receiver);
        // the 1 s lock runs out: the gateway settles the transfer and the message comes again
        await().atMost(Duration.ofSeconds(10)).until(first::remoteSettled);
        Delivery again = receive(receiver);
        assertThat(again.message().deliveryCount()).isEqualTo(1);
        first.accept();
        assertThat(stats().depth()).isEqualTo(1);
        again.accept();
        await().atMost(Duration.ofSeconds(10)).until(() -> stats().depth() == 0);
    }

    @Test
    void connectionLossAbandonsInFlightMessagesAtOnce() throws Exception {
        // the lock is a minute long: only the disconnect can make the message available again within the test
        enqueue("c-1", AckMode.NONE);
        Connection connection = deviceConnection();
        receive(c2dReceiver(connection, 10));
        assertThat(stats().locked()).isEqualTo(1);
        connection.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> stats().enqueued() == 1);
        Delivery again = receive(c2dReceiver(deviceConnection(), 10));
        assertThat(again.message().deliveryCount()).isEqualTo(1);
    }

    private List<D2cEvent> readStored(int count) throws InterruptedException {
        BlockingQueue<D2cEvent> events = new LinkedBlockingQueue<>();
        EventReader reader = hub.core.events().openReader("$Default", hub.core.events().partitionFor(D1),
                StartPosition.earliest(), events::add);
        reader.addCredit(count);
        List<D2cEvent> out = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            D2cEvent e = events.poll(10, TimeUnit.SECONDS);
            assertThat(e).as("stored event " + i).isNotNull();
            out.add(e);
        }
        reader.close();
        return out;
    }

    static Instant now() {
        return Instant.now();
    }
}
