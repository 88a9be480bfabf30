package io.gatehouse.core;

import io.gatehouse.core.auth.SasAuthenticator;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.events.EventStream;
import io.gatehouse.core.exec.Shard;
import io.gatehouse.core.exec.ShardGroup;
import io.gatehouse.core.feedback.FeedbackService;
import io.gatehouse.core.methods.DirectMethods;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.ownership.DevicePresences;
import io.gatehouse.core.ownership.FeedbackWhereOwned;
import io.gatehouse.core.ownership.OwnerCalls;
import io.gatehouse.core.ownership.PollsWhereOwned;
import io.gatehouse.core.ownership.TwinsWhereOwned;
import io.gatehouse.core.queue.CloudToDevice;
import io.gatehouse.core.queue.PolledInboxes;
import io.gatehouse.core.registry.AccessPolicies;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.registry.DeviceRegistry;
import io.gatehouse.core.registry.KeySource;
import io.gatehouse.core.registry.ModuleRegistry;
import io.gatehouse.core.registry.RegistryListener;
import io.gatehouse.core.session.DeviceConnections;
import io.gatehouse.core.session.PersistentSessions;
import io.gatehouse.core.store.ClusterMember;
import io.gatehouse.core.store.DeviceOwnership;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.Store;
import io.gatehouse.core.time.Clock;
import io.gatehouse.core.time.SystemClock;
import io.gatehouse.core.twin.DeviceTwins;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue core, wired: registry and policies, authentication, C2D queues, feedback, the D2C event
 * stream, connections and persistent sessions, over one {@link Store}. Start it with {@link #builder()};
 * it recovers everything the store holds before it returns.
 *
 * <p>Threading model, in one place:
 * <ul>
 *   <li>Per-device C2D state lives on one of N shard threads, chosen by a hash of the device id; all
 *       operations on a device queue run there, in order, without locks. The feedback queue lives on shard 0.</li>
 *   <li>D2C appends run on the caller's thread (an event loop) under a per-partition monitor held for a few
 *       field updates; reads and retention run on a separate read shard.</li>
 *   <li>Registry changes are serialized by the registry's monitor; lookups are lock-free.</li>
 *   <li>The store completes futures on its own thread(s); the core hops back to its shards from there.
 *       Callers must do the same: never do slow work in a future's callback.</li>
 * </ul>
 */
public final class GatewayCore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GatewayCore.class);

    private final HubSettings settings;
    private final Store store;
    private final Clock clock;
    private final ShardGroup shards;
    private final ShardGroup readShards;
    private final DeviceRegistry registry;
    private final ModuleRegistry modules;
    private final AccessPolicies policies;
    private final SasAuthenticator authenticator;
    private final FeedbackService feedback;
    private final CloudToDevice c2d;
    private final EventStream events;
    private final DeviceConnections connections;
    private final PersistentSessions sessions;
    private final DeviceTwins twins;
    private final DirectMethods methods;
    private final DevicePresences presences;
    private final TwinsWhereOwned twinsWhereOwned;
    private final PollsWhereOwned polls;
    private final FeedbackWhereOwned feedbackWhereOwned;

    private GatewayCore(Builder b) {
        this.settings = b.settings;
        this.store = b.store;
        this.clock = b.clock;
        this.shards = b.manual ? ShardGroup.manual("gatehouse-shard", b.shardCount, clock)
                : ShardGroup.threaded("gatehouse-shard", b.shardCount, clock);
        this.readShards = b.manual ? ShardGroup.manual("gatehouse-events", 1, clock)
                : ShardGroup.threaded("gatehouse-events", 1, clock);
        this.registry = new DeviceRegistry(store.state(), clock, b.keys);
        this.modules = new ModuleRegistry(store.state(), registry);
        this.policies = new AccessPolicies(store.state(), b.keys);
        this.authenticator = new SasAuthenticator(registry, modules, policies, clock, store.state()::catchUp);
        this.feedback = new FeedbackService(settings, shards.shard(0), store.state(), clock);
        // nodes sharing the store: feedback receivers here are served by the node owning the feedback queue
        this.feedbackWhereOwned = new FeedbackWhereOwned(feedback, store.state().ownership());
        feedback.reachOwnerThrough(feedbackWhereOwned);
        this.c2d = new CloudToDevice(settings, shards, store.state(), clock,
                device -> registry.get(device).map(Device::generationId).orElse(null), feedback);
        this.events = new EventStream(settings, store.events(), store.state(), clock, readShards.shard(0));
        this.connections = new DeviceConnections(clock);
        this.sessions = new PersistentSessions(store.state());
        this.twins = new DeviceTwins(store.state(), clock, registry);
        this.methods = new DirectMethods(shards, registry, clock, c2d.owners());
        this.presences = new DevicePresences(connections, c2d);
        this.twinsWhereOwned = new TwinsWhereOwned(twins, c2d.owners());
        this.polls = new PollsWhereOwned(new PolledInboxes(c2d), c2d.owners());
        // nodes sharing the store: a device's calls run on the node it is connected to
        connections.onConnect(c2d.owners()::claim);
        registry.addListener(new RegistryListener() {
            @Override
            public void deviceDeleted(Device device) {
                connections.forget(device.id());
                modules.deviceDeleted(device.id());
                sessions.remove(device.id());
                c2d.deleteQueue(device.id());
                twins.deleteTwin(device.id());
            }

            @Override
            public void deviceUpdated(Device before, Device after) {
                if (before.isEnabled() && !after.isEnabled()) {
                    connections.revoke(after.id(), "device " + after.id() + " was disabled");
                }
            }
        });
    }

    public static Builder builder() {
        return new Builder();
    }

    private void recover() {
        long started = System.nanoTime();
        Recovery recovery = new Recovery(this);
        store.state().forEachLive(recovery::accept);
        recovery.restore();
        join(modules.removeOrphans());
        join(policies.ensureDefaults());
        // nodes sharing the store: identities, policies, twins, sessions and checkpoints changed through another node are
        // known here too
        store.state().onChangedElsewhere((key, value) -> {
            switch (key.kind()) {
                case DEVICE -> registry.changedElsewhere(DeviceId.of(key.owner()), value);
                case MODULE -> modules.changedElsewhere(key.owner(), value);
                case ACCESS_POLICY -> policies.changedElsewhere(key.owner(), value);
                case TWIN -> twins.changedElsewhere(DeviceId.of(key.owner()), value);
                case SESSION -> sessions.changedElsewhere(DeviceId.of(key.owner()), value);
                case CHECKPOINT -> events.checkpointChangedElsewhere(value);
                default -> { }
            }
        });
        // nodes sharing the store: a device (or the feedback queue) that opened a receiver on another node leaves this
        // one; a service call placed here by another node runs on the queue this node owns
        store.state().ownership().listen(new DeviceOwnership.Listener() {
            @Override
            public void released(DeviceId device) {
                connections.revoke(device, "device " + device + " connected to another node");
                c2d.owners().release(device);
                methods.deviceMoved(device);
            }

            @Override
            public CompletableFuture<byte[]> called(DeviceId device, byte[] call) {
                return c2d.owners().answer(device, call, read -> {
                    if (read instanceof OwnerCalls.Call.Method method) {
                        return methods.invokeHere(device, method.call()).thenApply(OwnerCalls::methodResult);
                    }
                    if (read instanceof OwnerCalls.Call.Presence) {
                        return CompletableFuture.completedFuture(OwnerCalls.presence(presences.here(device)));
                    }
                    if (read instanceof OwnerCalls.Call.TwinRead || read instanceof OwnerCalls.Call.TwinChange) {
                        return twinsWhereOwned.run(device, read);
                    }
                    if (read instanceof OwnerCalls.Call.PollTake || read instanceof OwnerCalls.Call.PollSettle) {
                        return polls.run(device, read);
                    }
                    if (read instanceof OwnerCalls.Call.FeedbackTake || read instanceof OwnerCalls.Call.FeedbackSettle) {
                        return feedbackWhereOwned.run(read);
                    }
                    if (read instanceof OwnerCalls.Call.ModulePresence module) {
                        return CompletableFuture.completedFuture(presences.moduleHere(device, module.moduleId()));
                    }
                    if (read instanceof OwnerCalls.Call.PresencesHeld) {
                        return CompletableFuture.completedFuture(presences.heldHere());
                    }
                    if (read instanceof OwnerCalls.Call.PresencesOf page) {
                        return CompletableFuture.completedFuture(presences.heldHere(page.devices()));
                    }
                    if (read instanceof OwnerCalls.Call.ConnectedHere) {
                        return CompletableFuture.completedFuture(OwnerCalls.count(presences.connectedHere()));
                    }
                    return c2d.run(device, read);
                });
            }

            @Override
            public void adopted(DeviceId device, Map<StateKey, byte[]> entries) {
                c2d.owners().adopt(device, entries);
            }

            @Override
            public void readersDisplaced(String consumerGroup, int partition, long ownerLevel) {
                events.readersDisplacedElsewhere(consumerGroup, partition, ownerLevel);
            }

            @Override
            public void feedbackReleased() {
                feedback.shard().execute(feedback::release);
            }

            @Override
            public void feedbackAdopted(Map<StateKey, byte[]> entries) {
                feedback.shard().execute(() -> feedback.adopt(entries));
            }
        });
        events.startRetention();
        log.info("Recovered {} devices, {} C2D messages, {} feedback messages in {} ms", registry.size(),
                c2d.totalDepth(), feedback.depth(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    /** Runs {@code task} on {@code shard} and waits for it (recovery only). */
    void runOn(Shard shard, Runnable task) {
        join(CompletableFuture.runAsync(task, shard));
    }

    private <T> T join(CompletableFuture<T> future) {
        if (!shards.isThreaded()) {
            runPending();
        }
        return future.join();
    }

    public HubSettings settings() {
        return settings;
    }

    public Clock clock() {
        return clock;
    }

    public DeviceRegistry registry() {
        return registry;
    }

    public ModuleRegistry modules() {
        return modules;
    }

    public AccessPolicies policies() {
        return policies;
    }

    public SasAuthenticator authenticator() {
        return authenticator;
    }

    public CloudToDevice c2d() {
        return c2d;
    }

    public FeedbackService feedback() {
        return feedback;
    }

    public EventStream events() {
        return events;
    }

    public DeviceConnections connections() {
        return connections;
    }

    public PersistentSessions sessions() {
        return sessions;
    }

    public DeviceTwins twins() {
        return twins;
    }

    public DirectMethods methods() {
        return methods;
    }

    /** The service's reads and changes of twins (they run where the device is owned); {@link #twins()} for the rest. */
    public TwinsWhereOwned twinsWhereOwned() {
        return twinsWhereOwned;
    }

    /** The C2D polls of devices that hold no connection (HTTPS). */
    public PollsWhereOwned polls() {
        return polls;
    }

    /** Devices' connection states and C2D queue depths, for the registry. */
    public DevicePresences presences() {
        return presences;
    }

    Store store() {
        return store;
    }

    /** Why the hub refuses new work for now (its store cannot reach an engine it needs), or empty. */
    public Optional<String> unavailability() {
        return store.unavailability();
    }

    /** The nodes sharing this hub's store, as last seen; empty for a hub of one node. */
    public List<ClusterMember> clusterMembers() {
        return store.state().ownership().members();
    }

    public boolean isDurable() {
        return store.isDurable();
    }

    public CoreStatistics statistics() {
        return new CoreStatistics(registry.size(), connections.connectedCount(), c2d.totalDepth(),
                c2d.counters().snapshot(), feedback.depth(), feedback.counters().snapshot(), events.appendedCount(),
                events.refusedCount());
    }

    /**
     * For cores built with {@link Builder#manualShards()}: runs every queued operation and due timer until
     * nothing is left. Tests call this after each step (and after moving a {@code ManualClock}).
     */
    public void runPending() {
        boolean again = true;
        while (again) {
            shards.runPending();
            readShards.runPending();
            again = false;
            for (Shard shard : shards.all()) {
                again |= shard.hasPendingWork();
            }
            again |= readShards.shard(0).hasPendingWork();
        }
    }

    /** Completes once every shard has run what was submitted before. For threaded cores. */
    public CompletableFuture<Void> barrier() {
        return shards.barrier();
    }

    /** Stops the shards. The store is the caller's to close, after this. */
    @Override
    public void close() {
        shards.close();
        readShards.close();
    }

    /** Builds and starts a core. */
    public static final class Builder {
        private HubSettings settings = HubSettings.defaults();
        private Store store;
        private Clock clock = SystemClock.INSTANCE;
        private int shardCount = Math.max(1, Runtime.getRuntime().availableProcessors());
        private boolean manual;
        private KeySource keys = KeySource.RANDOM;

        public Builder settings(HubSettings settings) {
            this.settings = settings;
            return this;
        }

        public Builder store(Store store) {
            this.store = store;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public Builder shards(int count) {
            this.shardCount = count;
            return this;
        }

        /** Where the keys of identities created without keys come from (default: random). */
        public Builder keys(KeySource keys) {
            this.keys = keys;
            return this;
        }

        /** Shards without threads, run by {@link GatewayCore#runPending()}: deterministic tests. */
        public Builder manualShards() {
            this.manual = true;
            return this;
        }

        /** Creates the core and recovers the store's state; returns when it is ready to serve. */
        public GatewayCore start() {
            if (store == null) {
                throw new IllegalStateException("a store is required");
            }
            GatewayCore core = new GatewayCore(this);
            core.recover();
            return core;
        }
    }
}
