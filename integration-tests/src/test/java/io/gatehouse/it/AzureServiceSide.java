package io.gatehouse.it;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.azure.sdk.iot.service.messaging.AcknowledgementType;
import com.microsoft.azure.sdk.iot.service.messaging.DeliveryAcknowledgement;
import com.microsoft.azure.sdk.iot.service.messaging.FeedbackBatch;
import com.microsoft.azure.sdk.iot.service.messaging.FeedbackRecord;
import com.microsoft.azure.sdk.iot.service.messaging.IotHubServiceClientProtocol;
import com.microsoft.azure.sdk.iot.service.messaging.Message;
import com.microsoft.azure.sdk.iot.service.messaging.MessageFeedbackProcessorClient;
import com.microsoft.azure.sdk.iot.service.messaging.MessageFeedbackProcessorClientOptions;
import com.microsoft.azure.sdk.iot.service.messaging.MessagingClient;
import com.microsoft.azure.sdk.iot.service.messaging.MessagingClientOptions;
import com.microsoft.azure.sdk.iot.service.registry.RegistryClient;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;

/**
 * The back end of the Azure SDK integration tests: the Java service SDK's registry, messaging and feedback
 * clients of one hub (a gateway process or a cluster behind a load balancer), trusting only its development CA, and
 * the hub's event REST route to read telemetry back. The registry client has no TLS option: it uses HttpsURLConnection's defaults, set here and
 * restored on close.
 */
final class AzureServiceSide implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(30);

    final SSLContext trustOnlyGatewayCa;
    final RestClient rest;
    final RegistryClient registry;
    final MessagingClient messaging;
    private final MessageFeedbackProcessorClient feedbackProcessor;
    private final Queue<FeedbackRecord> feedback = new ConcurrentLinkedQueue<>();
    private final SSLSocketFactory previousHttpsFactory;
    private final int partitions;

    AzureServiceSide(GatewayProcess gateway, int partitions) throws Exception {
        this(HubEndpoint.of(gateway), partitions);
    }

    AzureServiceSide(HubEndpoint hub, int partitions) throws Exception {
        this.partitions = partitions;
        trustOnlyGatewayCa = DevelopmentCaTrust.sslContext(hub.caCertificate());
        previousHttpsFactory = HttpsURLConnection.getDefaultSSLSocketFactory();
        HttpsURLConnection.setDefaultSSLSocketFactory(trustOnlyGatewayCa.getSocketFactory());
        rest = new RestClient(hub);
        registry = new RegistryClient(hub.serviceConnectionString());
        messaging = new MessagingClient(hub.serviceConnectionString(), IotHubServiceClientProtocol.AMQPS,
                MessagingClientOptions.builder().sslContext(trustOnlyGatewayCa).build());
        messaging.open();
        Function<FeedbackBatch, AcknowledgementType> collect = batch -> {
            feedback.addAll(batch.getRecords());
            return AcknowledgementType.COMPLETE;
        };
        feedbackProcessor = new MessageFeedbackProcessorClient(hub.serviceConnectionString(),
                IotHubServiceClientProtocol.AMQPS, collect,
                MessageFeedbackProcessorClientOptions.builder().sslContext(trustOnlyGatewayCa).build());
        feedbackProcessor.start();
    }

    static Message c2d(String messageId, DeliveryAcknowledgement ack) {
        Message message = new Message("command " + messageId);
        message.setMessageId(messageId);
        message.setDeliveryAcknowledgement(ack);
        return message;
    }

    FeedbackRecord awaitFeedback(String originalMessageId) {
        return await().atMost(WAIT).until(() -> feedback.stream()
                .filter(r -> originalMessageId.equals(r.getOriginalMessageId())).findFirst(), Optional::isPresent)
                .orElseThrow();
    }

    /** Reads every partition through the gateway's event-reading REST endpoint, as {@code gatehouse events tail} does. */
    JsonNode awaitEvent(String messageId) {
        return await().atMost(WAIT).until(() -> findEvent(messageId), Optional::isPresent).orElseThrow();
    }

    private Optional<JsonNode> findEvent(String messageId) throws IOException, InterruptedException {
        for (int partition = 0; partition < partitions; partition++) {
            for (JsonNode event : rest.json("GET", "/gatehouse/events/partitions/" + partition + "?max=1000", null)) {
                if (messageId.equals(event.path("systemProperties").path("messageId").asText())) {
                    return Optional.of(event);
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() throws Exception {
        try {
            feedbackProcessor.stop();
            messaging.close();
        } finally {
            HttpsURLConnection.setDefaultSSLSocketFactory(previousHttpsFactory);
        }
    }
}
