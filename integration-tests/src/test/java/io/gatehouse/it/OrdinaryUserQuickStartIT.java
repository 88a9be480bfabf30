package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.azure.sdk.iot.device.ClientOptions;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.IotHubMessageResult;
import com.microsoft.azure.sdk.iot.service.messaging.IotHubServiceClientProtocol;
import com.microsoft.azure.sdk.iot.service.messaging.Message;
import com.microsoft.azure.sdk.iot.service.messaging.MessagingClient;
import com.microsoft.azure.sdk.iot.service.messaging.MessagingClientOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quick start as a user without privileges would run it: the gateway starts with the default host name and
 * ports, HTTPS moves from 443 to its fallback port with one warning, and the unmodified Azure device and service
 * SDKs connect with the connection strings the gateway and its CLI print (no hosts file, no edits).
 */
class OrdinaryUserQuickStartIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void theHubStartsAndTheSdksConnectWithThePrintedStrings(@TempDir Path dir) throws Exception {
        int fallback = freePort();
        String config = """
                bindAddress: 127.0.0.1
                mqtt: {plainPort: 0}
                amqp: {plainPort: 0}
                https: {fallbackPort: %d}
                health: {port: 0}
                """.formatted(fallback);
        GatewayProcess gateway = GatewayProcess.configuredForOrdinaryUser(dir.resolve("data"), config)
                .orElse(null);
        Assumptions.assumeTrue(gateway != null, "running as root without setpriv: no ordinary user to run the gateway as");
        StandardPorts.awaitFree(8883, 5671); // the device and service SDKs dial these
        try (gateway) {
            gateway.start();
            assertThat(gateway.stdout()).contains("  Hub host name:              127.0.0.1");
            if (unprivilegedPortStart() > 443) {
                assertThat(gateway.port("https")).isEqualTo(fallback);
                // the log is written by a thread of its own: the line may follow the banner by a moment
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                        assertThat(gateway.log()).contains("HTTPS listens on " + fallback + " instead of 443"));
            } else {
                assertThat(gateway.port("https")).isEqualTo(443);
            }
            String serviceConnectionString = gateway.serviceConnectionString();
            assertThat(serviceConnectionString).startsWith("HostName=127.0.0.1;SharedAccessKeyName=iothubowner;");

            GatewayProcess.Result created = GatewayProcess.run(WAIT, "device", "create", "newcomer-1",
                    "--data-dir", gateway.dataDir().toString());
            assertThat(created.exitCode()).as(created.stderr()).isZero();
            String deviceConnectionString = created.stdout().strip();
            assertThat(deviceConnectionString).startsWith("HostName=127.0.0.1;DeviceId=newcomer-1;SharedAccessKey=");

            SSLContext trust = DevelopmentCaTrust.sslContext(gateway.caCertificate());
            BlockingQueue<String> commands = new LinkedBlockingQueue<>();
            DeviceClient device = new DeviceClient(deviceConnectionString, IotHubClientProtocol.MQTT,
                    ClientOptions.builder().sslContext(trust).build());
            device.setMessageCallback((message, context) -> {
                commands.add(new String(message.getBytes(), StandardCharsets.UTF_8));
                return IotHubMessageResult.COMPLETE;
            }, null);
            device.open(false);
            try {
                com.microsoft.azure.sdk.iot.device.Message telemetry =
                        new com.microsoft.azure.sdk.iot.device.Message("{\"hello\":\"gatehouse\"}");
                telemetry.setMessageId("newcomer-telemetry");
                device.sendEvent(telemetry);

                MessagingClient messaging = new MessagingClient(serviceConnectionString, IotHubServiceClientProtocol.AMQPS,
                        MessagingClientOptions.builder().sslContext(trust).build());
                messaging.open();
                try {
                    messaging.send("newcomer-1", new Message("blink"));
                } finally {
                    messaging.close();
                }
                assertThat(commands.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("blink");
            } finally {
                device.close();
            }
            assertThat(storedMessageIds(gateway)).contains("newcomer-telemetry");
            assertThat(gateway.stop()).isIn(0, 143);
            assertThat(gateway.log()).doesNotContain("\tat ");
        }
    }

    /** The message ids of the stored events of every partition (the test does not assume the gateway's hash). */
    private static List<String> storedMessageIds(GatewayProcess gateway) throws Exception {
        RestClient rest = new RestClient(gateway);
        List<String> ids = new ArrayList<>();
        for (int partition = 0; partition < 4; partition++) {
            JsonNode events = rest.json("GET", "/gatehouse/events/partitions/" + partition + "?max=100", null);
            ids.addAll(events.findValuesAsText("messageId"));
        }
        return ids;
    }

    /** Linux lets ordinary users bind ports from this one up (1024 unless an administrator lowered it). */
    private static int unprivilegedPortStart() throws IOException {
        Path setting = Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start");
        // procfs reports a size of 0, which Files.readString takes at its word: read lines instead
        return Files.exists(setting) ? Integer.parseInt(Files.readAllLines(setting).get(0).strip()) : 1024;
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress("127.0.0.1", 0));
            return probe.getLocalPort();
        }
    }
}
