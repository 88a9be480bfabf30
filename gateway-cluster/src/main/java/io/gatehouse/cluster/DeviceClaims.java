package io.gatehouse.cluster;

import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.StoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A node's device claims, taken together: claims asked while the ownership worker is busy wait and go in one
 * transaction, up to {@value #MAX_PER_TRANSACTION} devices, in a few statements ({@link OwnerRows#takeAll}). A
 * reconnect storm (the devices of a node that died, dialling the others) then costs a round trip per batch rather
 * than several per device.
 */
final class DeviceClaims {

    static final int MAX_PER_TRANSACTION = 500;

    private record Claim(String device, CompletableFuture<Map<StateKey, byte[]>> entries) {
    }

    private final OwnershipWorker worker;
    private final String origin;
    private final Queue<Claim> queued = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    DeviceClaims(OwnershipWorker worker, String origin) {
        this.worker = worker;
        this.origin = origin;
    }

    /** Makes this node the device's owner; completes with its queue rows once that committed. */
    CompletableFuture<Map<StateKey, byte[]>> claim(String device) {
        Claim claim = new Claim(device, new CompletableFuture<>());
        queued.add(claim);
        if (scheduled.compareAndSet(false, true)) {
            try {
                worker.execute(this::claimQueued);
            } catch (RejectedExecutionException e) {
                claim.entries().completeExceptionally(new StoreException("the node is closing"));
            }
        }
        return claim.entries();
    }

    /** On the worker: every claim queued so far, in transactions of at most {@value #MAX_PER_TRANSACTION} devices. */
    private void claimQueued() {
        scheduled.set(false);
        List<Claim> batch = new ArrayList<>();
        for (Claim claim = queued.poll(); claim != null; claim = queued.poll()) {
            batch.add(claim);
            if (batch.size() == MAX_PER_TRANSACTION) {
                claimTogether(batch);
                batch = new ArrayList<>();
            }
        }
        if (!batch.isEmpty()) {
            claimTogether(batch);
        }
    }

    private void claimTogether(List<Claim> batch) {
        // sorted: nodes claiming overlapping sets lock the owner rows in the same order
        List<String> devices = new ArrayList<>(new TreeSet<>(batch.stream().map(Claim::device).toList()));
        try {
            Map<String, Map<StateKey, byte[]>> entries = worker.inTransaction(
                    connection -> OwnerRows.takeAll(connection, origin, devices, false));
            batch.forEach(claim -> claim.entries().complete(entries.get(claim.device())));
        } catch (Exception e) {
            worker.disconnect();
            StoreException failure = StoreException.unavailable("PostgreSQL did not take " + devices.size()
                    + " device claims: " + e.getMessage(), e);
            batch.forEach(claim -> claim.entries().completeExceptionally(failure));
        }
    }
}
