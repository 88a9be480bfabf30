package io.gatehouse.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.microsoft.azure.sdk.iot.device.ClientOptions;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.IotHubMessageResult;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubDeviceMaximumQueueDepthExceededException;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubNotFoundException;
import com.microsoft.azure.sdk.iot.service.messaging.AcknowledgementType;
import com.microsoft.azure.sdk.iot.service.messaging.DeliveryAcknowledgement;
import com.microsoft.azure.sdk.iot.service.messaging.FeedbackBatch;
import com.microsoft.azure.sdk.iot.service.messaging.FeedbackRecord;
import com.microsoft.azure.sdk.iot.service.messaging.FeedbackStatusCode;
import com.microsoft.azure.sdk.iot.service.messaging.IotHubServiceClientProtocol;
import com.microsoft.azure.sdk.iot.service.messaging.Message;
import com.microsoft.azure.sdk.iot.service.messaging.MessageFeedbackProcessorClient;
import com.microsoft.azure.sdk.iot.service.messaging.MessageFeedbackProcessorClientOptions;
import com.microsoft.azure.sdk.iot.service.messaging.MessagingClient;
import com.microsoft.azure.sdk.iot.service.messaging.MessagingClientOptions;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.events.D2cEvent;
import io.gatehouse.core.events.EventReader;
import io.gatehouse.core.events.StartPosition;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.Receiver;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.testing.RecordingSink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The official Azure IoT device SDK (iot-device-client 2.5.0) and service SDK (iot-service-client 2.1.9) for Java,
 * unmodified, over AMQPS. The SDKs hard-code port 5671, so every SDK test lives in this class, on one hub.
 * The client trusts only the development CA; HostName=127.0.0.1 (docs/tls-and-host-names.md).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AzureSdkAmqpsTest {

    private static final int AMQPS_PORT = 5671;
    private static final Duration WAIT = Duration.ofSeconds(30);

    private TestHub hub;
    private SSLContext ssl;
    private MessagingClient messaging;
    private MessageFeedbackProcessorClient feedbackProcessor;
    private final Queue<FeedbackBatch> batches = new ConcurrentLinkedQueue<>();
    private final Queue<FeedbackRecord> feedback = new ConcurrentLinkedQueue<>();
    private final List<DeviceClient> devices = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        hub = TestHub.tls(HubSettings.defaults().with("cloudToDevice.maxDeliveryCount", "3")
                .with("cloudToDevice.feedback.batchWindowAsIso8601", "PT0.05S"), AMQPS_PORT);
        ssl = hub.clientSslContext();
        messaging = new MessagingClient(hub.serviceConnectionString(), IotHubServiceClientProtocol.AMQPS,
                MessagingClientOptions.builder().sslContext(ssl).build());
        messaging.open();
        Function<FeedbackBatch, AcknowledgementType> processor = batch -> {
            batches.add(batch);
            feedback.addAll(batch.getRecords());
            return AcknowledgementType.COMPLETE;
        };
        feedbackProcessor = new MessageFeedbackProcessorClient(hub.serviceConnectionString(),
                IotHubServiceClientProtocol.AMQPS, processor,
                MessageFeedbackProcessorClientOptions.builder().sslContext(ssl).build());
        feedbackProcessor.start();
    }

    @AfterAll
    void stop() throws Exception {
        for (DeviceClient client : devices) {
            client.close();
        }
        feedbackProcessor.stop();
        messaging.close();
        hub.close();
    }

    private DeviceClient openDevice(Device device, Function<com.microsoft.azure.sdk.iot.device.Message, IotHubMessageResult> callback)
            throws Exception {
        DeviceClient client = new DeviceClient(hub.deviceConnectionString(device), IotHubClientProtocol.AMQPS,
                ClientOptions.builder().sslContext(ssl).build());
        if (callback != null) {
            client.setMessageCallback((message, context) -> callback.apply(message), null);
        }
        client.open(false);
        devices.add(client);
        return client;
    }

    private FeedbackRecord awaitFeedback(String messageId) {
        await().atMost(WAIT).until(() -> feedback.stream().anyMatch(r -> messageId.equals(r.getOriginalMessageId())));
        return feedback.stream().filter(r -> messageId.equals(r.getOriginalMessageId())).findFirst().orElseThrow();
    }

    private static Message c2d(String messageId, DeliveryAcknowledgement ack) {
        Message message = new Message("command " + messageId);
        message.setMessageId(messageId);
        message.setDeliveryAcknowledgement(ack);
        return message;
    }

    // ------------------------------------------------------------------ device SDK

    @Test
    void deviceSdkTelemetryIsStoredWithItsProperties() throws Exception {
        Device device = hub.createDevice("sdk-telemetry");
        DeviceClient client = openDevice(device, null);
        com.microsoft.azure.sdk.iot.device.Message message = new com.microsoft.azure.sdk.iot.device.Message("{\"temp\":21.5}");
        message.setMessageId("tm-1");
        message.setCorrelationId("corr-1");
        message.setContentType("application/json");
        message.setContentEncoding("utf-8");
        message.setProperty("alert", "false");
        message.setProperty("site", "north");
        message.setCreationTimeUTC(new Date(1_700_000_000_000L));
        client.sendEvent(message);

        BlockingQueue<D2cEvent> events = new LinkedBlockingQueue<>();
        DeviceId id = device.id();
        EventReader reader = hub.core.events().openReader("$Default", hub.core.events().partitionFor(id),
                StartPosition.earliest(), e -> {
                    if (e.source().deviceId().equals(id)) {
                        events.add(e);
                    }
                });
        reader.addCredit(1000);
        D2cEvent event = events.poll(30, TimeUnit.SECONDS);
        reader.close();
        assertThat(event).isNotNull();
        assertThat(new String(event.body(), StandardCharsets.UTF_8)).isEqualTo("{\"temp\":21.5}");
        assertThat(event.properties().messageId()).isEqualTo("tm-1");
        assertThat(event.properties().correlationId()).isEqualTo("corr-1");
        assertThat(event.properties().contentType()).isEqualTo("application/json");
        assertThat(event.properties().contentEncoding()).isEqualTo("utf-8");
        assertThat(event.properties().creationTimeUtc()).startsWith("2023-11-14T22:13:20");
        assertThat(event.properties().application()).containsEntry("alert", "false").containsEntry("site", "north");
        assertThat(event.source().generationId()).isEqualTo(device.generationId());
    }

    @Test
    void deviceSdkCompletesAC2dMessageAndTheServiceGetsPositiveFeedback() throws Exception {
        Device device = hub.createDevice("sdk-complete");
        BlockingQueue<com.microsoft.azure.sdk.iot.device.Message> received = new LinkedBlockingQueue<>();
        openDevice(device, m -> {
            received.add(m);
            return IotHubMessageResult.COMPLETE;
        });
        Message message = c2d("complete-1", DeliveryAcknowledgement.Full);
        message.setCorrelationId("corr-c1");
        message.getProperties().put("kind", "reboot");
        messaging.send("sdk-complete", message);

        com.microsoft.azure.sdk.iot.device.Message got = received.poll(30, TimeUnit.SECONDS);
        assertThat(got).isNotNull();
        assertThat(new String(got.getBytes(), StandardCharsets.UTF_8)).isEqualTo("command complete-1");
        assertThat(got.getMessageId()).isEqualTo("complete-1");
        assertThat(got.getCorrelationId()).isEqualTo("corr-c1");
        assertThat(got.getProperty("kind")).isEqualTo("reboot");

        FeedbackRecord record = awaitFeedback("complete-1");
        assertThat(record.getStatusCode()).isEqualTo(FeedbackStatusCode.success);
        assertThat(record.getDeviceId()).isEqualTo("sdk-complete");
        assertThat(record.getDeviceGenerationId()).isEqualTo(device.generationId());
        assertThat(record.getDescription()).isEqualTo("Success");
        assertThat(record.getEnqueuedTimeUtc()).isNotNull();
        assertThat(hub.core.c2d().depth(device.id())).isZero();
    }

    @Test
    void aLargeC2dMessageReachesTheSdkInFramesOfItsMaxFrameSize() throws Exception {
        // the device SDK asks for 4096-byte frames: 40 KB arrives as a multi-frame transfer
        Device device = hub.createDevice("sdk-large");
        BlockingQueue<com.microsoft.azure.sdk.iot.device.Message> received = new LinkedBlockingQueue<>();
        openDevice(device, m -> {
            received.add(m);
            return IotHubMessageResult.COMPLETE;
        });
        byte[] body = new byte[40_000];
        new java.util.Random(7).nextBytes(body);
        Message message = new Message(body);
        message.setMessageId("large-1");
        messaging.send("sdk-large", message);
        com.microsoft.azure.sdk.iot.device.Message got = received.poll(30, TimeUnit.SECONDS);
        assertThat(got).isNotNull();
        assertThat(got.getBytes()).isEqualTo(body);
    }

    @Test
    void deviceSdkAbandonRedeliversWithAGrowingDeliveryCount() throws Exception {
        Device device = hub.createDevice("sdk-abandon");
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        openDevice(device, m -> {
            seen.add(m.getMessageId());
            // abandon twice, complete the third delivery: maxDeliveryCount is 3, so the count must have grown
            return seen.size() < 3 ? IotHubMessageResult.ABANDON : IotHubMessageResult.COMPLETE;
        });
        messaging.send("sdk-abandon", c2d("abandon-1", DeliveryAcknowledgement.Full));
        FeedbackRecord record = awaitFeedback("abandon-1");
        assertThat(seen).containsExactly("abandon-1", "abandon-1", "abandon-1");
        assertThat(record.getStatusCode()).isEqualTo(FeedbackStatusCode.success);
    }

    @Test
    void deviceSdkRejectDeadLettersWithNegativeFeedback() throws Exception {
        Device device = hub.createDevice("sdk-reject");
        openDevice(device, m -> IotHubMessageResult.REJECT);
        messaging.send("sdk-reject", c2d("reject-1", DeliveryAcknowledgement.NegativeOnly));
        FeedbackRecord record = awaitFeedback("reject-1");
        assertThat(record.getStatusCode()).isEqualTo(FeedbackStatusCode.rejected);
        assertThat(record.getDeviceId()).isEqualTo("sdk-reject");
        assertThat(hub.core.c2d().depth(device.id())).isZero();
    }

    @Test
    void alwaysAbandonedMessagesEndWithDeliveryCountExceeded() throws Exception {
        Device device = hub.createDevice("sdk-exceeded");
        openDevice(device, m -> IotHubMessageResult.ABANDON);
        messaging.send("sdk-exceeded", c2d("exceeded-1", DeliveryAcknowledgement.Full));
        assertThat(awaitFeedback("exceeded-1").getStatusCode()).isEqualTo(FeedbackStatusCode.deliveryCountExceeded);
    }

    // ------------------------------------------------------------------ service SDK

    @Test
    void serviceSdkSendsWithEveryAcknowledgementMode() throws Exception {
        Device device = hub.createDevice("sdk-acks");
        RecordingSink sink = new RecordingSink();
        Receiver receiver = hub.core.c2d().openReceiver(device.id(), sink);
        receiver.addCredit(10);
        DeliveryAcknowledgement[] modes = DeliveryAcknowledgement.values();
        for (DeliveryAcknowledgement mode : modes) {
            Message message = c2d("ack-" + mode, mode);
            message.setUserId("ops");
            message.setExpiryTimeUtc(new Date(System.currentTimeMillis() + 600_000));
            messaging.send("sdk-acks", message);
        }
        List<Delivery> deliveries = new ArrayList<>();
        for (int i = 0; i < modes.length; i++) {
            deliveries.add(sink.await(WAIT));
        }
        assertThat(deliveries).extracting(d -> d.message().ack())
                .containsExactly(AckMode.NONE, AckMode.NEGATIVE, AckMode.POSITIVE, AckMode.FULL);
        Delivery first = deliveries.get(0);
        assertThat(first.message().messageId()).isEqualTo("ack-None");
        assertThat(first.message().properties().to()).isEqualTo("/devices/sdk-acks/messages/devicebound");
        assertThat(first.message().properties().userId()).isEqualTo("ops");
        assertThat(first.message().properties().correlationId()).isNotNull();
        assertThat(first.message().properties().application()).doesNotContainKey("iothub-ack");
        assertThat(first.message().expiryTime().toEpochMilli()).isGreaterThan(System.currentTimeMillis() + 500_000);
        receiver.close();
    }

    @Test
    void serviceSdkMessageWithoutAnIdGetsOne() throws Exception {
        Device device = hub.createDevice("sdk-noid");
        RecordingSink sink = new RecordingSink();
        hub.core.c2d().openReceiver(device.id(), sink).addCredit(1);
        messaging.send("sdk-noid", new Message("no id"));
        assertThat(sink.await(WAIT).message().messageId()).isNotBlank();
    }

    @Test
    void serviceSdkRaisesItsOwnExceptionsForUnknownDevicesAndFullQueues() throws Exception {
        assertThatThrownBy(() -> messaging.send("no-such-device", c2d("x", DeliveryAcknowledgement.None)))
                .isInstanceOf(IotHubNotFoundException.class);
        Device device = hub.createDevice("sdk-full");
        for (int i = 0; i < hub.core.settings().c2dMaxQueueDepth(); i++) {
            hub.core.c2d().send(device.id(), C2dRequest.of("fill-" + i, new byte[1])).join();
        }
        assertThatThrownBy(() -> messaging.send("sdk-full", c2d("one-too-many", DeliveryAcknowledgement.None)))
                .isInstanceOf(IotHubDeviceMaximumQueueDepthExceededException.class)
                .hasMessageContaining("IotHubDeviceMaximumQueueDepthExceeded");
        // the connection survives refusals
        Device other = hub.createDevice("sdk-after-refusal");
        messaging.send("sdk-after-refusal", c2d("fine", DeliveryAcknowledgement.None));
        assertThat(hub.core.c2d().depth(other.id())).isEqualTo(1);
    }

    @Test
    void feedbackBatchesCarryEveryField() throws Exception {
        Device device = hub.createDevice("sdk-feedback");
        openDevice(device, m -> IotHubMessageResult.COMPLETE);
        messaging.send("sdk-feedback", c2d("fb-1", DeliveryAcknowledgement.PositiveOnly));
        messaging.send("sdk-feedback", c2d("fb-2", DeliveryAcknowledgement.Full));
        FeedbackRecord one = awaitFeedback("fb-1");
        FeedbackRecord two = awaitFeedback("fb-2");
        for (FeedbackRecord record : List.of(one, two)) {
            assertThat(record.getStatusCode()).isEqualTo(FeedbackStatusCode.success);
            assertThat(record.getDescription()).isEqualTo("Success");
            assertThat(record.getDeviceId()).isEqualTo("sdk-feedback");
            assertThat(record.getDeviceGenerationId()).isEqualTo(device.generationId());
            assertThat(record.getEnqueuedTimeUtc()).isNotNull();
            assertThat(record.getEnqueuedTimeUtc().getTime()).isBetween(System.currentTimeMillis() - 60_000, System.currentTimeMillis());
        }
        FeedbackBatch batch = batches.stream().filter(b -> b.getRecords().contains(one)).findFirst().orElseThrow();
        assertThat(batch.getEnqueuedTimeUtc()).isNotNull();
    }

    @Test
    void expiredMessagesProduceExpiredFeedback() throws Exception {
        Device device = hub.createDevice("sdk-expired");
        Message message = c2d("expired-1", DeliveryAcknowledgement.NegativeOnly);
        message.setExpiryTimeUtc(new Date(System.currentTimeMillis() + 1_000));
        messaging.send("sdk-expired", message);
        assertThat(awaitFeedback("expired-1").getStatusCode()).isEqualTo(FeedbackStatusCode.expired);
        assertThat(hub.core.c2d().depth(device.id())).isZero();
    }
}
