package io.gatehouse.bench.scenario;

import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import io.gatehouse.bench.load.Latencies;
import io.gatehouse.bench.load.Payloads;
import java.nio.ByteBuffer;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The device side of the C2D scenarios: every C2D message that reaches a device (the client PUBACKs it right after
 * this callback) is checked off by its sequence number, so duplicates and losses are counted exactly, and its
 * latency from the service's intended send time is recorded. It takes deliveries from the HiveMQ client
 * ({@link #accept}) or as bare payloads from the lean fleet ({@link #onPayload}).
 */
final class C2dReceivers implements Consumer<Mqtt3Publish> {

    private final AtomicIntegerArray seen;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong distinct = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong unexpected = new AtomicLong();
    private final Latencies latencies = new Latencies();
    /** Released once per arrival: the closed-loop sender's window. */
    private final Semaphore arrivals = new Semaphore(0);

    C2dReceivers(int capacity) {
        this.seen = new AtomicIntegerArray(capacity);
    }

    @Override
    public void accept(Mqtt3Publish publish) {
        onPayload(publish.getPayload().orElse(ByteBuffer.allocate(0)));
    }

    void onPayload(ByteBuffer body) {
        long now = System.nanoTime();
        if (body.remaining() < Payloads.HEADER) {
            unexpected.incrementAndGet();
            return;
        }
        int seq = Payloads.sequence(body);
        if (seq < 0 || seq >= seen.length()) {
            unexpected.incrementAndGet();
            return;
        }
        latencies.recordNanos(now - Payloads.sendNanos(body));
        received.incrementAndGet();
        if (seen.getAndIncrement(seq) == 0) {
            distinct.incrementAndGet();
        } else {
            duplicates.incrementAndGet();
        }
        arrivals.release();
    }

    long received() {
        return received.get();
    }

    long distinct() {
        return distinct.get();
    }

    long duplicates() {
        return duplicates.get();
    }

    long unexpected() {
        return unexpected.get();
    }

    Latencies latencies() {
        return latencies;
    }

    Semaphore arrivals() {
        return arrivals;
    }

    int capacity() {
        return seen.length();
    }
}
