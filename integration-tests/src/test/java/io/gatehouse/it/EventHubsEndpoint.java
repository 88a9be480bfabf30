package io.gatehouse.it;

import com.azure.messaging.eventhubs.EventHubClientBuilder;
import com.azure.messaging.eventhubs.EventProcessorClientBuilder;
import javax.net.ssl.SSLContext;

/**
 * A gateway process's Event Hub-compatible endpoint as the Event Hubs SDK reaches it: the connection string the start
 * banner prints, and the gateway's ephemeral AMQPS port as the SDK's custom endpoint address (the host stays the one
 * the string names, so TLS checks it). The SDK builds its TLS context with {@code SSLContext.getDefault()} and has no
 * option for another; {@link #trustOnlyTheGatewayCa} makes that default trust the gateway's development CA alone.
 */
final class EventHubsEndpoint {

    private final String connectionString;
    private final String customEndpoint;

    EventHubsEndpoint(GatewayProcess gateway) {
        this.connectionString = gateway.stdout().stream()
                .filter(line -> line.contains("Event Hub-compatible:"))
                .map(line -> line.substring(line.indexOf("Endpoint=")))
                .findFirst().orElseThrow(() -> new AssertionError("no Event Hub-compatible line in the banner"));
        this.customEndpoint = "https://localhost:" + gateway.port("amqp");
    }

    /** Replaces the JVM's default TLS context; returns the previous one to restore. */
    static SSLContext trustOnlyTheGatewayCa(GatewayProcess gateway) throws Exception {
        SSLContext previous = SSLContext.getDefault();
        SSLContext.setDefault(DevelopmentCaTrust.sslContext(gateway.caCertificate()));
        return previous;
    }

    String connectionString() {
        return connectionString;
    }

    /** The connection string with another key in place of the printed one. */
    String connectionStringWithKey(String key) {
        return connectionString.replaceFirst("SharedAccessKey=[^;]+", "SharedAccessKey=" + key);
    }

    String eventHubName() {
        return GatewayProcess.parts(connectionString).get("EntityPath");
    }

    EventHubClientBuilder client(String consumerGroup) {
        return new EventHubClientBuilder().connectionString(connectionString).consumerGroup(consumerGroup)
                .customEndpointAddress(customEndpoint);
    }

    EventProcessorClientBuilder processor(String consumerGroup) {
        return new EventProcessorClientBuilder().connectionString(connectionString).consumerGroup(consumerGroup)
                .customEndpointAddress(customEndpoint);
    }
}
