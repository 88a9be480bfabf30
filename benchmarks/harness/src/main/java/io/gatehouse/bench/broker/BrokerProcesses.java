package io.gatehouse.bench.broker;

import io.gatehouse.bench.os.ProcessTree;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The OS processes a running broker consists of: those the harness launched (the broker, or one gateway per
 * cluster node) and, for a cluster, the Kafka and PostgreSQL they share. Stopped together, nodes first, so no
 * node reports the engines' absence as an outage on its way out.
 */
public final class BrokerProcesses implements AutoCloseable {

    private final List<BrokerProcess> launched;
    private final KafkaAndPostgres engines;
    private final ProcessTree tree;

    private BrokerProcesses(List<BrokerProcess> launched, KafkaAndPostgres engines) {
        this.launched = List.copyOf(launched);
        this.engines = engines;
        List<Long> roots = new ArrayList<>();
        launched.forEach(p -> roots.add(p.pid()));
        if (engines != null) {
            roots.addAll(engines.pids());
        }
        this.tree = ProcessTree.of(roots);
    }

    static BrokerProcesses of(BrokerProcess broker) {
        return new BrokerProcesses(List.of(broker), null);
    }

    static BrokerProcesses cluster(List<BrokerProcess> nodes, KafkaAndPostgres engines) {
        return new BrokerProcesses(nodes, engines);
    }

    /** Every process of the broker, for CPU and memory: the launched ones, the engines, and all they forked. */
    public ProcessTree tree() {
        return tree;
    }

    public boolean isAlive() {
        return tree.isAlive();
    }

    /** The output of each launched process (the engines' logs are in their temporary directories, deleted with them). */
    public List<Path> logs() {
        return launched.stream().map(BrokerProcess::log).toList();
    }

    /** What the rows of a cluster say about what the broker's figures cover (nothing for a one-process broker). */
    List<String> notes() {
        if (engines == null) {
            return List.of();
        }
        return List.of("broker side: " + launched.size() + (launched.size() == 1 ? " gateway node, " : " gateway nodes, ")
                + engines.describe() + "; " + tree.pids().size() + " processes, whose CPU and memory the figures sum"
                + " (memory as PSS: pages they share counted once)");
    }

    @Override
    public void close() {
        for (int i = launched.size() - 1; i >= 0; i--) {
            launched.get(i).close();
        }
        if (engines != null) {
            engines.close();
        }
    }
}
