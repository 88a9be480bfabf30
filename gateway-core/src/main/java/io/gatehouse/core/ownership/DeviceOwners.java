package io.gatehouse.core.ownership;

import io.gatehouse.core.exec.ShardGroup;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.store.DeviceOwnership;
import io.gatehouse.core.store.DeviceOwnership.Placement;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StoreException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The devices this node owns, on a store that several nodes share ({@link DeviceOwnership}), and the routing of
 * service calls to the node that owns a device. On a store of one node every device is owned here and every call
 * runs here.
 *
 * <p>A device is claimed when it connects or opens a C2D receiver here; its stored queue is then restored by the
 * {@link OwnedState} on the device's shard, once per ownership, before anything else of the device runs here. A
 * call for a device that another live node owns is run there and answered back; a call that reaches a node the
 * device has just left, or whose write the store refused because the device moved, is placed again.
 */
public final class DeviceOwners {

    /** How often a call is placed again when the device moved while the call was under way. */
    private static final int PLACEMENT_ATTEMPTS = 3;
    /** What a call about no device in particular names where calls name their device; nodes never look it up. */
    private static final DeviceId NO_DEVICE = DeviceId.of("$hub");

    /** What this node keeps of an owned device: its C2D queue. Both run on the device's shard. */
    public interface OwnedState {
        /** Restores the device's stored entries here. */
        void restore(DeviceId device, Map<StateKey, byte[]> entries);

        /** Forgets the device's state here without writing: its entries are another node's now. */
        void drop(DeviceId device);
    }

    private final DeviceOwnership ownership;
    private final ShardGroup shards;
    private final OwnedState state;
    /** The devices owned or being claimed here, each with a future that completes once its entries are restored. */
    private final Map<DeviceId, CompletableFuture<Void>> owned = new ConcurrentHashMap<>();

    public DeviceOwners(DeviceOwnership ownership, ShardGroup shards, OwnedState state) {
        this.ownership = ownership;
        this.shards = shards;
        this.state = state;
    }

    public boolean ownsEveryDevice() {
        return ownership.ownsEveryDevice();
    }

    /** Claims the device for this node (it connected here), unless this node owns it or is claiming it already. */
    public void claim(DeviceId device) {
        if (ownership.ownsEveryDevice()) {
            return;
        }
        CompletableFuture<Void> adopted = new CompletableFuture<>();
        if (owned.putIfAbsent(device, adopted) != null) {
            return;
        }
        ownership.claim(device).whenComplete((entries, failure) -> {
            if (failure == null) {
                restore(device, entries, adopted);
            } else {
                // nothing is delivered here meanwhile; the device's next connection claims again
                owned.remove(device, adopted);
                adopted.completeExceptionally(failure);
            }
        });
    }

    /**
     * This node owns the device now (it claimed it for a call, or took it over): restores its entries here, once per
     * ownership (a second claim's entries would repeat what is here already). Completes once they are restored.
     */
    public CompletableFuture<Void> adopt(DeviceId device, Map<StateKey, byte[]> entries) {
        CompletableFuture<Void> adopted = new CompletableFuture<>();
        CompletableFuture<Void> earlier = owned.putIfAbsent(device, adopted);
        if (earlier != null) {
            return earlier;
        }
        restore(device, entries, adopted);
        return adopted;
    }

    private void restore(DeviceId device, Map<StateKey, byte[]> entries, CompletableFuture<Void> adopted) {
        shards.shardFor(device).execute(() -> {
            if (owned.get(device) != adopted) {
                // released before the claim's answer got here: another node owns the device now
                adopted.completeExceptionally(StoreException.notOwner("device " + device + " moved to another node meanwhile"));
                return;
            }
            try {
                state.restore(device, entries);
                adopted.complete(null);
            } catch (RuntimeException e) {
                owned.remove(device, adopted);
                adopted.completeExceptionally(e);
            }
        });
    }

    /** Another node owns the device now: its state here goes, without a write. */
    public void release(DeviceId device) {
        if (owned.remove(device) != null) {
            shards.shardFor(device).execute(() -> state.drop(device));
        }
    }

    /**
     * Runs a call another node placed here because this node owned the device; completes with the answer to send
     * back, "moved" when this node no longer owns it.
     */
    public CompletableFuture<byte[]> answer(DeviceId device, byte[] call, Function<OwnerCalls.Call, CompletableFuture<byte[]>> run) {
        OwnerCalls.Call read = OwnerCalls.read(call);
        CompletableFuture<Void> ownedHere = read.needsOwner() ? owned.get(device) : CompletableFuture.completedFuture(null);
        if (ownedHere == null) {
            return CompletableFuture.completedFuture(OwnerCalls.moved());
        }
        return ownedHere.thenCompose(ok -> run.apply(read))
                .handle((result, failure) -> failure == null ? OwnerCalls.answered(result) : OwnerCalls.failed(failure));
    }

    /**
     * Runs {@code call} about {@code device} on every other live node, owner or not; the results of those that answered
     * in time. None on a store of one node.
     */
    public CompletableFuture<List<byte[]>> askEveryNode(DeviceId device, byte[] call, Duration answerWithin) {
        return ownership.askEveryNode(device, call, answerWithin).thenApply(answers -> answers.stream()
                .map(OwnerCalls::resultIfAnswered).flatMap(Optional::stream).toList());
    }

    /** As {@link #askEveryNode(DeviceId, byte[], Duration)}, for a call about no device in particular. */
    public CompletableFuture<List<byte[]>> askEveryNode(byte[] call, Duration answerWithin) {
        return askEveryNode(NO_DEVICE, call, answerWithin);
    }

    /** Devices this node owns (or is claiming); 0 on a store of one node, which owns them all without counting. */
    public int ownedCount() {
        return owned.size();
    }

    /** The device is gone. */
    public void forget(DeviceId device) {
        owned.remove(device);
    }

    /**
     * Runs a service call for {@code device} where the device is owned: here ({@code here}) when this node owns it or
     * claims it now because no live node does, else on the owner, whose answer {@code decode} reads. {@code call}
     * writes the call as {@link OwnerCalls} does, only when it goes to another node (on one node, or for a device
     * owned here, a C2D send would otherwise copy its body for nothing); the owner must answer within
     * {@code answerWithin}.
     */
    public <T> CompletableFuture<T> whereOwned(DeviceId device, Supplier<byte[]> call, Duration answerWithin,
                                               Supplier<CompletableFuture<T>> here, Function<byte[], T> decode) {
        if (ownership.ownsEveryDevice()) {
            return here.get();
        }
        return whereOwned(device, call, answerWithin, here, decode, PLACEMENT_ATTEMPTS);
    }

    private <T> CompletableFuture<T> whereOwned(DeviceId device, Supplier<byte[]> call, Duration answerWithin,
                                                Supplier<CompletableFuture<T>> here, Function<byte[], T> decode,
                                                int attempts) {
        CompletableFuture<Void> ownedHere = owned.get(device);
        CompletableFuture<T> result = ownedHere != null ? ownedHere.thenCompose(ok -> here.get())
                : ownership.place(device, call.get(), answerWithin).thenCompose(placement -> placement instanceof Placement.Claimed claimed
                        ? adopt(device, claimed.entries()).thenCompose(ok -> here.get())
                        : OwnerCalls.resultOf(((Placement.Answered) placement).answer()).thenApply(decode));
        return result.exceptionallyCompose(failure -> {
            if (attempts <= 1 || !StoreException.isNotOwner(failure)) {
                return CompletableFuture.failedFuture(failure);
            }
            // the device moved on while the call was under way (it connected to another node), whether the store
            // refused this node's write or the node the call went to had let the device go: follow it
            release(device);
            ownership.forgetOwner(device);
            return whereOwned(device, call, answerWithin, here, decode, attempts - 1);
        });
    }
}
