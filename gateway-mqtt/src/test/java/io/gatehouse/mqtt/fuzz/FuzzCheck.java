package io.gatehouse.mqtt.fuzz;

import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import io.gatehouse.core.testing.LogCapture;
import io.gatehouse.mqtt.support.MqttTestServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.time.Duration;

/** What must hold after fuzzing: the listener serves, nothing stays open, no buffer leaked. */
final class FuzzCheck {

    private FuzzCheck() {
    }

    /** Fails with a description when the server is not healthy and clean. */
    static void check(MqttTestServer server, LogCapture leaks) {
        // every fuzz connection was closed by one side or the other: the server holds none of them
        await().atMost(Duration.ofSeconds(30)).until(() -> server.openConnections() == 0);
        await().atMost(Duration.ofSeconds(30)).until(() -> server.core.connections().connectedCount() == 0);
        // still serving: a well-behaved device connects and gets its telemetry acknowledged
        try (MqttTestServer.ConnectedDevice device = server.connect("fuzz", true)) {
            device.client().publishWith().topic("devices/fuzz/messages/events/").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(new byte[] {1}).send();
        }
        // paranoid leak detection reports a leaked buffer when a later allocation finds it collected
        for (int i = 0; i < 3; i++) {
            System.gc();
            for (int j = 0; j < 100; j++) {
                ByteBuf probe = ByteBufAllocator.DEFAULT.directBuffer(64);
                probe.release();
            }
        }
        long reports = leaks.count("LEAK");
        if (reports > 0) {
            throw new AssertionError(reports + " ByteBuf leak report(s): " + leaks.messages());
        }
    }
}
