package io.gatehouse.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.time.ManualClock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Connections by protocol: what the console's device list and the per-protocol gauge show. */
class DeviceConnectionsTest {

    private final DeviceConnections connections = new DeviceConnections(new ManualClock());

    private static DeviceConnections.Connection over(String protocol) {
        return new DeviceConnections.Connection() {
            @Override
            public String protocol() {
                return protocol;
            }

            @Override
            public void close(String reason) {
            }
        };
    }

    @Test
    void countsAndNamesTheProtocolOfEachConnectedDeviceInLowerCase() {
        DeviceId a = DeviceId.of("a");
        DeviceId b = DeviceId.of("b");
        DeviceId c = DeviceId.of("c");
        connections.register(a, over("MQTT"));
        DeviceConnections.Registration bOverAmqp = connections.register(b, over("amqp"));
        connections.register(c, over("mqtt"));

        assertThat(connections.connectedCount("mqtt")).isEqualTo(2);
        assertThat(connections.connectedCount("AMQP")).isEqualTo(1);
        assertThat(connections.connectedProtocols()).isEqualTo(Map.of(a, "mqtt", b, "amqp", c, "mqtt"));

        bOverAmqp.close();
        connections.register(c, over("amqp"));

        assertThat(connections.connectedCount("mqtt")).isEqualTo(1);
        assertThat(connections.connectedCount("amqp")).isEqualTo(1);
        assertThat(connections.connectedProtocols()).isEqualTo(Map.of(a, "mqtt", c, "amqp"));
    }
}
