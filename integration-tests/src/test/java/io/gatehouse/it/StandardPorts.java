package io.gatehouse.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * IoT Hub's ports, which the Azure SDKs hard-code: 8883 (MQTT), 5671 (AMQP) and 443 (HTTPS). 443 is privileged
 * on Linux, so a test that needs it runs only where this user may bind it, and says why it is skipped otherwise.
 */
final class StandardPorts {

    static final int[] ALL = {8883, 5671, 443};
    /** Another gateway (an earlier test class, another build) may still be releasing them. */
    private static final Duration WAIT_FOR_FREE = Duration.ofSeconds(60);

    private StandardPorts() {
    }

    /** A gateway configuration on the standard ports (other listeners ephemeral), followed by {@code moreYaml}. */
    static String config(String hostName, String moreYaml) {
        return config(hostName, 8883, 5671, 443) + moreYaml;
    }

    /**
     * The same with every listener on an ephemeral port, for a gateway behind a load balancer that listens on the
     * standard ports.
     */
    static String behindLoadBalancer(String hostName, String moreYaml) {
        return config(hostName, 0, 0, 0) + moreYaml;
    }

    private static String config(String hostName, int mqtt, int amqp, int https) {
        return """
                hostName: %s
                bindAddress: 127.0.0.1
                mqtt: {port: %d, plainPort: 0}
                amqp: {port: %d, plainPort: 0}
                https: {port: %d}
                health: {port: 0}
                """.formatted(hostName, mqtt, amqp, https);
    }

    /** Skips the calling test class where the ports may not be bound; waits while something else holds them. */
    static void requireBindable() {
        for (int port : ALL) {
            boolean denied = bindError(port).map(e -> String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT))
                    .filter(text -> text.contains("permission denied")).isPresent();
            Assumptions.assumeFalse(denied, () -> "this user may not bind port " + port + ", which the Azure SDKs dial: "
                        + "grant it as docs/ports-and-privileges.md says (e.g. sysctl net.ipv4.ip_unprivileged_port_start=443) "
                        + "to run these tests; the same scenarios run on ephemeral ports elsewhere");
        }
        awaitFree(ALL);
    }

    /** Waits while something else holds any of {@code ports}. */
    static void awaitFree(int... ports) {
        await("ports to be free").atMost(WAIT_FOR_FREE).pollInterval(Duration.ofMillis(500)).until(() -> allFree(ports));
    }

    private static boolean allFree(int... ports) {
        for (int port : ports) {
            if (bindError(port).isPresent()) {
                return false;
            }
        }
        return true;
    }

    private static Optional<IOException> bindError(int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress("127.0.0.1", port));
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(e);
        }
    }
}
