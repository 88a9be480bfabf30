package io.gatehouse.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.methods.MethodCall;
import io.gatehouse.core.methods.MethodResult;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.registry.Device;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.qpid.protonj2.client.Connection;
import org.apache.qpid.protonj2.client.Delivery;
import org.apache.qpid.protonj2.client.Message;
import org.apache.qpid.protonj2.client.Receiver;
import org.apache.qpid.protonj2.client.Sender;
import org.apache.qpid.protonj2.client.Tracker;
import org.apache.qpid.protonj2.client.Rejected;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The twin and method link pairs (docs/twins-and-methods.md) with a general AMQP 1.0 client. */
class TwinAndMethodLinksTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DeviceId D1 = DeviceId.of("d1");

    private TestHub hub;
    private AmqpClients clients;
    private Device d1;

    @BeforeEach
    void start() throws Exception {
        hub = TestHub.plain(HubSettings.defaults(), AmqpOptions.defaults());
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

    private static Message<byte[]> twinRequest(String operation, String resource, UUID correlationId, String body)
            throws Exception {
        Message<byte[]> message = Message.create(body.getBytes(StandardCharsets.UTF_8)).correlationId(correlationId)
                .messageId(UUID.randomUUID()).annotation("operation", operation);
        if (resource != null) {
            message.annotation("resource", resource);
        }
        return message;
    }

    private static Delivery receive(Receiver receiver) throws Exception {
        Delivery delivery = receiver.receive(10, TimeUnit.SECONDS);
        assertThat(delivery).as("a message").isNotNull();
        return delivery;
    }

    @SuppressWarnings("unchecked")
    private static String body(Delivery delivery) throws Exception {
        Object body = delivery.message().body();
        return body == null ? "" : new String((byte[]) body, StandardCharsets.UTF_8);
    }

    @Test
    void twinRequestsAreAnsweredOnTheReceiverWithTheirCorrelationIdAndStatus() throws Exception {
        Connection connection = deviceConnection();
        Receiver answers = connection.openReceiver("/devices/d1/twin");
        AmqpClients.await(answers.openFuture());
        Sender requests = connection.openSender("/devices/d1/twin");

        UUID get = UUID.randomUUID();
        requests.send(twinRequest("GET", null, get, "")).awaitAccepted(10, TimeUnit.SECONDS);
        Delivery twin = receive(answers);
        assertThat(twin.message().correlationId()).isEqualTo(get);
        assertThat(((Number) twin.message().annotation("status")).intValue()).isEqualTo(200);
        JsonNode properties = JSON.readTree(body(twin));
        assertThat(properties.at("/desired/$version").asLong()).isEqualTo(1);
        assertThat(properties.at("/reported/$version").asLong()).isEqualTo(1);

        UUID patch = UUID.randomUUID();
        requests.send(twinRequest("PATCH", "/properties/reported", patch, "{\"fw\":\"2.0\"}")).awaitAccepted(10, TimeUnit.SECONDS);
        Delivery patched = receive(answers);
        assertThat(patched.message().correlationId()).isEqualTo(patch);
        assertThat(((Number) patched.message().annotation("status")).intValue()).isEqualTo(204);
        assertThat(((Number) patched.message().annotation("version")).longValue()).isEqualTo(2);
        assertThat(hub.core.twins().get(D1).orElseThrow().reported().values().get("fw").asText()).isEqualTo("2.0");

        UUID bad = UUID.randomUUID();
        requests.send(twinRequest("PATCH", "/properties/reported", bad, "not json")).awaitAccepted(10, TimeUnit.SECONDS);
        Delivery refused = receive(answers);
        assertThat(refused.message().correlationId()).isEqualTo(bad);
        assertThat(((Number) refused.message().annotation("status")).intValue()).isEqualTo(400);
        assertThat(hub.core.twins().get(D1).orElseThrow().reported().version()).isEqualTo(2);
    }

    @Test
    void afterPutDesiredPatchesArriveInVersionOrder() throws Exception {
        Connection connection = deviceConnection();
        Receiver answers = connection.openReceiver("/devices/d1/twin");
        AmqpClients.await(answers.openFuture());
        Sender requests = connection.openSender("/devices/d1/twin");
        requests.send(twinRequest("PUT", "/notifications/twin/properties/desired", UUID.randomUUID(), ""))
                .awaitAccepted(10, TimeUnit.SECONDS);
        assertThat(((Number) receive(answers).message().annotation("status")).intValue()).isEqualTo(200);

        for (int rate = 1; rate <= 2; rate++) {
            hub.core.twins().patch(D1, null, null, JSON.readTree("{\"rate\":" + rate + "}")).join();
        }
        for (int version = 2; version <= 3; version++) {
            Delivery pushed = receive(answers);
            assertThat(pushed.message().annotation("resource")).isEqualTo("/properties/desired");
            assertThat(((Number) pushed.message().annotation("version")).longValue()).isEqualTo(version);
            assertThat(JSON.readTree(body(pushed)).get("rate").asInt()).isEqualTo(version - 1);
        }
    }

    @Test
    void aTwinRequestBeforeTheReceiverIsAttachedIsRejected() throws Exception {
        Sender requests = deviceConnection().openSender("/devices/d1/twin");
        Tracker tracker = requests.send(twinRequest("GET", null, UUID.randomUUID(), "")).awaitSettlement(10, TimeUnit.SECONDS);
        assertThat(tracker.remoteState().isRejected()).isTrue();
        assertThat(((Rejected) tracker.remoteState()).getCondition()).isEqualTo("amqp:precondition-failed");
    }

    @Test
    void methodRequestsGoToTheMethodsReceiverAndAnswersComeBackByCorrelationId() throws Exception {
        Connection connection = deviceConnection();
        Receiver methodRequests = connection.openReceiver("/devices/d1/methods/devicebound");
        AmqpClients.await(methodRequests.openFuture());
        Sender methodAnswers = connection.openSender("/devices/d1/methods/devicebound");
        AmqpClients.await(methodAnswers.openFuture());

        CompletableFuture<MethodResult> result = hub.core.methods().invoke(D1, new MethodCall("reboot",
                "{\"now\":true}".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30), Duration.ofSeconds(10)));
        Delivery request = receive(methodRequests);
        assertThat(request.message().property("IoThub-methodname")).isEqualTo("reboot");
        assertThat(body(request)).isEqualTo("{\"now\":true}");
        Object requestId = request.message().correlationId();
        assertThat(requestId).isInstanceOf(UUID.class);

        Tracker noStatus = methodAnswers.send(Message.create("{}".getBytes(StandardCharsets.UTF_8)).correlationId(requestId))
                .awaitSettlement(10, TimeUnit.SECONDS);
        assertThat(noStatus.remoteState().isRejected()).isTrue();
        assertThat(result).isNotDone();

        methodAnswers.send(Message.create("{\"ok\":1}".getBytes(StandardCharsets.UTF_8)).correlationId(requestId)
                .property("IoThub-status", 200)).awaitAccepted(10, TimeUnit.SECONDS);
        MethodResult answer = result.get(10, TimeUnit.SECONDS);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(new String(answer.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"ok\":1}");
    }

    @Test
    void closingTheMethodsReceiverEndsTheSubscription() throws Exception {
        Connection connection = deviceConnection();
        Receiver methodRequests = connection.openReceiver("/devices/d1/methods/devicebound");
        AmqpClients.await(methodRequests.openFuture());
        AmqpClients.await(methodRequests.closeAsync());
        CompletableFuture<MethodResult> result = hub.core.methods().invoke(D1, new MethodCall("x", new byte[0],
                Duration.ofSeconds(30), Duration.ZERO));
        assertThat(result).failsWithin(Duration.ofSeconds(10)).withThrowableThat().withMessageContaining("not online");
    }
}
