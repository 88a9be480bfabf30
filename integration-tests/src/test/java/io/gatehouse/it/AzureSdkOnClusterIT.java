package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatehouse.cluster.testing.ClusterEngines;
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
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Azure SDK lifecycle suite, unchanged, against three cluster nodes ({@code store.type=cluster} on one Kafka and
 * one PostgreSQL) behind HAProxy, which alone listens on the SDKs' ports 8883, 5671 and 443 and hands each TCP
 * connection round robin to a node; TLS passes through to the nodes, which present one certificate (node A's, issued
 * by its development CA, given to B and C as their own). So the registry calls, the service's C2D sender and feedback
 * receiver, and each device connection of a test land on different nodes, and a device that reconnects lands on
 * another one: every assertion of the suite holds across nodes.
 */
@ExtendWith(ClusterEngines.class)
class AzureSdkOnClusterIT extends AzureSdkLifecycleSuite {

    private static final String[] NODES = {"node-a", "node-b", "node-c"};

    private final EmbeddedKafka kafka;
    private final EmbeddedPostgres postgres;
    private final List<GatewayProcess> nodes = new ArrayList<>();
    private HaproxyProcess haproxy;

    AzureSdkOnClusterIT(EmbeddedKafka kafka, EmbeddedPostgres postgres) {
        this.kafka = kafka;
        this.postgres = postgres;
    }

    @Override
    protected HubEndpoint startHub(Path dir, String suiteConfig) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(HaproxyProcess.BINARY),
                "HAProxy is not installed at /usr/sbin/haproxy (Debian package haproxy): no load balancer to test behind");
        ClusterStoreConfig cluster = ClusterStoreConfig.fresh(kafka, postgres);
        String config = StandardPorts.behindLoadBalancer(HOST, suiteConfig);
        GatewayProcess first = GatewayProcess.configured(dir.resolve("a"), config + cluster.yaml(NODES[0])).start();
        nodes.add(first);
        Path tls = first.dataDir().resolve("tls");
        for (int i = 1; i < NODES.length; i++) {
            String name = NODES[i].substring("node-".length());
            nodes.add(GatewayProcess.configured(dir.resolve(name), config + cluster.yaml(NODES[i]),
                    "--tls-cert", tls.resolve("server.pem").toString(),
                    "--tls-key", tls.resolve("server-key.pem").toString()).start());
        }
        for (GatewayProcess node : nodes) {
            assertThat(node.serviceConnectionString()).as("every node serves the policies of the shared registry")
                    .isEqualTo(first.serviceConnectionString());
        }

        haproxy = HaproxyProcess.start(dir.resolve("haproxy"), List.of(
                route("mqtt", 8883, node -> node.port("mqtt")),
                route("amqp", 5671, node -> node.port("amqp")),
                route("https", 443, node -> node.port("https"))));
        await().atMost(Duration.ofSeconds(30)).until(haproxy::allUp);
        return new HubEndpoint(first.serviceConnectionString(), first.caCertificate(), haproxy.port("https"));
    }

    private HaproxyProcess.Route route(String name, int port, ToIntFunction<GatewayProcess> nodePort) {
        List<HaproxyProcess.Backend> backends = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            GatewayProcess node = nodes.get(i);
            backends.add(new HaproxyProcess.Backend(NODES[i], nodePort.applyAsInt(node), node.port("health")));
        }
        return new HaproxyProcess.Route(name, port, backends);
    }

    @Override
    protected String hubLog() throws IOException {
        StringBuilder logs = new StringBuilder();
        for (GatewayProcess node : nodes) {
            logs.append(node.log());
        }
        return logs.toString();
    }

    /**
     * Checks that the suite's MQTT and AMQP connections were spread over every node (the SDKs' HTTPS clients keep one
     * or two connections alive for all their calls), then stops HAProxy and the nodes.
     */
    @Override
    protected void stopHub() throws Exception {
        try {
            if (haproxy != null) {
                for (String route : List.of("mqtt", "amqp")) {
                    Map<String, Integer> sessions = haproxy.sessionsServed(route);
                    assertThat(sessions).as("%s connections each node served", route).hasSize(NODES.length)
                            .allSatisfy((node, count) -> assertThat(count).as(node).isPositive());
                }
            }
        } finally {
            if (haproxy != null) {
                haproxy.close();
            }
            for (GatewayProcess node : nodes) {
                node.stopCleanly();
            }
        }
    }
}
