package io.gatehouse.testcontainers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Future;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * A Gatehouse gateway in a container, for tests:
 *
 * <pre>{@code
 * @Container
 * static GatehouseContainer hub = new GatehouseContainer().withDevice("d1");
 * ... hub.getMqttPort(), hub.getServiceConnectionString(), hub.getCaCertificatePem() ...
 * }</pre>
 *
 * The image is built from the repository's {@code Dockerfile} ({@code docker build -t gatehouse:0.1.0 .}) or
 * pulled under another name. The container listens on IoT Hub's ports; Testcontainers maps them to free host
 * ports. It is ready when its health port answers.
 */
public class GatehouseContainer extends GenericContainer<GatehouseContainer> {

    /** The release this module belongs to; its image is tagged with it, never {@code latest}. */
    public static final String VERSION = "0.1.0";
    public static final DockerImageName DEFAULT_IMAGE = DockerImageName.parse("gatehouse").withTag(VERSION);
    public static final int MQTT_TLS = 8883;
    public static final int MQTT = 1883;
    public static final int AMQP_TLS = 5671;
    public static final int AMQP = 5672;
    public static final int HTTPS = 443;
    /** Plain HTTP {@code /health} and {@code /metrics}. */
    public static final int HEALTH = 9080;

    private static final String CA_PATH = "/data/tls/ca.pem";
    private static final String JAR = "/opt/gatehouse/gatehouse.jar";
    private static final String DEFAULT_HUB_NAME = "gatehouse";

    public GatehouseContainer() {
        this(DEFAULT_IMAGE);
    }

    public GatehouseContainer(DockerImageName image) {
        super(image);
        exposeGatehousePorts();
    }

    /** An image still being resolved, e.g. {@code new ImageFromDockerfile().withFileFromPath(".", repo)}. */
    public GatehouseContainer(Future<String> image) {
        super(image);
        exposeGatehousePorts();
    }

    private void exposeGatehousePorts() {
        withExposedPorts(MQTT_TLS, MQTT, AMQP_TLS, AMQP, HTTPS, HEALTH);
        waitingFor(Wait.forHttp("/health").forPort(HEALTH).forStatusCode(200).withStartupTimeout(Duration.ofSeconds(120)));
    }

    /** Declares a device created at start (the gateway's configuration, through its environment). */
    public GatehouseContainer withDevice(String deviceId) {
        String existing = getEnvMap().getOrDefault("GATEHOUSE_DEVICES", "");
        return withEnv("GATEHOUSE_DEVICES", existing.isEmpty() ? deviceId : existing + "," + deviceId);
    }

    /** Any configuration property, e.g. {@code cloudToDevice.lockDurationAsIso8601}. */
    public GatehouseContainer withSetting(String property, String value) {
        return withEnv("GATEHOUSE_" + property.replace('.', '_').toUpperCase(Locale.ROOT), value);
    }

    public int getMqttPort() {
        return getMappedPort(MQTT);
    }

    public int getMqttTlsPort() {
        return getMappedPort(MQTT_TLS);
    }

    public int getAmqpPort() {
        return getMappedPort(AMQP);
    }

    public int getAmqpTlsPort() {
        return getMappedPort(AMQP_TLS);
    }

    public int getHttpsPort() {
        return getMappedPort(HTTPS);
    }

    public int getHealthPort() {
        return getMappedPort(HEALTH);
    }

    /** The {@code iothubowner} connection string the gateway printed at start. */
    public String getServiceConnectionString() {
        return ConnectionStrings.serviceFromBanner(getLogs());
    }

    /** The same as {@link #getServiceConnectionString()}: what an IoT Hub service SDK takes. */
    public String getConnectionString() {
        return getServiceConnectionString();
    }

    /** A registered device's connection string, as {@code gatehouse device show} prints it inside the container. */
    public String getDeviceConnectionString(String deviceId) {
        try {
            ExecResult shown = execInContainer("java", "-jar", JAR, "device", "show", deviceId, "--data-dir", "/data");
            if (shown.getExitCode() != 0) {
                throw new IllegalStateException("gatehouse device show " + deviceId + ": " + shown.getStderr().strip());
            }
            return ConnectionStrings.deviceFromShowOutput(shown.getStdout());
        } catch (IOException e) {
            throw new IllegalStateException("could not run gatehouse device show in the container", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The Event Hub-compatible endpoint, for the Event Hubs SDKs that read telemetry. */
    public String getEventHubConnectionString() {
        String hubName = getEnvMap().getOrDefault("GATEHOUSE_HUBNAME", DEFAULT_HUB_NAME);
        return ConnectionStrings.eventHub(getServiceConnectionString(), hubName);
    }

    /** The development CA certificate (PEM) that clients must trust. */
    public String getCaCertificatePem() {
        return copyFileFromContainer(CA_PATH, in -> new String(in.readAllBytes(), StandardCharsets.US_ASCII));
    }
}
