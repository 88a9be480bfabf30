package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatehouse.cluster.testing.EmbeddedKafka;
import io.gatehouse.cluster.testing.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Assumptions;

/**
 * Three packaged cluster nodes ({@code store.type=cluster} on the test run's Kafka and PostgreSQL, a topic and schema
 * of their own) behind HAProxy, which alone listens on the Azure SDKs' ports 8883, 5671 and 443 and hands each TCP
 * connection round robin to a node. TLS passes through to the nodes, which present one certificate: node A's, issued
 * by its development CA, given to B and C as their own. What a client needs is {@link #endpoint()}, as for one gateway.
 */
final class LoadBalancedCluster implements AutoCloseable {

    private static final String[] NODES = {"node-a", "node-b", "node-c"};
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final EmbeddedKafka kafka;
    private final EmbeddedPostgres postgres;
    private final List<GatewayProcess> nodes = new ArrayList<>();
    private Path dir;
    private HaproxyProcess haproxy;

    /** A cluster on the test run's engines; nothing runs before {@link #start}. */
    LoadBalancedCluster(EmbeddedKafka kafka, EmbeddedPostgres postgres) {
        this.kafka = kafka;
        this.postgres = postgres;
    }

    /**
     * Starts the nodes in {@code dir} with host name {@code hostName} and {@code moreYaml} among their settings, then
     * HAProxy; skips the calling test (with the reason) where HAProxy is not installed. What a client needs to reach it.
     */
    HubEndpoint start(Path dir, String hostName, String moreYaml) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(HaproxyProcess.BINARY),
                "HAProxy is not installed at /usr/sbin/haproxy (Debian package haproxy): no load balancer to test behind");
        this.dir = dir;
        ClusterStoreConfig store = ClusterStoreConfig.fresh(kafka, postgres);
        String config = StandardPorts.behindLoadBalancer(hostName, moreYaml);
        GatewayProcess first = GatewayProcess.configured(dir.resolve("a"), config + store.yaml(NODES[0]));
        nodes.add(first);
        Path tls = first.dataDir().resolve("tls");
        for (int i = 1; i < NODES.length; i++) {
            nodes.add(GatewayProcess.configured(dir.resolve(NODES[i].substring("node-".length())),
                    config + store.yaml(NODES[i]),
                    "--tls-cert", tls.resolve("server.pem").toString(),
                    "--tls-key", tls.resolve("server-key.pem").toString()));
        }
        startNodesAndBalancer();
        for (GatewayProcess node : nodes) {
            assertThat(node.serviceConnectionString()).as("every node serves the policies of the shared registry")
                    .isEqualTo(first.serviceConnectionString());
        }
        return new HubEndpoint(first.serviceConnectionString(), first.caCertificate(), haproxy.port("https"));
    }

    /** Node A first: it issues the certificate the others present. */
    private void startNodesAndBalancer() throws Exception {
        for (GatewayProcess node : nodes) {
            node.start();
        }
        haproxy = HaproxyProcess.start(dir.resolve("haproxy"), List.of(
                route("mqtt", 8883, node -> node.port("mqtt")),
                route("amqp", 5671, node -> node.port("amqp")),
                route("https", 443, node -> node.port("https"))));
        await().atMost(WAIT).until(haproxy::allUp);
    }

    private HaproxyProcess.Route route(String name, int port, ToIntFunction<GatewayProcess> nodePort) {
        List<HaproxyProcess.Backend> backends = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            GatewayProcess node = nodes.get(i);
            backends.add(new HaproxyProcess.Backend(NODES[i], nodePort.applyAsInt(node), node.port("health")));
        }
        return new HaproxyProcess.Route(name, port, backends);
    }

    /** Node A's data directory, where the CLI finds the service's keys. */
    Path dataDir() {
        return nodes.get(0).dataDir();
    }

    /** What every node logged so far. */
    String log() throws IOException {
        StringBuilder logs = new StringBuilder();
        for (GatewayProcess node : nodes) {
            logs.append(node.log());
        }
        return logs.toString();
    }

    /** Stops every node gracefully and starts them again (on new ports, so HAProxy too); their exit codes. */
    List<Integer> restart() throws Exception {
        List<Integer> exits = stop();
        startNodesAndBalancer();
        return exits;
    }

    /**
     * Checks that the MQTT and AMQP connections so far were spread over every node (the SDKs' HTTPS clients keep one
     * or two connections alive for all their calls, so HTTPS is left out).
     */
    void assertEveryNodeServedConnections() throws IOException, InterruptedException {
        for (String route : List.of("mqtt", "amqp")) {
            Map<String, Integer> sessions = haproxy.sessionsServed(route);
            assertThat(sessions).as("%s connections each node served", route).hasSize(NODES.length)
                    .allSatisfy((node, count) -> assertThat(count).as(node).isPositive());
        }
    }

    /** Stops HAProxy, then each node gracefully; their exit codes. */
    List<Integer> stop() throws InterruptedException {
        if (haproxy != null) {
            haproxy.close();
        }
        List<Integer> exits = new ArrayList<>();
        for (GatewayProcess node : nodes) {
            if (node.isAlive()) {
                exits.add(node.stop());
            }
        }
        return exits;
    }

    /**
     * Stops gracefully and asserts of every node what {@link GatewayProcess#stopCleanly} asserts of one; whatever
     * still runs after a failure is killed. Nothing to do when the cluster never started.
     */
    void stopCleanly() throws InterruptedException, IOException {
        if (nodes.isEmpty()) {
            return;
        }
        try {
            assertThat(stop()).as("graceful stops").allSatisfy(exit -> assertThat(exit).isIn(0, 143));
            assertThat(log()).doesNotContain("\tat ").doesNotContain(" ERROR ");
        } finally {
            close();
        }
    }

    /** Whatever still runs is killed: for a test that failed half way. */
    @Override
    public void close() throws InterruptedException {
        if (haproxy != null) {
            haproxy.close();
        }
        for (GatewayProcess node : nodes) {
            node.close();
        }
    }
}
