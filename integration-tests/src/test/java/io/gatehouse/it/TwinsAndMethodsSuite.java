package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.microsoft.azure.sdk.iot.device.ClientOptions;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.twin.DirectMethodResponse;
import com.microsoft.azure.sdk.iot.service.exceptions.ErrorCodeDescription;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubGatewayTimeoutException;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubNotFoundException;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubPreconditionFailedException;
import com.microsoft.azure.sdk.iot.service.methods.DirectMethodRequestOptions;
import com.microsoft.azure.sdk.iot.service.methods.DirectMethodsClient;
import com.microsoft.azure.sdk.iot.service.query.QueryClient;
import com.microsoft.azure.sdk.iot.service.query.QueryPageOptions;
import com.microsoft.azure.sdk.iot.service.query.RawQueryResponse;
import com.microsoft.azure.sdk.iot.service.query.TwinQueryResponse;
import com.microsoft.azure.sdk.iot.service.registry.Device;
import com.microsoft.azure.sdk.iot.service.registry.RegistryClient;
import com.microsoft.azure.sdk.iot.service.twin.Twin;
import com.microsoft.azure.sdk.iot.service.twin.TwinClient;
import com.microsoft.azure.sdk.iot.service.twin.TwinCollection;
import com.microsoft.azure.sdk.iot.service.twin.TwinConnectionState;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Device twins, direct methods and registry queries with the official Azure IoT SDKs for Java, unmodified: the
 * device client over MQTTS (8883) and AMQPS (5671), the service's TwinClient, DirectMethodsClient and QueryClient
 * over HTTPS (443), against a hub on the standard ports ({@code hub.gatehouse.test} via failsafe's hosts file). The
 * device's twin GET and reported updates go through {@link DeviceTwinCalls} (an SDK race). Each subclass starts the
 * hub its own way: one packaged gateway ({@link TwinsAndMethodsStandardPortsIT}) or three cluster nodes behind a
 * load balancer ({@link TwinsAndMethodsOnClusterIT}); the tests are the same. Run one alone: {@code ./mvnw -B -o verify
 * -pl integration-tests -am -Dit.test=TwinsAndMethodsStandardPortsIT}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class TwinsAndMethodsSuite {

    static final String HOST = "hub.gatehouse.test";
    private static final Duration WAIT = Duration.ofSeconds(30);

    private SSLContext trustOnlyGatewayCa;
    private SSLSocketFactory previousHttpsFactory;
    private RegistryClient registry;
    private TwinClient twins;
    private DirectMethodsClient methods;
    private QueryClient queries;
    private final List<DeviceClient> deviceClients = new ArrayList<>();

    /** Starts the hub with {@code hostName} {@link #HOST}, clients reaching it on 127.0.0.1:8883, 5671 and 443. */
    protected abstract HubEndpoint startHub(Path dir) throws Exception;

    /** What the hub logged so far, all its processes together. */
    protected abstract String hubLog() throws IOException;

    /** A data directory of the hub, where the CLI finds the service's keys. */
    protected abstract Path cliDataDir();

    /** Stops the hub gracefully and starts it again on its data. */
    protected abstract void restartHub() throws Exception;

    /** Stops the hub, asserting it stopped gracefully and logged no error. */
    protected abstract void stopHub() throws Exception;

    @BeforeAll
    void startHubAndServiceClients(@TempDir Path dir) throws Exception {
        StandardPorts.requireBindable();
        HubEndpoint hub = startHub(dir);
        trustOnlyGatewayCa = DevelopmentCaTrust.sslContext(hub.caCertificate());
        // the service's HTTPS clients have no TLS option: they use HttpsURLConnection's defaults (restored after)
        previousHttpsFactory = HttpsURLConnection.getDefaultSSLSocketFactory();
        HttpsURLConnection.setDefaultSSLSocketFactory(trustOnlyGatewayCa.getSocketFactory());
        String service = hub.serviceConnectionString();
        registry = new RegistryClient(service);
        twins = new TwinClient(service);
        methods = new DirectMethodsClient(service);
        queries = new QueryClient(service);
    }

    @AfterAll
    void stopEverything() throws Exception {
        try {
            SdkClients.closeAll(deviceClients, DeviceClient::close);
        } finally {
            if (previousHttpsFactory != null) {
                HttpsURLConnection.setDefaultSSLSocketFactory(previousHttpsFactory);
            }
            stopHub();
        }
    }

    // ------------------------------------------------------------------ twins

    @ParameterizedTest
    @EnumSource(value = IotHubClientProtocol.class, names = {"MQTT", "AMQPS"})
    @Order(1)
    void deviceReadsItsTwinReportsPropertiesAndReceivesDesiredPatchesInOrder(IotHubClientProtocol protocol) throws Exception {
        String id = "it-twin-" + protocol.name().toLowerCase();
        Device device = registry.addDevice(new Device(id));
        BlockingQueue<com.microsoft.azure.sdk.iot.device.twin.Twin> desired = new LinkedBlockingQueue<>();
        DeviceClient client = openDevice(device, protocol);
        client.subscribeToDesiredProperties((twin, context) -> desired.add(twin), null);

        com.microsoft.azure.sdk.iot.device.twin.Twin initial = DeviceTwinCalls.getTwin(client);
        assertThat(initial.getDesiredProperties().getVersion()).isEqualTo(1);
        assertThat(initial.getReportedProperties().getVersion()).isEqualTo(1);

        com.microsoft.azure.sdk.iot.device.twin.TwinCollection reported = new com.microsoft.azure.sdk.iot.device.twin.TwinCollection();
        reported.put("firmware", "1.2.3");
        reported.put("battery", 87);
        assertThat(DeviceTwinCalls.updateReported(client, reported)).isEqualTo(2);

        Twin serviceView = twins.get(id);
        assertThat(serviceView.getReportedProperties()).containsEntry("firmware", "1.2.3");
        assertThat(serviceView.getReportedProperties().getVersion()).isEqualTo(2);
        assertThat(serviceView.getConnectionState()).isEqualToIgnoringCase("Connected");

        for (int rate = 1; rate <= 3; rate++) {
            Twin patch = new Twin(id);
            patch.getDesiredProperties().put("rate", rate);
            twins.patch(patch);
        }
        List<Integer> versions = new ArrayList<>();
        List<Object> rates = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            com.microsoft.azure.sdk.iot.device.twin.Twin pushed = desired.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(pushed).as("desired patch %d", i + 1).isNotNull();
            versions.add(pushed.getDesiredProperties().getVersion());
            rates.add(pushed.getDesiredProperties().get("rate"));
        }
        assertThat(versions).containsExactly(2, 3, 4);
        assertThat(rates).extracting(r -> ((Number) r).intValue()).containsExactly(1, 2, 3);
        assertThat(desired.poll(500, TimeUnit.MILLISECONDS)).as("each patch once").isNull();
        assertThat(DeviceTwinCalls.getTwin(client).getDesiredProperties().get("rate")).extracting(r -> ((Number) r).intValue()).isEqualTo(3);
    }

    @ParameterizedTest
    @EnumSource(value = IotHubClientProtocol.class, names = {"MQTT", "AMQPS"})
    @Order(2)
    void aDeviceOfflineWhileDesiredPropertiesChangeReadsThemAllOnReconnect(IotHubClientProtocol protocol) throws Exception {
        String id = "it-offline-" + protocol.name().toLowerCase();
        Device device = registry.addDevice(new Device(id));
        DeviceClient first = openDevice(device, protocol);
        first.subscribeToDesiredProperties((twin, context) -> { }, null);
        first.close();
        deviceClients.remove(first);

        Twin patch = new Twin(id);
        patch.getDesiredProperties().put("mode", "eco");
        patch.getDesiredProperties().put("level", 2);
        twins.patch(patch);
        Twin second = new Twin(id);
        second.getDesiredProperties().put("level", null);
        twins.patch(second);

        BlockingQueue<com.microsoft.azure.sdk.iot.device.twin.Twin> desired = new LinkedBlockingQueue<>();
        DeviceClient again = openDevice(device, protocol);
        again.subscribeToDesiredProperties((twin, context) -> desired.add(twin), null);
        com.microsoft.azure.sdk.iot.device.twin.Twin whole = DeviceTwinCalls.getTwin(again);
        assertThat(whole.getDesiredProperties().getVersion()).isEqualTo(3);
        assertThat(whole.getDesiredProperties()).containsEntry("mode", "eco").doesNotContainKey("level");

        Twin third = new Twin(id);
        third.getDesiredProperties().put("mode", "boost");
        twins.patch(third);
        com.microsoft.azure.sdk.iot.device.twin.Twin pushed = desired.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(pushed).isNotNull();
        assertThat(pushed.getDesiredProperties().getVersion()).isEqualTo(4);
        assertThat(pushed.getDesiredProperties()).containsEntry("mode", "boost");
    }

    @Test
    @Order(3)
    void twinClientPatchesWithEtagsReplacesAndQueries() throws Exception {
        for (String id : List.of("it-q-1", "it-q-2", "it-q-3")) {
            registry.addDevice(new Device(id));
            Twin tags = new Twin(id);
            tags.getTags().put("building", id.endsWith("3") ? "b2" : "b1");
            twins.patch(tags);
        }
        Twin current = twins.get("it-q-1");
        String staleEtag = current.getETag();
        Twin patch = new Twin("it-q-1");
        patch.getTags().put("floor", 3);
        Twin patched = twins.patch(patch, staleEtag);
        assertThat(patched.getTags()).containsEntry("building", "b1");
        assertThat(patched.getETag()).isNotEqualTo(staleEtag);
        Twin again = new Twin("it-q-1");
        again.getTags().put("floor", 4);
        assertThatThrownBy(() -> twins.patch(again, staleEtag)).isInstanceOf(IotHubPreconditionFailedException.class);

        Twin replacement = new Twin("it-q-2");
        replacement.getTags().put("building", "b1");
        replacement.getDesiredProperties().put("only", true);
        Twin replaced = twins.replace(replacement);
        assertThat(replaced.getDesiredProperties()).containsOnlyKeys("only");

        TwinQueryResponse b1 = twins.query("SELECT * FROM devices WHERE tags.building = 'b1'",
                QueryPageOptions.builder().pageSize(1).build());
        List<String> ids = new ArrayList<>();
        while (b1.hasNext()) {
            ids.add(b1.next().getDeviceId());
        }
        assertThat(ids).containsExactly("it-q-1", "it-q-2");

        RawQueryResponse count = queries.queryRaw("SELECT COUNT() AS n FROM devices WHERE STARTSWITH(deviceId, 'it-q-')");
        assertThat(count.next()).contains("\"n\":3");
        TwinQueryResponse all = queries.queryTwins("SELECT * FROM devices WHERE tags.floor > 2 AND IS_DEFINED(tags.building)");
        assertThat(all.next().getDeviceId()).isEqualTo("it-q-1");
        assertThat(all.hasNext()).isFalse();

        // connection states are the device's own node's, whether a condition reads them or only the page shows them
        openDevice(registry.getDevice("it-q-3"), IotHubClientProtocol.MQTT);
        TwinQueryResponse b2 = queries.queryTwins("SELECT * FROM devices WHERE tags.building = 'b2'");
        assertThat(b2.next().getConnectionState()).isEqualTo(TwinConnectionState.CONNECTED.toString());
        TwinQueryResponse connected = queries.queryTwins(
                "SELECT * FROM devices WHERE connectionState = 'Connected' AND STARTSWITH(deviceId, 'it-q-')");
        assertThat(connected.next().getDeviceId()).isEqualTo("it-q-3");
        assertThat(connected.hasNext()).isFalse();
    }

    // ------------------------------------------------------------------ direct methods

    @ParameterizedTest
    @EnumSource(value = IotHubClientProtocol.class, names = {"MQTT", "AMQPS"})
    @Order(4)
    void methodsReachTheDeviceAndItsAnswerReachesTheService(IotHubClientProtocol protocol) throws Exception {
        String id = "it-method-" + protocol.name().toLowerCase();
        DeviceClient client = openDevice(registry.addDevice(new Device(id)), protocol);
        client.subscribeToMethods((name, payload, context) -> {
            JsonObject answer = new JsonObject();
            answer.addProperty("method", name);
            answer.add("echo", payload.getPayloadAsJsonElement());
            return new DirectMethodResponse(200, answer);
        }, null);
        var result = methods.invoke(id, "reboot", DirectMethodRequestOptions.builder()
                .payload(Map.of("delay", 5)).methodResponseTimeoutSeconds(10).methodConnectTimeoutSeconds(0).build());
        assertThat(result.getStatus()).isEqualTo(200);
        assertThat(result.getPayloadAsJsonString()).contains("\"method\":\"reboot\"").contains("\"delay\":5");
    }

    @Test
    @Order(5)
    void aMethodOnAnOfflineDeviceIsDeviceNotOnlineAfterTheConnectTimeout() throws Exception {
        registry.addDevice(new Device("it-method-offline"));
        long started = System.nanoTime();
        assertThatThrownBy(() -> methods.invoke("it-method-offline", "reboot", DirectMethodRequestOptions.builder()
                .methodResponseTimeoutSeconds(10).methodConnectTimeoutSeconds(1).build()))
                .isInstanceOfSatisfying(IotHubNotFoundException.class, e ->
                        assertThat(e.getErrorCodeDescription()).isEqualTo(ErrorCodeDescription.DeviceNotOnline));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    @Test
    @Order(6)
    void aMethodTheDeviceDoesNotAnswerInTimeIsAGatewayTimeout() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch invoked = new CountDownLatch(1);
        DeviceClient client = openDevice(registry.addDevice(new Device("it-method-slow")), IotHubClientProtocol.MQTT);
        client.subscribeToMethods((name, payload, context) -> {
            invoked.countDown();
            try {
                release.await(WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new DirectMethodResponse(200, null);
        }, null);
        try {
            assertThatThrownBy(() -> methods.invoke("it-method-slow", "slow", DirectMethodRequestOptions.builder()
                    .methodResponseTimeoutSeconds(5).methodConnectTimeoutSeconds(0).build()))
                    .isInstanceOf(IotHubGatewayTimeoutException.class);
            assertThat(invoked.getCount()).isZero();
        } finally {
            release.countDown();
        }
        // the late answer is dropped with a log line, and the device stays connected
        await().atMost(WAIT).untilAsserted(() -> assertThat(hubLog()).contains("late or unknown"));
        assertThat(twins.get("it-method-slow").getConnectionState()).isEqualToIgnoringCase("Connected");
    }

    // ------------------------------------------------------------------ the CLI

    @Test
    @Order(7)
    void cliShowsAndPatchesTwinsAndInvokesMethods() throws Exception {
        registry.addDevice(new Device("it-cli"));
        // the CLI runs in its own JVM, without the hosts file: it dials localhost, which the certificate names too
        String dir = cliDataDir().toString();
        GatewayProcess.Result patched = GatewayProcess.run(WAIT, "twin", "patch", "it-cli", "--desired", "{\"rate\":7}",
                "--tags", "{\"site\":\"cli\"}", "--data-dir", dir, "--url", "https://localhost:443");
        assertThat(patched.exitCode()).as(patched.stderr()).isZero();
        assertThat(patched.stdout()).contains("\"rate\" : 7");
        GatewayProcess.Result shown = GatewayProcess.run(WAIT, "twin", "show", "it-cli", "--data-dir", dir, "--url", "https://localhost:443");
        assertThat(shown.stdout()).contains("\"site\" : \"cli\"").contains("\"$version\" : 2");
        GatewayProcess.Result offline = GatewayProcess.run(WAIT, "method", "invoke", "it-cli", "ping", "--data-dir", dir, "--url", "https://localhost:443");
        assertThat(offline.exitCode()).isEqualTo(1);
        assertThat(offline.stderr()).contains("404").contains("404103");

        DeviceClient client = openDevice(registry.getDevice("it-cli"), IotHubClientProtocol.MQTT);
        client.subscribeToMethods((name, payload, context) -> new DirectMethodResponse(202, "pong"), null);
        GatewayProcess.Result invoked = GatewayProcess.run(WAIT, "method", "invoke", "it-cli", "ping", "{\"n\":1}", "--data-dir", dir, "--url", "https://localhost:443");
        assertThat(invoked.exitCode()).as(invoked.stderr()).isZero();
        assertThat(invoked.stdout().strip()).isEqualTo("{\"status\":202,\"payload\":\"pong\"}");
    }

    // ------------------------------------------------------------------ durability (last: restarts the hub)

    @Test
    @Order(100)
    void aHubRestartBetweenTwoPatchesKeepsTheTwinAndVersionsContinue() throws Exception {
        registry.addDevice(new Device("it-restart"));
        Twin first = new Twin("it-restart");
        first.getDesiredProperties().put("a", 1);
        first.getTags().put("t", "x");
        Twin afterFirst = twins.patch(first);
        assertThat(afterFirst.getDesiredProperties().getVersion()).isEqualTo(2);

        for (DeviceClient client : deviceClients) {
            client.close();
        }
        deviceClients.clear();
        restartHub();

        Twin second = new Twin("it-restart");
        second.getDesiredProperties().put("b", 2);
        Twin afterSecond = twins.patch(second);
        assertThat(afterSecond.getDesiredProperties().getVersion()).isEqualTo(3);
        assertThat(afterSecond.getVersion()).isEqualTo(afterFirst.getVersion() + 1);
        assertThat(((Number) afterSecond.getDesiredProperties().get("a")).intValue()).isEqualTo(1);
        assertThat(((Number) afterSecond.getDesiredProperties().get("b")).intValue()).isEqualTo(2);
        assertThat(afterSecond.getTags()).containsEntry("t", "x");

        BlockingQueue<com.microsoft.azure.sdk.iot.device.twin.Twin> desired = new LinkedBlockingQueue<>();
        DeviceClient client = openDevice(registry.getDevice("it-restart"), IotHubClientProtocol.AMQPS);
        client.subscribeToDesiredProperties((twin, context) -> desired.add(twin), null);
        assertThat(DeviceTwinCalls.getTwin(client).getDesiredProperties().getVersion()).isEqualTo(3);
    }

    private DeviceClient openDevice(Device device, IotHubClientProtocol protocol) throws Exception {
        String connectionString = "HostName=" + HOST + ";DeviceId=" + device.getDeviceId()
                + ";SharedAccessKey=" + device.getPrimaryKey();
        DeviceClient client = new DeviceClient(connectionString, protocol,
                ClientOptions.builder().sslContext(trustOnlyGatewayCa).build());
        client.open(false);
        deviceClients.add(client);
        return client;
    }
}
