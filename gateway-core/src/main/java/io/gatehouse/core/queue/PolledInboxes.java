package io.gatehouse.core.queue;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.LockToken;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link PolledInbox} of each device that has a poll running or a message locked here; none for the others. The
 * C2D queues of devices that poll (over HTTPS) rather than hold a connection.
 */
public final class PolledInboxes {

    /** What a polling device does with a message it holds under lock. */
    public enum Settlement {
        COMPLETE, REJECT, ABANDON;

        /** Settles the message {@code receiver} holds under {@code token} this way. */
        public CompletableFuture<Void> apply(Receiver receiver, LockToken token) {
            return switch (this) {
                case COMPLETE -> receiver.complete(token);
                case REJECT -> receiver.reject(token);
                case ABANDON -> receiver.abandon(token);
            };
        }
    }

    private final CloudToDevice c2d;
    private final Map<DeviceId, PolledInbox> inboxes = new ConcurrentHashMap<>();

    public PolledInboxes(CloudToDevice c2d) {
        this.c2d = c2d;
    }

    /** One message under lock, or empty when none is ready now. */
    public CompletableFuture<Optional<Delivery>> take(DeviceId device) {
        PolledInbox inbox = inboxes.computeIfAbsent(device, this::newInbox);
        // an inbox that retired between the lookup and the take answers null: ask its successor
        return inbox.take().thenCompose(taken -> taken != null ? CompletableFuture.completedFuture(taken) : take(device));
    }

    /** Settles a message this node's inbox of the device holds; LOCK_LOST for any other token. */
    public CompletableFuture<Void> settle(DeviceId device, LockToken token, Settlement settlement) {
        PolledInbox inbox = inboxes.get(device);
        return inbox != null ? inbox.settle(token, settlement) : PolledInbox.lockLost("device " + device, token);
    }

    /** Devices with an inbox here now (each holds at most one receiver). */
    public int open() {
        return inboxes.size();
    }

    private PolledInbox newInbox(DeviceId device) {
        return PolledInbox.ofDevice(device, c2d, retired -> inboxes.remove(device, retired), PolledInbox.DELIVERY_WAIT);
    }
}
