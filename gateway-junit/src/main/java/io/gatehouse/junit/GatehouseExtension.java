package io.gatehouse.junit;

import io.gatehouse.server.Gatehouse;
import io.gatehouse.server.config.DeviceDeclaration;
import io.gatehouse.server.config.GatehouseConfig;
import io.gatehouse.server.config.ServerSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a gateway in-process for a test class, on ephemeral ports in a temporary data directory, and stops
 * it afterwards:
 *
 * <pre>{@code
 * @RegisterExtension
 * static GatehouseExtension hub = GatehouseExtension.builder().device("d1").build();
 * ...
 * hub.port("mqtt-plain"); hub.deviceConnectionString("d1"); hub.gatehouse().core() ...
 * }</pre>
 *
 * The official Azure SDKs dial fixed ports (8883, 5671, 443): use {@link Builder#standardPorts()} for them.
 */
public final class GatehouseExtension implements BeforeAllCallback, AfterAllCallback {

    private final Map<String, String> properties;
    private final List<DeviceDeclaration> devices;
    private Path dataDir;
    private Gatehouse gatehouse;

    private GatehouseExtension(Map<String, String> properties, List<DeviceDeclaration> devices) {
        this.properties = properties;
        this.devices = devices;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    /** Starts the gateway (the extension calls this; usable directly outside JUnit). */
    public void start() throws IOException {
        dataDir = Files.createTempDirectory("gatehouse-test");
        TestCertificates.seed(dataDir.resolve(Gatehouse.TLS_DIRECTORY));
        Map<String, String> all = new LinkedHashMap<>(properties);
        all.put(ServerSettings.DATA_DIR.property(), dataDir.toString());
        gatehouse = Gatehouse.start(GatehouseConfig.fromProperties(all, devices));
    }

    public void stop() {
        if (gatehouse != null) {
            gatehouse.close();
            gatehouse = null;
        }
        if (dataDir != null) {
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public Gatehouse gatehouse() {
        if (gatehouse == null) {
            throw new IllegalStateException("the gateway is not running");
        }
        return gatehouse;
    }

    /**
     * The bound port of a listener: {@code mqtt}, {@code mqtt-plain}, {@code amqp}, {@code amqp-plain}, {@code https},
     * {@code health}.
     */
    public int port(String listener) {
        return gatehouse().port(listener).orElseThrow(() -> new IllegalArgumentException("no listener " + listener));
    }

    public String serviceConnectionString() {
        return gatehouse().serviceConnectionString();
    }

    public String deviceConnectionString(String deviceId) {
        return gatehouse().deviceConnectionString(deviceId)
                .orElseThrow(() -> new IllegalArgumentException("no device " + deviceId));
    }

    /** The CA certificate clients must trust. */
    public Path caCertificate() {
        return gatehouse().tls().trustFile();
    }

    public static final class Builder {
        private static final List<String> STANDARD_PORTS = List.of(ServerSettings.MQTT_PORT.property(),
                ServerSettings.MQTT_PLAIN_PORT.property(), ServerSettings.AMQP_PORT.property(),
                ServerSettings.AMQP_PLAIN_PORT.property(), ServerSettings.HTTPS_PORT.property());

        private final Map<String, String> properties = new LinkedHashMap<>();
        private final List<DeviceDeclaration> devices = new ArrayList<>();

        private Builder() {
            properties.put(ServerSettings.STORE_TYPE.property(), "memory");
            properties.put(ServerSettings.BIND_ADDRESS.property(), "127.0.0.1");
            ephemeralPorts();
        }

        private void ephemeralPorts() {
            for (String port : STANDARD_PORTS) {
                properties.put(port, "0");
            }
            properties.put(ServerSettings.HEALTH_PORT.property(), "0");
        }

        /** Listen on IoT Hub's ports (8883, 5671, 443) and 1883/5672, as the Azure SDKs need. */
        public Builder standardPorts() {
            STANDARD_PORTS.forEach(properties::remove);
            return this;
        }

        /** The published development keys for every policy and for devices declared without keys. */
        public Builder wellKnownKeys() {
            properties.put(ServerSettings.WELL_KNOWN_KEYS.property(), "true");
            return this;
        }

        /** Use the durable journal instead of the in-memory store. */
        public Builder durable() {
            properties.put(ServerSettings.STORE_TYPE.property(), "journal");
            return this;
        }

        /** Any configuration property, e.g. {@code cloudToDevice.lockDurationAsIso8601}. */
        public Builder set(String property, String value) {
            properties.put(property, value);
            return this;
        }

        public Builder device(String deviceId) {
            devices.add(new DeviceDeclaration(deviceId, null, null, null));
            return this;
        }

        public Builder device(String deviceId, String primaryKey) {
            devices.add(new DeviceDeclaration(deviceId, primaryKey, null, null));
            return this;
        }

        public GatehouseExtension build() {
            return new GatehouseExtension(new LinkedHashMap<>(properties), List.copyOf(devices));
        }
    }
}
