package io.gatehouse.core.ownership;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.LockToken;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.PolledInboxes;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The C2D polls of devices that hold no connection (HTTPS), run on the node that owns the device. A poll and the
 * settlement of what it took are separate requests, which a load balancer may hand to different nodes: the message's
 * lock is held by the inbox of one node, the owner's, so both go there. A poll of a device no live node owns claims it
 * here, as a connection would. On a store of one node all of it runs here.
 */
public final class PollsWhereOwned {

    /** Longer than an inbox waits for a delivery to be counted. */
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(15);

    private final PolledInboxes inboxes;
    private final DeviceOwners owners;

    public PollsWhereOwned(PolledInboxes inboxes, DeviceOwners owners) {
        this.inboxes = inboxes;
        this.owners = owners;
    }

    /** {@link PolledInboxes#take} on the owner. */
    public CompletableFuture<Optional<Delivery>> take(DeviceId device) {
        return owners.whereOwned(device, () -> OwnerCalls.pollTake(), ANSWER_WITHIN, () -> inboxes.take(device),
                OwnerCalls::polled);
    }

    /** {@link PolledInboxes#settle} on the owner. */
    public CompletableFuture<Void> settle(DeviceId device, LockToken token, PolledInboxes.Settlement settlement) {
        return owners.whereOwned(device, () -> OwnerCalls.pollSettle(new OwnerCalls.Call.PollSettle(token, settlement)),
                ANSWER_WITHIN, () -> inboxes.settle(device, token, settlement), answer -> null);
    }

    /** Runs a poll or settlement another node placed here; the answer as the caller reads it. */
    public CompletableFuture<byte[]> run(DeviceId device, OwnerCalls.Call call) {
        if (call instanceof OwnerCalls.Call.PollSettle settle) {
            return inboxes.settle(device, settle.token(), settle.settlement()).thenApply(ok -> new byte[0]);
        }
        return inboxes.take(device).thenApply(OwnerCalls::polled);
    }

    /** Devices with an inbox on this node now. */
    public int openInboxes() {
        return inboxes.open();
    }
}
