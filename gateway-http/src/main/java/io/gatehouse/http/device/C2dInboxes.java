package io.gatehouse.http.device;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.LockToken;
import io.gatehouse.core.queue.CloudToDevice;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.Receiver;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/** The {@link C2dInbox} of each device that has a poll running or a message locked; none for the others. */
final class C2dInboxes {

    private final CloudToDevice c2d;
    private final Map<DeviceId, C2dInbox> inboxes = new ConcurrentHashMap<>();

    C2dInboxes(CloudToDevice c2d) {
        this.c2d = c2d;
    }

    CompletableFuture<Optional<Delivery>> take(DeviceId device) {
        C2dInbox inbox = inboxes.computeIfAbsent(device, this::newInbox);
        // an inbox that retired between the lookup and the take answers null: ask its successor
        return inbox.take().thenCompose(taken -> taken != null ? CompletableFuture.completedFuture(taken) : take(device));
    }

    CompletableFuture<Void> settle(DeviceId device, LockToken token,
                                   BiFunction<Receiver, LockToken, CompletableFuture<Void>> settlement) {
        C2dInbox inbox = inboxes.get(device);
        return inbox != null ? inbox.settle(token, settlement) : C2dInbox.lockLost(device, token);
    }

    /** Devices with an inbox now (each holds at most one core receiver). */
    int open() {
        return inboxes.size();
    }

    private C2dInbox newInbox(DeviceId device) {
        C2dInbox[] self = new C2dInbox[1];
        self[0] = new C2dInbox(device, c2d, () -> inboxes.remove(device, self[0]), C2dInbox.DELIVERY_WAIT);
        return self[0];
    }
}
