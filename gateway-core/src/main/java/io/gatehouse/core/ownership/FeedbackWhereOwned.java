package io.gatehouse.core.ownership;

import io.gatehouse.core.feedback.FeedbackOwner;
import io.gatehouse.core.feedback.FeedbackService;
import io.gatehouse.core.model.LockToken;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.PolledInbox;
import io.gatehouse.core.queue.PolledInboxes.Settlement;
import io.gatehouse.core.store.DeviceOwnership;
import io.gatehouse.core.store.DeviceOwnership.Placement;
import io.gatehouse.core.store.StoreException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Feedback receivers on a node that does not own the feedback queue, served by the node that does: their takes and
 * settlements run there, through the store's calls between nodes ({@link OwnerCalls.Call.FeedbackTake}, {@link
 * OwnerCalls.Call.FeedbackSettle}), against an inbox that holds their locks on the owner. A take that finds no live
 * owner claims the queue for this node.
 */
public final class FeedbackWhereOwned implements FeedbackOwner {

    /** Longer than an inbox waits for a delivery to be counted. */
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(15);
    private static final String QUEUE = "the feedback queue";

    private final FeedbackService feedback;
    private final DeviceOwnership ownership;

    public FeedbackWhereOwned(FeedbackService feedback, DeviceOwnership ownership) {
        this.feedback = feedback;
        this.ownership = ownership;
    }

    @Override
    public CompletableFuture<Optional<Delivery>> take() {
        return placed(OwnerCalls.feedbackTake()).thenApply(answer -> answer.flatMap(OwnerCalls::polled));
    }

    @Override
    public CompletableFuture<Void> settle(LockToken token, Settlement settlement) {
        return placed(OwnerCalls.feedbackSettle(new OwnerCalls.Call.FeedbackSettle(token, settlement)))
                .thenCompose(answer -> answer.isPresent() ? CompletableFuture.<Void>completedFuture(null)
                        // claimed: locks taken on the node that owned the queue went with it
                        : PolledInbox.lockLost(QUEUE, token))
                .exceptionallyCompose(failure -> StoreException.isNotOwner(failure) ? PolledInbox.lockLost(QUEUE, token)
                        : CompletableFuture.failedFuture(failure));
    }

    /** Runs a take or settlement another node's receiver placed here; the result as the caller reads it. */
    public CompletableFuture<byte[]> run(OwnerCalls.Call call) {
        return feedback.shard().call(() -> {
            Optional<PolledInbox> inbox = feedback.inboxForOtherNodes();
            if (inbox.isEmpty()) {
                return CompletableFuture.failedFuture(StoreException.notOwner("this node does not own " + QUEUE));
            }
            if (call instanceof OwnerCalls.Call.FeedbackSettle settle) {
                return inbox.get().settle(settle.token(), settle.settlement()).thenApply(ok -> new byte[0]);
            }
            // an inbox that retired as it was asked answers null: the next take asks a fresh one
            return inbox.get().take().thenApply(taken -> OwnerCalls.polled(taken == null ? Optional.empty() : taken));
        });
    }

    /**
     * The owner's result of {@code call}; empty when no live node owned the queue and this node claimed it (adopted
     * here before this completes). A node that no longer owns it fails {@link StoreException#notOwner}, and the owner
     * is looked up again next time.
     */
    private CompletableFuture<Optional<byte[]>> placed(byte[] call) {
        return ownership.placeFeedback(call, ANSWER_WITHIN).thenCompose(placement -> {
            if (placement instanceof Placement.Claimed claimed) {
                return feedback.shard().call(() -> {
                    feedback.adopt(claimed.entries());
                    return CompletableFuture.completedFuture(Optional.<byte[]>empty());
                });
            }
            return OwnerCalls.resultOf(((Placement.Answered) placement).answer()).thenApply(Optional::of);
        }).whenComplete((result, failure) -> {
            if (failure != null) {
                ownership.forgetFeedbackOwner();
            }
        });
    }
}
