package io.gatehouse.amqp.link;

import io.gatehouse.amqp.message.MessageCodec;
import org.apache.qpid.proton.amqp.transport.ReceiverSettleMode;
import org.apache.qpid.proton.amqp.transport.SenderSettleMode;
import org.apache.qpid.proton.engine.Delivery;
import org.apache.qpid.proton.engine.Link;
import org.apache.qpid.proton.engine.Sender;
import org.apache.qpid.proton.message.Message;

/**
 * A link we send on. Transfers go out only with link credit and while the socket is writable, so a slow peer
 * never makes us buffer without bound. When the peer asked for pre-settled transfers ({@code snd-settle-mode
 * settled}) they are sent settled; otherwise they stay unsettled until the peer's disposition (receiver settle
 * mode first).
 */
abstract class OutboundLink extends AbstractLink {

    private static final int MAX_UNFRAMED_BYTES = 1024 * 1024;

    protected final Sender sender;
    protected final boolean presettled;

    OutboundLink(LinkContext ctx, Sender sender) {
        super(ctx);
        this.sender = sender;
        this.presettled = sender.getRemoteSenderSettleMode() == SenderSettleMode.SETTLED;
    }

    @Override
    public Link link() {
        return sender;
    }

    @Override
    public void attach() {
        sender.setSource(sender.getRemoteSource());
        sender.setTarget(sender.getRemoteTarget());
        sender.setSenderSettleMode(presettled ? SenderSettleMode.SETTLED : SenderSettleMode.UNSETTLED);
        sender.setReceiverSettleMode(ReceiverSettleMode.FIRST);
        sender.setContext(this);
        sender.open();
        started();
    }

    /** The attach is answered: start taking messages from the core. */
    protected void started() {
    }

    /**
     * True when one more transfer may go out now: the peer granted credit, the socket takes more, and the session
     * does not already hold a megabyte that proton-j has not turned into frames yet (so one event-loop turn never
     * buffers more than that, however much credit a peer grants). The flow event proton-j raises once those bytes
     * are framed resumes the link.
     */
    protected final boolean canSend() {
        return !isClosed() && sender.getCredit() > 0 && ctx.isWritable()
                && sender.getSession().getOutgoingBytes() < MAX_UNFRAMED_BYTES;
    }

    /**
     * How much more credit to give the core: the peer's credit, capped by the outbound {@code window}, less what
     * the core already holds ({@code granted}) and what it delivered that still waits to go out ({@code waiting}).
     */
    protected final int creditToGrant(int window, int granted, int waiting) {
        return Math.min(sender.getCredit(), window) - granted - waiting;
    }

    /** Sends one message with {@code tag}; the delivery is already settled when the link is pre-settled. */
    protected final Delivery transfer(byte[] tag, Message message, int sizeHint) {
        byte[] bytes = MessageCodec.encode(message, sizeHint);
        Delivery delivery = sender.delivery(tag);
        sender.send(bytes, 0, bytes.length);
        sender.advance();
        if (presettled) {
            delivery.settle();
        }
        return delivery;
    }

    @Override
    public void onFlow() {
        pump();
    }

    @Override
    public void onWritable() {
        pump();
    }

    /** Sends what may be sent and asks the core for more as credit allows. */
    protected abstract void pump();
}
