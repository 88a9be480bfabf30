package io.gatehouse.amqp.link;

import org.apache.qpid.proton.amqp.transport.ErrorCondition;
import org.apache.qpid.proton.engine.EndpointState;
import org.apache.qpid.proton.engine.Link;

/** Detach and close bookkeeping shared by every link kind. */
abstract class AbstractLink implements LinkEndpoint {

    protected final LinkContext ctx;
    private boolean closed;

    AbstractLink(LinkContext ctx) {
        this.ctx = ctx;
    }

    protected final boolean isClosed() {
        return closed;
    }

    @Override
    public final void detach(ErrorCondition condition) {
        Link link = link();
        if (link.getLocalState() != EndpointState.CLOSED) {
            if (condition != null) {
                link.setCondition(condition);
            }
            link.close();
        }
        onClosed();
    }

    @Override
    public final void onClosed() {
        if (!closed) {
            closed = true;
            released();
            ctx.linkClosed(this);
        }
    }

    /** Gives back what the link holds in the core; runs once. */
    protected abstract void released();
}
