package io.gatehouse.amqp.link;

import io.gatehouse.amqp.message.AmqpErrors;
import io.gatehouse.amqp.message.MessageCodec;
import java.util.concurrent.CompletableFuture;
import org.apache.qpid.proton.amqp.UnsignedLong;
import org.apache.qpid.proton.amqp.messaging.Accepted;
import org.apache.qpid.proton.amqp.transport.ErrorCondition;
import org.apache.qpid.proton.amqp.transport.ReceiverSettleMode;
import org.apache.qpid.proton.codec.ReadableBuffer;
import org.apache.qpid.proton.engine.Delivery;
import org.apache.qpid.proton.engine.Link;
import org.apache.qpid.proton.engine.Receiver;
import org.apache.qpid.proton.message.Message;

/**
 * A link the peer sends on, whose messages we hand to the core (or answer). Credit is a bounded window: the peer
 * may have at most {@code window} messages either on the wire or waiting for the core, so a fast sender gets
 * credit back only as fast as the core finishes (the store commits). Each message is settled with its own outcome
 * as soon as its operation completes, in whatever order they complete.
 */
abstract class InboundLink extends AbstractLink {

    protected final Receiver receiver;
    private final int window;
    private int inFlight;

    InboundLink(LinkContext ctx, Receiver receiver, int window) {
        super(ctx);
        this.receiver = receiver;
        this.window = window;
    }

    @Override
    public Link link() {
        return receiver;
    }

    /** Completes the attach and grants the first credit. */
    @Override
    public void attach() {
        receiver.setSource(receiver.getRemoteSource());
        receiver.setTarget(receiver.getRemoteTarget());
        receiver.setSenderSettleMode(receiver.getRemoteSenderSettleMode());
        receiver.setReceiverSettleMode(ReceiverSettleMode.FIRST);
        receiver.setMaxMessageSize(UnsignedLong.valueOf(ctx.options().maxMessageSize()));
        receiver.setContext(this);
        receiver.open();
        receiver.flow(window);
    }

    /** What to do with one complete message; the future's failure becomes the rejection's condition. */
    protected abstract CompletableFuture<?> process(Message message, int encodedSize);

    @Override
    public final void onDelivery(Delivery delivery) {
        if (isClosed() || delivery != receiver.current()) {
            return;
        }
        if (delivery.isAborted()) {
            receiver.advance();
            delivery.settle();
            return;
        }
        if (delivery.isPartial()) {
            if (delivery.pending() > ctx.options().maxMessageSize()) {
                detach(AmqpErrors.condition(AmqpErrors.MESSAGE_SIZE_EXCEEDED,
                        "messages on this link are limited to " + ctx.options().maxMessageSize() + " bytes"));
            }
            return;
        }
        ReadableBuffer bytes = receiver.recv(); // the delivery's own buffer, handed over: no copy
        int size = bytes.remaining();
        receiver.advance();
        boolean presettled = delivery.remotelySettled();
        inFlight++;
        CompletableFuture<?> done;
        try {
            done = process(MessageCodec.decode(bytes), size);
        } catch (RuntimeException e) {
            if (!MessageCodec.isDecodeFailure(e)) {
                throw e;
            }
            done = CompletableFuture.failedFuture(new MalformedMessage("the message could not be decoded: " + e.getMessage()));
        }
        if (done.isDone()) {
            // already decided (in-memory store, or refused at once): no hop through the loop's task queue
            settle(delivery, presettled, done.isCompletedExceptionally() ? failureOf(done) : null);
        } else {
            done.whenComplete((ok, failure) -> ctx.execute(() -> settle(delivery, presettled, failure)));
        }
    }

    private static Throwable failureOf(CompletableFuture<?> done) {
        try {
            done.join();
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    private void settle(Delivery delivery, boolean presettled, Throwable failure) {
        inFlight--;
        if (isClosed()) {
            return;
        }
        if (!presettled) {
            delivery.disposition(failure == null ? Accepted.getInstance() : AmqpErrors.rejected(conditionOf(failure)));
        }
        delivery.settle();
        replenish();
    }

    private static ErrorCondition conditionOf(Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof MalformedMessage) {
            return AmqpErrors.condition(AmqpErrors.DECODE_ERROR, cause.getMessage());
        }
        return AmqpErrors.fromFailure(cause);
    }

    /**
     * Tops credit up so that credit plus messages in flight never exceed the window, once at least half the
     * window can be granted: one flow frame per half window rather than one per message.
     */
    private void replenish() {
        int more = window - inFlight - receiver.getCredit();
        if (more > 0 && more >= (window + 1) / 2) {
            receiver.flow(more);
        }
    }

    /** Bytes that are not an AMQP message. */
    static final class MalformedMessage extends RuntimeException {
        MalformedMessage(String message) {
            super(message, null, false, false);
        }
    }
}
