package io.gatehouse.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.core.CoreStatistics;
import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.queue.LifecycleCounters;
import io.gatehouse.core.queue.Outcome;
import io.gatehouse.core.queue.QueueStats;
import io.gatehouse.core.registry.AccessRight;
import io.gatehouse.core.store.ClusterMember;
import io.netty.handler.codec.http.HttpMethod;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** For whoever runs the gateway: health, Prometheus metrics and Gatehouse's statistics. */
public final class OperationsRoutes {

    private final GatewayCore core;
    private final Supplier<String> metricsScrape;

    public OperationsRoutes(GatewayCore core, Supplier<String> metricsScrape) {
        this.core = core;
        this.metricsScrape = metricsScrape;
    }

    public void register(Router router) {
        registerProbes(router);
        router.add(HttpMethod.GET, "/gatehouse/statistics", AccessRight.REGISTRY_READ, this::statistics);
    }

    /** Only what needs no token: health and metrics, for probes and scrapers (also on the plain health port). */
    public void registerProbes(Router router) {
        router.add(HttpMethod.GET, "/health", null, this::health)
                .add(HttpMethod.GET, "/metrics", null, this::metrics);
    }

    private CompletableFuture<RestResponse> health(RestRequest request) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        Optional<String> unavailability = core.unavailability();
        // 503 while the store is unreachable, so a load balancer sends devices to another node meanwhile
        node.put("status", unavailability.isEmpty() ? "UP" : "UNAVAILABLE");
        unavailability.ifPresent(reason -> node.put("reason", reason));
        node.put("durable", core.isDurable());
        node.put("hubName", core.settings().hubName());
        return CompletableFuture.completedFuture(RestResponse.json(unavailability.isEmpty() ? 200 : 503, Json.bytes(node)));
    }

    private CompletableFuture<RestResponse> metrics(RestRequest request) {
        return CompletableFuture.completedFuture(
                RestResponse.text(200, "text/plain; version=0.0.4; charset=utf-8", metricsScrape.get()));
    }

    private CompletableFuture<RestResponse> statistics(RestRequest request) {
        return core.c2d().allStats().thenApply(queues -> {
            CoreStatistics stats = core.statistics();
            ObjectNode node = Json.MAPPER.createObjectNode();
            node.put("devices", stats.devices());
            node.put("connectedDevices", stats.connectedDevices());
            ObjectNode d2c = node.putObject("d2c");
            d2c.put("appended", stats.d2cAppended());
            d2c.put("refused", stats.d2cRefused());
            lifecycle(node.putObject("c2d"), stats.c2d(), stats.c2dQueued());
            lifecycle(node.putObject("feedback"), stats.feedback(), stats.feedbackQueued());
            if (!core.c2d().owners().ownsEveryDevice()) {
                ObjectNode cluster = node.putObject("cluster");
                cluster.put("devicesOwnedHere", core.c2d().owners().ownedCount());
                ArrayNode nodes = cluster.putArray("nodes");
                for (ClusterMember member : core.clusterMembers()) {
                    nodes.addObject().put("node", member.node()).put("instance", member.origin()).put("self", member.self())
                            .put("alive", member.alive()).put("lastHeartbeat", member.lastHeartbeat().toString());
                }
            }
            ObjectNode protocols = node.putObject("connections");
            core.connections().connectedProtocols().forEach((device, protocol) -> protocols.put(device.value(), protocol));
            ObjectNode perDevice = node.putObject("queues");
            for (Map.Entry<DeviceId, QueueStats> e : queues.entrySet()) {
                ObjectNode q = perDevice.putObject(e.getKey().value());
                q.put("depth", e.getValue().depth());
                q.put("enqueued", e.getValue().enqueued());
                q.put("locked", e.getValue().locked());
                q.put("receivers", e.getValue().receivers());
            }
            return RestResponse.json(200, Json.bytes(node));
        });
    }

    private static void lifecycle(ObjectNode node, LifecycleCounters.Snapshot s, long queued) {
        node.put("queued", queued);
        node.put("enqueued", s.enqueued());
        node.put("refused", s.refused());
        node.put("delivered", s.delivered());
        node.put("abandoned", s.abandoned());
        node.put("lockTimeouts", s.lockTimeouts());
        for (Outcome outcome : Outcome.values()) {
            node.put(camel(outcome.name()), s.ended(outcome));
        }
    }

    private static String camel(String constant) {
        StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (char c : constant.toLowerCase(Locale.ROOT).toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }
}
