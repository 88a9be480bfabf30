package io.gatehouse.core.exec;

import io.gatehouse.core.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The fixed set of shards the core's state is spread over. A key (a device id, say) always maps to the
 * same shard, so everything about one device happens on one thread, in order.
 */
public final class ShardGroup implements AutoCloseable {

    private final List<Shard> shards;
    private final boolean threaded;

    private ShardGroup(List<Shard> shards, boolean threaded) {
        this.shards = List.copyOf(shards);
        this.threaded = threaded;
    }

    /** Shards with a thread each. */
    public static ShardGroup threaded(String prefix, int count, Clock clock) {
        ShardGroup group = new ShardGroup(create(prefix, count, clock), true);
        group.shards.forEach(Shard::start);
        return group;
    }

    /** Shards that only run when {@link #runPending()} is called: deterministic tests. */
    public static ShardGroup manual(String prefix, int count, Clock clock) {
        return new ShardGroup(create(prefix, count, clock), false);
    }

    private static List<Shard> create(String prefix, int count, Clock clock) {
        if (count < 1) {
            throw new IllegalArgumentException("at least one shard is needed");
        }
        List<Shard> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            list.add(new Shard(prefix + "-" + i, clock));
        }
        return list;
    }

    public Shard shardFor(Object key) {
        return shards.get(Math.floorMod(spread(key.hashCode()), shards.size()));
    }

    public Shard shard(int index) {
        return shards.get(index);
    }

    public int size() {
        return shards.size();
    }

    public List<Shard> all() {
        return shards;
    }

    public boolean isThreaded() {
        return threaded;
    }

    /** Manual groups: run all shards until every queue is empty and no timer is due. */
    public void runPending() {
        boolean again = true;
        while (again) {
            again = false;
            for (Shard shard : shards) {
                shard.runPending();
            }
            for (Shard shard : shards) {
                if (shard.hasPendingWork()) {
                    again = true;
                }
            }
        }
    }

    /** Completes once every shard has run everything submitted before this call. */
    public CompletableFuture<Void> barrier() {
        CompletableFuture<?>[] all = new CompletableFuture<?>[shards.size()];
        for (int i = 0; i < shards.size(); i++) {
            all[i] = CompletableFuture.runAsync(() -> { }, shards.get(i));
        }
        return CompletableFuture.allOf(all);
    }

    @Override
    public void close() {
        shards.forEach(Shard::stop);
    }

    private static int spread(int h) {
        return h ^ (h >>> 16);
    }
}
