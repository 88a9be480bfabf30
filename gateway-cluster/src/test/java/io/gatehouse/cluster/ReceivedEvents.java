package io.gatehouse.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.events.D2cEvent;
import io.gatehouse.core.events.EventSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** An event sink that tests wait on: the events a reader pushed, in order, and whether it was taken over. */
final class ReceivedEvents implements EventSink {

    private final BlockingQueue<D2cEvent> events = new LinkedBlockingQueue<>();
    private volatile String takenOver;

    @Override
    public void onEvent(D2cEvent event) {
        events.add(event);
    }

    @Override
    public void onTakenOver(String reason) {
        takenOver = reason;
    }

    /** Why the reader was closed by another, or null while it was not. */
    String takenOver() {
        return takenOver;
    }

    /** The next {@code count} events; fails when they do not all arrive within {@code timeout}. */
    List<D2cEvent> take(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<D2cEvent> out = new ArrayList<>(count);
        while (out.size() < count) {
            D2cEvent event = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            assertThat(event).as("event %d of %d", out.size() + 1, count).isNotNull();
            out.add(event);
        }
        return out;
    }
}
