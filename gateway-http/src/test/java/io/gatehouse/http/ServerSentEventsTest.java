package io.gatehouse.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The event stream's framing, heartbeat, back-pressure and end, on an embedded channel. */
class ServerSentEventsTest {

    private final EmbeddedChannel channel = new EmbeddedChannel(new ReadTimeoutHandler(300), new ChannelInboundHandlerAdapter());
    private final ServerSentEvents events = new ServerSentEvents(channel.pipeline().lastContext());

    private String nextChunk() {
        channel.runPendingTasks();
        HttpContent chunk = channel.readOutbound();
        assertThat(chunk).as("a chunk").isNotNull();
        try {
            return chunk.content().toString(StandardCharsets.UTF_8);
        } finally {
            chunk.release();
        }
    }

    private void begin() {
        events.begin();
        HttpResponse headers = channel.readOutbound();
        assertThat(headers.status().code()).isEqualTo(200);
        assertThat(headers.headers().get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("text/event-stream; charset=utf-8");
        assertThat(headers.headers().get(HttpHeaderNames.TRANSFER_ENCODING)).isEqualTo("chunked");
        assertThat(headers.headers().get(HttpHeaderNames.CACHE_CONTROL)).isEqualTo("no-store");
        assertThat(nextChunk()).isEqualTo("retry: 3000\n\n");
    }

    @Test
    void eventsAreFramedOneDataLineALine() {
        begin();
        events.send("telemetry", "{\"a\":1}");
        events.send("note", "two\nlines");

        assertThat(nextChunk()).isEqualTo("event: telemetry\ndata: {\"a\":1}\n\n");
        assertThat(nextChunk()).isEqualTo("event: note\ndata: two\ndata: lines\n\n");
    }

    @Test
    void aQuietStreamIsKeptAliveByHeartbeatsNotCutByTheReadTimeout() {
        begin();
        assertThat(channel.pipeline().get(ReadTimeoutHandler.class)).isNull();

        channel.advanceTimeBy(ServerSentEvents.HEARTBEAT.toSeconds(), TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();

        assertThat(nextChunk()).isEqualTo(": heartbeat\n\n");
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void producersWaitWhileTheChannelCannotTakeMore() {
        begin();
        AtomicInteger granted = new AtomicInteger();
        events.whenWritable(granted::incrementAndGet);
        channel.runPendingTasks();
        assertThat(granted).hasValue(1);

        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        events.whenWritable(granted::incrementAndGet);
        events.whenWritable(granted::incrementAndGet);
        channel.runPendingTasks();
        assertThat(granted).as("held back while unwritable").hasValue(1);

        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        events.writabilityChanged();
        assertThat(granted).hasValue(3);
    }

    @Test
    void theEndReleasesTheProducerOnceAndStopsWriting() {
        begin();
        AtomicInteger released = new AtomicInteger();
        AtomicInteger granted = new AtomicInteger();
        events.onEnd(released::incrementAndGet);
        channel.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        events.whenWritable(granted::incrementAndGet);
        channel.runPendingTasks();

        events.ended();
        events.ended();
        events.send("telemetry", "late");
        events.whenWritable(granted::incrementAndGet);
        channel.runPendingTasks();

        assertThat(released).hasValue(1);
        assertThat(granted).hasValue(0);
        assertThat((Object) channel.readOutbound()).isNull();
    }
}
