package io.gatehouse.amqp.eventhub;

import io.gatehouse.core.events.StartPosition;
import java.util.Map;
import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.proton.engine.Link;

/**
 * What an Event Hubs partition receiver asks for in its attach: where to start (the selector filter), its owner level
 * (link property {@code com.microsoft:epoch}, a long; absent for none) and whether each delivery should carry the
 * partition's last enqueued event (desired capability {@code com.microsoft:enable-receiver-runtime-metric}, as both
 * the Java and the JavaScript SDK write it; the {@code -descriptor} spelling is accepted too).
 */
public record PartitionReceiverRequest(String consumerGroup, int partition, StartPosition start, Long ownerLevel,
                                       boolean trackLastEnqueued) {

    public static final Symbol EPOCH = Symbol.valueOf("com.microsoft:epoch");
    public static final Symbol RUNTIME_METRIC = Symbol.valueOf("com.microsoft:enable-receiver-runtime-metric");
    public static final Symbol RUNTIME_METRIC_DESCRIPTOR =
            Symbol.valueOf("com.microsoft:enable-receiver-runtime-metric-descriptor");

    /** Reads the attach; throws {@link io.gatehouse.core.model.GatewayException} for a filter we do not know. */
    public static PartitionReceiverRequest of(Link link, String consumerGroup, int partition) {
        return new PartitionReceiverRequest(consumerGroup, partition, SelectorFilter.startPosition(link.getRemoteSource()),
                ownerLevel(link.getRemoteProperties()), runtimeMetricCapability(link) != null);
    }

    /** The runtime-metric capability in the spelling the peer desired (to offer it back), or null. */
    public static Symbol runtimeMetricCapability(Link link) {
        Symbol[] desired = link.getRemoteDesiredCapabilities();
        if (desired != null) {
            for (Symbol s : desired) {
                if (RUNTIME_METRIC.equals(s) || RUNTIME_METRIC_DESCRIPTOR.equals(s)) {
                    return s;
                }
            }
        }
        return null;
    }

    private static Long ownerLevel(Map<Symbol, Object> properties) {
        Object value = properties == null ? null : properties.get(EPOCH);
        return value instanceof Number n ? n.longValue() : null;
    }
}
