package io.gatehouse.core.feedback;

import io.gatehouse.core.model.LockToken;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.PolledInboxes.Settlement;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** The node owning the feedback queue, as a feedback receiver on a node that does not reaches it. */
public interface FeedbackOwner {

    /**
     * Takes a feedback message under lock there. Empty when none was ready, or when no live node owned the queue and
     * this node claimed it (its receivers then receive here).
     */
    CompletableFuture<Optional<Delivery>> take();

    /** Settles there the message taken under {@code token}; LOCK_LOST when that lock is gone (or the queue moved). */
    CompletableFuture<Void> settle(LockToken token, Settlement settlement);
}
