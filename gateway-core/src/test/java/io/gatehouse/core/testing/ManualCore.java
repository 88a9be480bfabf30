package io.gatehouse.core.testing;

import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.store.Store;
import io.gatehouse.core.store.memory.InMemoryStore;
import io.gatehouse.core.time.ManualClock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A deterministic core for tests: manual clock, shards that run only when told, an in-memory store.
 * Every helper runs pending work before it returns, so a test reads like a script.
 */
public final class ManualCore implements AutoCloseable {

    public final ManualClock clock;
    public final HubSettings settings;
    public final Store store;
    public final GatewayCore core;

    public ManualCore() {
        this(HubSettings.defaults());
    }

    public ManualCore(HubSettings settings) {
        this(settings, new InMemoryStore(settings.eventPartitions()));
    }

    public ManualCore(HubSettings settings, Store store) {
        this(settings, store, new ManualClock());
    }

    public ManualCore(HubSettings settings, Store store, ManualClock clock) {
        this.clock = clock;
        this.settings = settings;
        this.store = store;
        this.core = GatewayCore.builder().settings(settings).store(store).clock(clock).shards(2).manualShards().start();
    }

    /**
     * Simulates a crash and a restart: this core stops where it is (nothing is flushed, locks are forgotten)
     * and a new core recovers from {@code durableContent} (the same store, or what a {@link ManualStore}
     * made durable), on the same clock.
     */
    public ManualCore restart(Store durableContent) {
        core.close();
        return new ManualCore(settings, durableContent, clock);
    }

    /** {@link #restart(Store)} over this core's own store. */
    public ManualCore restart() {
        return restart(store);
    }

    /** Runs what is pending, then returns the future's value (it must be done by then). */
    public <T> T await(CompletableFuture<T> future) {
        core.runPending();
        if (!future.isDone()) {
            throw new AssertionError("operation did not complete after all pending work ran");
        }
        return future.join();
    }

    public Device createDevice(String id) {
        return await(core.registry().create(DeviceId.of(id)));
    }

    public void advance(Duration duration) {
        clock.advance(duration);
        core.runPending();
    }

    public void run() {
        core.runPending();
    }

    @Override
    public void close() {
        core.close();
    }
}
