package io.gatehouse.core;

import io.gatehouse.core.queue.LifecycleCounters;

/** Totals of the whole hub at one moment. */
public record CoreStatistics(
        int devices,
        int connectedDevices,
        long c2dQueued,
        LifecycleCounters.Snapshot c2d,
        int feedbackQueued,
        LifecycleCounters.Snapshot feedback,
        long d2cAppended,
        long d2cRefused) {
}
