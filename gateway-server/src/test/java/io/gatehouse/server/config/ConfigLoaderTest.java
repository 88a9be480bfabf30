package io.gatehouse.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path file(String yaml) throws IOException {
        Path file = dir.resolve("gatehouse.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    @Test
    void defaultsMatchTheDocumentedPortsAndStore() {
        GatehouseConfig c = new ConfigLoader().load();
        assertThat(c.mqttPort()).isEqualTo(8883);
        assertThat(c.mqttPlainPort()).isEqualTo(1883);
        assertThat(c.amqpPort()).isEqualTo(5671);
        assertThat(c.amqpPlainPort()).isEqualTo(5672);
        assertThat(c.httpsPort()).isEqualTo(443);
        assertThat(c.dataDir()).isEqualTo(Path.of("./data"));
        assertThat(c.hostName()).isEqualTo("127.0.0.1");
        assertThat(c.isDurable()).isTrue();
        assertThat(c.hub().c2dMaxDeliveryCount()).isEqualTo(10);
    }

    @Test
    void fileNestedOrDottedThenEnvironmentThenFlags() throws IOException {
        Path f = file("""
                hostName: hub.gatehouse.test
                mqtt:
                  port: 18883
                  plainEnabled: false
                amqp.port: 15671
                cloudToDevice:
                  maxDeliveryCount: 3
                  feedback:
                    ttlAsIso8601: PT2H
                devices:
                  - d1
                  - id: d2
                    primaryKey: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
                """);
        GatehouseConfig c = new ConfigLoader().file(f)
                .environment(Map.of("GATEHOUSE_AMQP_PORT", "25671", "GATEHOUSE_CONFIG", "ignored", "PATH", "/bin"))
                .set("cloudToDevice.maxDeliveryCount", "4")
                .load();
        assertThat(c.hostName()).isEqualTo("hub.gatehouse.test");
        assertThat(c.mqttPort()).isEqualTo(18883);
        assertThat(c.mqttPlainEnabled()).isFalse();
        assertThat(c.amqpPort()).isEqualTo(25671);
        assertThat(c.hub().c2dMaxDeliveryCount()).isEqualTo(4);
        assertThat(c.hub().feedbackTtl()).isEqualTo(Duration.ofHours(2));
        assertThat(c.devices()).extracting(DeviceDeclaration::id).containsExactly("d1", "d2");
        assertThat(c.devices().get(1).primaryKey()).startsWith("AAEC");
    }

    @Test
    void environmentNamesIgnoreCaseDotsAndUnderscores() {
        GatehouseConfig c = new ConfigLoader().environment(Map.of(
                "GATEHOUSE_MQTT_PLAINPORT", "11883",
                "GATEHOUSE_CLOUDTODEVICE_DEFAULTTTLASISO8601", "PT5M",
                "GATEHOUSE_DEVICES", "e1, e2,")).load();
        assertThat(c.mqttPlainPort()).isEqualTo(11883);
        assertThat(c.devices()).extracting(DeviceDeclaration::id).containsExactly("e1", "e2");
        assertThat(c.hub().c2dDefaultTtl()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void everyBadValueNamesItsProperty() throws IOException {
        assertThatThrownBy(() -> new ConfigLoader().set("mqtt.port", "99999").load())
                .isInstanceOf(InvalidConfigException.class).hasMessageStartingWith("mqtt.port:").hasMessageContaining("0 to 65535");
        assertThatThrownBy(() -> new ConfigLoader().set("cloudToDevice.defaultTtlAsIso8601", "P3D").load())
                .isInstanceOf(InvalidConfigException.class).hasMessageStartingWith("cloudToDevice.defaultTtlAsIso8601:");
        assertThatThrownBy(() -> new ConfigLoader().set("store.sync", "sometimes").load())
                .isInstanceOf(InvalidConfigException.class).hasMessageStartingWith("store.sync:");
        assertThatThrownBy(() -> new ConfigLoader().set("mqtt.plainEnabled", "yes").load())
                .isInstanceOf(InvalidConfigException.class).hasMessageStartingWith("mqtt.plainEnabled:");
        assertThatThrownBy(() -> new ConfigLoader().set("hubName", "x").load())
                .isInstanceOf(InvalidConfigException.class).hasMessageStartingWith("hubName:");
        assertThatThrownBy(() -> new ConfigLoader().set("mqtt.prot", "1").load())
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("unknown property 'mqtt.prot'");
        assertThatThrownBy(() -> new ConfigLoader().environment(Map.of("GATEHOUSE_MQTT_PROT", "1")).load())
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("GATEHOUSE_MQTT_PROT");
        assertThatThrownBy(() -> new ConfigLoader().set("tls.certificateFile", "/x.pem").load())
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("tls.keyFile");
    }

    @Test
    void badFilesAreRefusedWithTheirName() throws IOException {
        assertThatThrownBy(() -> new ConfigLoader().file(dir.resolve("missing.yaml")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("missing.yaml").hasMessageContaining("does not exist");
        Path broken = file("mqtt: [unclosed");
        assertThatThrownBy(() -> new ConfigLoader().file(broken))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("not valid YAML");
        Path list = file("- a\n- b\n");
        assertThatThrownBy(() -> new ConfigLoader().file(list))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("mapping");
        Path devices = file("devices: {id: x}\n");
        assertThatThrownBy(() -> new ConfigLoader().file(devices))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("'devices' must be a list");
    }
}
