package io.gatehouse.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.testing.ManualStore;
import io.gatehouse.core.testing.RecordingSink;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.apache.qpid.protonj2.client.Connection;
import org.apache.qpid.protonj2.client.Delivery;
import org.apache.qpid.protonj2.client.Message;
import org.apache.qpid.protonj2.client.Receiver;
import org.apache.qpid.protonj2.client.ReceiverOptions;
import org.apache.qpid.protonj2.client.Rejected;
import org.apache.qpid.protonj2.client.Sender;
import org.apache.qpid.protonj2.client.Tracker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Service links (docs/protocols.md#amqp-10) with a general AMQP 1.0 client; flow control towards the store. */
class ServiceLinksTest {

    private TestHub hub;
    private AmqpClients clients;
    private Connection service;
    private Device d1;

    @BeforeEach
    void start() throws Exception {
        hub = TestHub.plain(HubSettings.defaults().with("cloudToDevice.feedback.batchWindowAsIso8601", "PT0S"),
                AmqpOptions.defaults());
        clients = new AmqpClients();
        d1 = hub.createDevice("d1");
        service = clients.anonymous(hub.port());
        assertThat(new AmqpClients.Cbs(service).putTokenStatus(TestHub.HOST, hub.serviceToken("service"))).isEqualTo(200);
    }

    @AfterEach
    void stop() throws Exception {
        clients.close();
        hub.close();
    }

    private static String rejection(Tracker tracker) throws Exception {
        tracker.awaitSettlement(10, TimeUnit.SECONDS);
        assertThat(tracker.remoteState().isRejected()).as("rejected").isTrue();
        return ((Rejected) tracker.remoteState()).getCondition();
    }

    private static Message<byte[]> command(String to) throws Exception {
        Message<byte[]> message = Message.create(new byte[] {1, 2});
        message.to(to);
        return message;
    }

    @Test
    void refusedSendsAreRejectedWithTheConditionTheSdkMaps() throws Exception {
        Sender sender = service.openSender("/messages/devicebound");
        assertThat(rejection(sender.send(command("/devices/nobody/messages/devicebound")))).isEqualTo("amqp:not-found");
        for (int i = 0; i < 50; i++) {
            hub.core.c2d().send(d1.id(), C2dRequest.of("fill-" + i, new byte[1])).join();
        }
        assertThat(rejection(sender.send(command("/devices/d1/messages/devicebound")))).isEqualTo("amqp:resource-limit-exceeded");
        hub.core.c2d().purge(d1.id()).join();
        assertThat(rejection(sender.send(Message.create(new byte[70 * 1024]).to("/devices/d1/messages/devicebound"))))
                .isEqualTo("amqp:link:message-size-exceeded");
        assertThat(rejection(sender.send(command("/somewhere/else")))).isEqualTo("amqp:invalid-field");
        assertThat(rejection(sender.send(command("/devices/d1/messages/devicebound").property("iothub-ack", "sometimes"))))
                .isEqualTo("amqp:invalid-field");
        // and the link is still good
        assertThat(sender.send(command("/devices/d1/messages/deviceBound")).awaitAccepted(10, TimeUnit.SECONDS)
                .remoteState().isAccepted()).isTrue();
        assertThat(hub.core.c2d().depth(d1.id())).isEqualTo(1);
    }

    @Test
    void feedbackFlowsOnTheFeedbackLinkAndReleasedFeedbackComesBack() throws Exception {
        RecordingSink device = new RecordingSink();
        io.gatehouse.core.queue.Receiver deviceQueue = hub.core.c2d().openReceiver(d1.id(), device);
        deviceQueue.addCredit(1);
        Sender sender = service.openSender("/messages/devicebound");
        sender.send(command("/devices/d1/messages/devicebound").messageId("fb-1").property("iothub-ack", "positive"))
                .awaitAccepted(10, TimeUnit.SECONDS);
        deviceQueue.complete(device.await(Duration.ofSeconds(10)).lockToken()).join();

        // the Node SDK spells it /messages/serviceBound/feedback: addresses match case-insensitively
        Receiver feedback = service.openReceiver("/messages/serviceBound/feedback", new ReceiverOptions().autoAccept(false));
        Delivery first = feedback.receive(10, TimeUnit.SECONDS);
        Message<?> message = first.message();
        assertThat(message.contentType()).isEqualTo("application/vnd.microsoft.iothub.feedback.json");
        assertThat(new String(message.userId())).isEqualTo("gatehouse");
        assertThat(message.messageId()).isNotNull();
        String json = new String((byte[]) message.body());
        assertThat(json).contains("\"originalMessageId\":\"fb-1\"").contains("\"statusCode\":\"Success\"");
        first.release();
        Delivery again = feedback.receive(10, TimeUnit.SECONDS);
        assertThat(again.message().messageId()).isEqualTo(message.messageId());
        assertThat(again.message().deliveryCount()).isEqualTo(1);
        again.accept();
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.core.feedback().depth() == 0);
    }

    @Test
    void anExpiredTokenDetachesTheLinksItCovered() throws Exception {
        Connection shortLived = clients.anonymous(hub.port());
        String token = SasTokens.serviceToken(TestHub.HOST, "service", hub.policy("service").keys().primaryKey(),
                Instant.now().plusSeconds(4));
        assertThat(new AmqpClients.Cbs(shortLived).putTokenStatus(TestHub.HOST, token)).isEqualTo(200);
        Sender sender = shortLived.openSender("/messages/devicebound");
        AmqpClients.await(sender.openFuture());
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            try {
                sender.send(command("/devices/d1/messages/devicebound"));
                return false;
            } catch (org.apache.qpid.protonj2.client.exceptions.ClientLinkRemotelyClosedException e) {
                return e.getErrorCondition().condition().equals("amqp:unauthorized-access");
            }
        });
    }

    @Test
    void telemetryTheStoreCannotKeepIsRejectedNotAccepted() throws Exception {
        ManualStore store = new ManualStore(4);
        try (TestHub broken = TestHub.plain(HubSettings.defaults(), AmqpOptions.defaults(), store)) {
            Device device = broken.createDevice("unlucky");
            Connection connection = clients.anonymous(broken.port());
            new AmqpClients.Cbs(connection).putTokenStatus(TestHub.HOST + "/devices/unlucky", broken.deviceToken(device));
            Sender sender = connection.openSender("/devices/unlucky/messages/events");
            assertThat(sender.send(Message.create(new byte[] {1})).awaitAccepted(10, TimeUnit.SECONDS).remoteState().isAccepted())
                    .isTrue();
            store.failAppends();
            assertThat(rejection(sender.send(Message.create(new byte[] {2})))).isEqualTo("amqp:internal-error");
        }
    }

    @Test
    void aFastSenderGetsCreditOnlyAsFastAsTheStoreCommits() throws Exception {
        ManualStore store = new ManualStore(4);
        store.holdAppends();
        try (TestHub gated = TestHub.plain(HubSettings.defaults(), AmqpOptions.defaults().withInboundWindow(5), store)) {
            Device device = gated.createDevice("fast");
            Connection connection = clients.anonymous(gated.port());
            new AmqpClients.Cbs(connection).putTokenStatus(TestHub.HOST + "/devices/fast", gated.deviceToken(device));
            Sender sender = connection.openSender("/devices/fast/messages/events");
            java.util.concurrent.ExecutorService producer = java.util.concurrent.Executors.newSingleThreadExecutor();
            java.util.concurrent.Future<Tracker> lastSent = producer.submit(() -> {
                Tracker last = null;
                for (int i = 0; i < 20; i++) {
                    last = sender.send(Message.create(new byte[] {(byte) i})); // blocks while there is no credit
                }
                return last;
            });
            // a window of 5: no more than 5 messages ever wait for the store
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> store.appendsRequested() == 5);
            assertThat(gated.core.events().appendedCount()).isZero();
            store.release();
            lastSent.get(10, TimeUnit.SECONDS).awaitAccepted(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> gated.core.events().appendedCount() == 20);
            producer.shutdown();
        }
    }
}
