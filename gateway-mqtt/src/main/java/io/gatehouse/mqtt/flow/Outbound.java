package io.gatehouse.mqtt.flow;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;

/**
 * Writes to one connection and flushes at most once per event-loop turn: every PUBACK, PUBLISH or PINGRESP
 * written while handling a batch of reads or completions goes out in one flush (one syscall) at the end.
 * Event-loop confined.
 */
public final class Outbound {

    private final ChannelHandlerContext ctx;
    private final Runnable flushTask = this::flushNow;
    private boolean flushScheduled;

    public Outbound(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Writes without a result: write failures surface as an exception on the channel (and close it). */
    public void write(Object message) {
        ctx.write(message, ctx.voidPromise());
        scheduleFlush();
    }

    /** Writes and reports when the message has been handed to the socket. */
    public ChannelFuture writeWithResult(Object message) {
        ChannelFuture written = ctx.write(message);
        scheduleFlush();
        return written;
    }

    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            // runs after the work already queued on this loop: the reads and completions of this turn
            ctx.executor().execute(flushTask);
        }
    }

    private void flushNow() {
        flushScheduled = false;
        ctx.flush();
    }
}
