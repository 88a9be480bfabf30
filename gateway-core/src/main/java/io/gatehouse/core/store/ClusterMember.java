package io.gatehouse.core.store;

import java.time.Instant;

/**
 * A gateway node sharing the store, as the store last saw it: its name, its instance ("origin"; a restarted node is
 * a new one), whether it is this node, and whether its heartbeat is recent enough to count it alive.
 */
public record ClusterMember(String node, String origin, boolean self, boolean alive, Instant lastHeartbeat) {
}
