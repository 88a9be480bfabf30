package io.gatehouse.testcontainers;

import java.time.Duration;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * The image is built from the repository's {@code Dockerfile} ({@code docker build -t gatehouse .}) or pulled
 * under another name. The container listens on IoT Hub's ports; Testcontainers maps them to free host ports.
 */
public class GatehouseContainer extends GenericContainer<GatehouseContainer> {

    public static final DockerImageName DEFAULT_IMAGE = DockerImageName.parse("gatehouse:latest");
    public static final int MQTT_TLS = 8883;
    public static final int MQTT = 1883;
    public static final int AMQP_TLS = 5671;
    public static final int AMQP = 5672;
    public static final int HTTPS = 443;

    private static final Pattern CONNECTION_STRING = Pattern.compile("Service connection string:\\s+(\\S+)");
    private static final String CA_PATH = "/data/tls/ca.pem";

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
        withExposedPorts(MQTT_TLS, MQTT, AMQP_TLS, AMQP, HTTPS);
        waitingFor(Wait.forLogMessage(".*Gatehouse is running.*", 1).withStartupTimeout(Duration.ofSeconds(120)));
    }

    /** Declares a device created at start (the gateway's configuration, through its environment). */
    public GatehouseContainer withDevice(String deviceId) {
        String existing = getEnvMap().getOrDefault("GATEHOUSE_DEVICES", "");
        return withEnv("GATEHOUSE_DEVICES", existing.isEmpty() ? deviceId : existing + "," + deviceId);
    }

    /** Any configuration property, e.g. {@code cloudToDevice.lockDurationAsIso8601}. */
    public GatehouseContainer withSetting(String property, String value) {
        return withEnv("GATEHOUSE_" + property.replace('.', '_').toUpperCase(java.util.Locale.ROOT), value);
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

    /** The {@code iothubowner} connection string the gateway printed at start. */
    public String getServiceConnectionString() {
        Matcher m = CONNECTION_STRING.matcher(getLogs());
        if (!m.find()) {
            throw new IllegalStateException("the gateway has not printed its connection string");
        }
        return m.group(1);
    }

    /** The development CA certificate (PEM) that clients must trust. */
    public String getCaCertificatePem() {
        return copyFileFromContainer(CA_PATH, in -> new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII));
    }
}
