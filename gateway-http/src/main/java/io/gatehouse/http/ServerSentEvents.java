package io.gatehouse.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP response that stays open and carries server-sent events ({@code text/event-stream}) as chunks.
 * Every method may be called from any thread; the work runs on the channel's event loop, in call order.
 *
 * <p>Back-pressure: whoever feeds the stream asks {@link #whenWritable} before producing more, so when the
 * client reads slower than events arrive, production stops at Netty's write-buffer high-water mark instead
 * of buffering without bound. Comments go out every {@link #HEARTBEAT} so proxies keep the connection and a
 * vanished client is noticed by a failed write.
 */
public final class ServerSentEvents {

    static final Duration HEARTBEAT = Duration.ofSeconds(15);
    /** How long a browser waits before reconnecting after the connection drops. */
    private static final int RETRY_MILLIS = 3000;

    private final ChannelHandlerContext ctx;
    private final Queue<Runnable> waitingForWritable = new ArrayDeque<>();
    private Runnable onEnd = () -> { };
    private ScheduledFuture<?> heartbeat;
    /** Event loop only: between {@link #begin} and the end of the stream. */
    private boolean open;
    private boolean ended;

    ServerSentEvents(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Sends one event; ignored once the stream has ended. {@code data} may span lines. */
    public void send(String event, String data) {
        StringBuilder text = new StringBuilder(data.length() + 32).append("event: ").append(event).append('\n');
        for (String line : data.split("\r\n|\r|\n", -1)) {
            text.append("data: ").append(line).append('\n');
        }
        write(text.append('\n'));
    }

    /**
     * Runs {@code action} once the channel can take more: now if it can, else when it drains. Dropped when the
     * stream ends.
     */
    public void whenWritable(Runnable action) {
        ctx.executor().execute(() -> {
            if (!open) {
                return;
            }
            if (ctx.channel().isWritable()) {
                action.run();
            } else {
                waitingForWritable.add(action);
            }
        });
    }

    /** What to release when the stream ends, whichever side ends it. Set it in {@link EventStreamHandler#open}. */
    public void onEnd(Runnable release) {
        this.onEnd = release;
    }

    /** Ends the stream from the server's side: the last chunk, then the connection closes. */
    public void close() {
        ctx.executor().execute(() -> {
            if (open) {
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
            }
        });
    }

    /** Event loop: sends the headers and starts the heartbeat. */
    void begin() {
        open = true;
        // a stream is quiet on the client's side by nature: heartbeats find dead peers instead of a read timeout
        if (ctx.pipeline().get(ReadTimeoutHandler.class) != null) {
            ctx.pipeline().remove(ReadTimeoutHandler.class);
        }
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED)
                .set("X-Accel-Buffering", "no");
        ctx.write(response);
        writeNow(new StringBuilder("retry: ").append(RETRY_MILLIS).append("\n\n"));
        heartbeat = ctx.executor().scheduleAtFixedRate(() -> writeNow(new StringBuilder(": heartbeat\n\n")),
                HEARTBEAT.toMillis(), HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Event loop: the channel's writability changed. */
    void writabilityChanged() {
        while (open && ctx.channel().isWritable() && !waitingForWritable.isEmpty()) {
            waitingForWritable.poll().run();
        }
    }

    /** Event loop: the connection is gone; releases what feeds the stream, once. */
    void ended() {
        open = false;
        waitingForWritable.clear();
        if (heartbeat != null) {
            heartbeat.cancel(false);
        }
        if (!ended) {
            ended = true;
            onEnd.run();
        }
    }

    private void write(CharSequence text) {
        ctx.executor().execute(() -> writeNow(text));
    }

    private void writeNow(CharSequence text) {
        if (!open) {
            return;
        }
        ByteBuf chunk = ByteBufUtil.writeUtf8(ctx.alloc(), text);
        ctx.writeAndFlush(new DefaultHttpContent(chunk)).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }
}
