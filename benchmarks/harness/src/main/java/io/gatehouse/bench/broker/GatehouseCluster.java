package io.gatehouse.bench.broker;

import io.gatehouse.bench.os.CpuAffinity;
import io.gatehouse.cluster.testing.NodeConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * A cluster broker: Kafka and PostgreSQL, then its gateway nodes on them with {@code store.type=cluster}, configured
 * as the cluster's integration tests configure theirs. Node 0 declares the devices (they are in PostgreSQL once
 * it runs); the others read them from there at start. Every process runs on the brokers' CPU.
 */
final class GatehouseCluster {

    private static final String TOPIC = "gatehouse-bench-events";

    private GatehouseCluster() {
    }

    static RunningBroker start(Broker broker, MessagePath path, Launch launch, Path dataDir, int devices,
                               IntFunction<String> deviceIds, Duration timeout) throws IOException {
        KafkaAndPostgres engines = KafkaAndPostgres.start(launch.brokerCpu());
        List<GatehouseNode> nodes = new ArrayList<>();
        try {
            for (int n = 0; n < broker.clusterNodes(); n++) {
                String nodeId = "node-" + n;
                String yaml = clusterYaml(nodeId, engines) + (n == 0 ? GatehouseNode.devicesYaml(devices, deviceIds) : "");
                Path log = dataDir.resolveSibling(dataDir.getFileName() + "-" + nodeId + ".log");
                GatehouseNode node = GatehouseNode.start(launch, broker.id() + "-" + nodeId, dataDir.resolve(nodeId), log, yaml,
                        List.of(), timeout);
                nodes.add(node);
                if (!node.storeLine().startsWith("Store:") || !node.storeLine().contains("cluster node " + nodeId)) {
                    throw new IOException(nodeId + " does not run the cluster store: '" + node.storeLine() + "'");
                }
            }
            BrokerProcesses processes = BrokerProcesses.cluster(nodes.stream().map(GatehouseNode::process).toList(), engines);
            if (launch.brokerCpu() != null) {
                List<String> outside = CpuAffinity.threadsOutside(processes.tree(), launch.brokerCpu());
                if (!outside.isEmpty()) {
                    throw new IOException(outside.size() + " threads of the cluster may run outside CPU " + launch.brokerCpu()
                            + " (pid/tid): " + outside.subList(0, Math.min(10, outside.size())));
                }
            }
            List<Integer> mqttPorts = nodes.stream().map(node -> node.port("mqtt-plain")).toList();
            GatehouseNode first = nodes.get(0);
            return new RunningBroker(broker, broker.durability(path), processes, "127.0.0.1", new MqttNodes(mqttPorts),
                    first.port("amqp-plain"), first.dialect(), dataDir);
        } catch (IOException | RuntimeException e) {
            for (int i = nodes.size() - 1; i >= 0; i--) {
                nodes.get(i).process().close();
            }
            engines.close();
            throw e;
        }
    }

    private static String clusterYaml(String nodeId, KafkaAndPostgres engines) {
        return NodeConfig.yaml(nodeId, engines.kafkaBootstrapServers(), TOPIC, engines.jdbcUrl(), engines.jdbcUser());
    }
}
