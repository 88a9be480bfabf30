package io.gatehouse.core.queue;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.feedback.FeedbackJson;
import io.gatehouse.core.feedback.FeedbackRecord;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.feedback.FeedbackStatus;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.LockToken;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.store.memory.InMemoryStore;
import io.gatehouse.core.testing.LogCapture;
import io.gatehouse.core.time.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many threads on many devices of a threaded core: senders, receivers that complete, abandon, reject, ignore
 * (so the lock times out) or drop their link, a service reading feedback, and a manual clock moved by its own
 * thread. Every message asks for full feedback, so each one that ends leaves exactly one record. At the end
 * every confirmed message is accounted for exactly once (ended with one record, or still queued for a device
 * nobody reads), refused ones were never delivered, and each redelivery follows a delivery that was not settled.
 */
class ConcurrentLifecycleTest {

    private static final int DEVICES = 128;
    private static final int MESSAGES_PER_DEVICE = 70;
    private static final int MAX_DELIVERY_COUNT = 4;
    private static final int WORKERS = 3;
    private static final int SENDERS = 3;

    /** Everything the test saw of one message. */
    private static final class Trace {
        final List<Integer> deliveryCounts = new ArrayList<>();
        /** Delivery count of a complete or reject the queue confirmed, or 0. */
        int settledAt;
        FeedbackStatus settledAs;
    }

    private final ManualClock clock = new ManualClock();
    private final Map<String, Trace> traces = new ConcurrentHashMap<>();
    private final Map<LockToken, String> tokens = new ConcurrentHashMap<>();
    private final Queue<String> problems = new ConcurrentLinkedQueue<>();
    private final List<FeedbackRecord> records = new ArrayList<>();
    private final AtomicBoolean stopping = new AtomicBoolean();

    private record Work(Receiver receiver, DeviceId device, Delivery delivery) {
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void everyMessageIsAccountedForExactlyOnce() throws Exception {
        HubSettings settings = HubSettings.defaults()
                .with(HubSettings.C2D_LOCK_DURATION.property(), "PT1S")
                .with(HubSettings.C2D_MAX_DELIVERY_COUNT.property(), Integer.toString(MAX_DELIVERY_COUNT))
                .with(HubSettings.C2D_DEFAULT_TTL.property(), "P2D")
                .with(HubSettings.FEEDBACK_TTL.property(), "P2D")
                .with(HubSettings.FEEDBACK_LOCK_DURATION.property(), "PT5M")
                .with(HubSettings.FEEDBACK_BATCH_WINDOW.property(), "PT0.05S");
        InMemoryStore store = new InMemoryStore(settings.eventPartitions());
        try (LogCapture logs = new LogCapture();
             GatewayCore core = GatewayCore.builder().settings(settings).store(store).clock(clock).shards(4).start()) {
            List<DeviceId> devices = new ArrayList<>();
            for (int i = 0; i < DEVICES; i++) {
                DeviceId id = DeviceId.of("dev-" + i);
                core.registry().create(id).join();
                devices.add(id);
            }

            List<BlockingQueue<Work>> workQueues = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                workQueues.add(new LinkedBlockingQueue<>());
            }
            Map<DeviceId, AtomicReference<Receiver>> receivers = new ConcurrentHashMap<>();
            for (int i = 0; i < DEVICES; i++) {
                DeviceId device = devices.get(i);
                receivers.put(device, new AtomicReference<>(open(core, device, workQueues.get(i % WORKERS))));
            }

            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                BlockingQueue<Work> queue = workQueues.get(w);
                int seed = w;
                threads.add(start("worker-" + w, () -> work(core, queue, receivers, workQueues, seed)));
            }
            threads.add(start("feedback", () -> readFeedback(core)));
            threads.add(start("clock", () -> moveTheClock(core)));

            Map<String, CompletableFuture<String>> sends = new ConcurrentHashMap<>();
            List<Thread> senders = new ArrayList<>();
            for (int s = 0; s < SENDERS; s++) {
                int first = s;
                senders.add(start("sender-" + s, () -> {
                    SplittableRandom random = new SplittableRandom(100 + first);
                    for (int k = 0; k < MESSAGES_PER_DEVICE; k++) {
                        for (int d = first; d < DEVICES; d += SENDERS) {
                            String id = devices.get(d) + "/" + k;
                            traces.put(id, new Trace());
                            // some expire soon, racing their deliveries
                            Instant expiry = random.nextInt(10) == 0 ? clock.now().plusSeconds(2) : null;
                            sends.put(id, core.c2d().send(devices.get(d), new C2dRequest(
                                    MessageProperties.builder().messageId(id).build(), AckMode.FULL, expiry, new byte[8])));
                        }
                    }
                }));
            }
            // a device nobody reads: its queue fills up and stays
            DeviceId silent = DeviceId.of("silent");
            core.registry().create(silent).join();
            for (int k = 0; k < 60; k++) {
                String id = silent + "/" + k;
                traces.put(id, new Trace());
                sends.put(id, core.c2d().send(silent, new C2dRequest(MessageProperties.builder().messageId(id).build(),
                        AckMode.FULL, null, new byte[8])));
            }
            for (Thread t : senders) {
                t.join();
            }
            List<String> confirmed = new ArrayList<>();
            List<String> refused = new ArrayList<>();
            for (Map.Entry<String, CompletableFuture<String>> e : sends.entrySet()) {
                try {
                    assertThat(e.getValue().get(10, TimeUnit.SECONDS)).isEqualTo(e.getKey());
                    confirmed.add(e.getKey());
                } catch (java.util.concurrent.ExecutionException failure) {
                    assertThat(GatewayException.unwrap(failure.getCause()).code()).isEqualTo(ErrorCode.QUEUE_FULL);
                    refused.add(e.getKey());
                }
            }

            List<String> stillQueued = confirmed.stream().filter(id -> id.startsWith("silent/")).toList();
            List<String> mustEnd = confirmed.stream().filter(id -> !id.startsWith("silent/")).toList();
            assertThat(stillQueued).hasSize(50);
            // every other confirmed message ends (complete, reject, expiry or delivery limit) and leaves one record
            synchronized (records) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (records.size() < mustEnd.size() && problems.isEmpty()) {
                    long left = deadline - System.nanoTime();
                    assertThat(left).as("all %d confirmed messages ended; %d records so far", mustEnd.size(),
                            records.size()).isPositive();
                    records.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
                }
            }
            stopping.set(true);
            workQueues.forEach(q -> q.add(new Work(null, null, null)));
            for (Thread t : threads) {
                t.join(10_000);
                assertThat(t.isAlive()).as(t.getName() + " stopped").isFalse();
            }

            assertThat(problems).isEmpty();
            assertThat(refused).filteredOn(id -> id.startsWith("silent/")).hasSize(10);
            assertThat(core.c2d().totalDepth()).isEqualTo(50);
            assertThat(core.c2d().depth(silent)).isEqualTo(50);
            Map<String, FeedbackStatus> ended = new HashMap<>();
            for (FeedbackRecord r : records) {
                assertThat(ended.put(r.originalMessageId(), r.status())).as("one record for " + r.originalMessageId()).isNull();
            }
            assertThat(ended.keySet()).containsExactlyInAnyOrderElementsOf(mustEnd);
            for (String id : refused) {
                assertThat(traces.get(id).deliveryCounts).as("refused " + id + " never delivered").isEmpty();
            }
            Map<FeedbackStatus, Integer> byStatus = new HashMap<>();
            for (String id : mustEnd) {
                Trace t = traces.get(id);
                FeedbackStatus status = ended.get(id);
                byStatus.merge(status, 1, Integer::sum);
                List<Integer> counts;
                synchronized (t) {
                    counts = List.copyOf(t.deliveryCounts);
                }
                // deliveries 1, 2, ... k: each once, in order, never beyond the limit
                for (int i = 0; i < counts.size(); i++) {
                    assertThat(counts.get(i)).as(id + " deliveries " + counts).isEqualTo(i + 1);
                }
                assertThat(counts.size()).isLessThanOrEqualTo(MAX_DELIVERY_COUNT);
                if (t.settledAt > 0) {
                    // nothing is delivered again after a confirmed complete or reject, and the record says so
                    assertThat(counts.size()).as(id + " delivered after being settled").isEqualTo(t.settledAt);
                    assertThat(status).isEqualTo(t.settledAs);
                } else {
                    assertThat(status).as(id).isIn(FeedbackStatus.EXPIRED, FeedbackStatus.DELIVERY_COUNT_EXCEEDED);
                }
                if (status == FeedbackStatus.DELIVERY_COUNT_EXCEEDED) {
                    assertThat(counts).as(id).hasSize(MAX_DELIVERY_COUNT);
                }
            }
            assertThat(byStatus).containsKeys(FeedbackStatus.SUCCESS, FeedbackStatus.REJECTED, FeedbackStatus.EXPIRED,
                    FeedbackStatus.DELIVERY_COUNT_EXCEEDED);
            // the interesting paths were all taken, concurrently
            LifecycleCounters.Snapshot totals = core.c2d().counters().snapshot();
            assertThat(totals.lockTimeouts()).as("lock timeouts in %s", totals).isPositive();
            assertThat(totals.abandoned()).as("abandons in %s", totals).isPositive();
            assertThat(totals.delivered()).as("redeliveries in %s", totals).isGreaterThan(mustEnd.size());
            assertThat(totals.refused()).isEqualTo(refused.size());
            assertThat(logs.atLeast(Level.WARN)).as("nothing logged at WARN or above").isEmpty();
        }
    }

    private Receiver open(GatewayCore core, DeviceId device, BlockingQueue<Work> queue) {
        AtomicReference<Receiver> self = new AtomicReference<>();
        Receiver receiver = core.c2d().openReceiver(device, new DeliverySink() {
            @Override
            public void deliver(Delivery delivery) {
                String id = delivery.message().messageId();
                Trace t = traces.get(id);
                synchronized (t) {
                    t.deliveryCounts.add(delivery.deliveryCount());
                }
                tokens.put(delivery.lockToken(), id);
                // hop off the shard, as an adapter would
                queue.add(new Work(self.get(), device, delivery));
            }

            @Override
            public void lockLost(LockToken lockToken) {
                if (!tokens.containsKey(lockToken)) {
                    problems.add("lockLost for a token never delivered: " + lockToken);
                }
            }
        });
        self.set(receiver);
        receiver.addCredit(3);
        return receiver;
    }

    private void work(GatewayCore core, BlockingQueue<Work> queue, Map<DeviceId, AtomicReference<Receiver>> receivers,
                      List<BlockingQueue<Work>> queues, int seed) {
        SplittableRandom random = new SplittableRandom(seed);
        try {
            while (true) {
                Work w = queue.take();
                if (w.delivery() == null) {
                    return;
                }
                int dice = random.nextInt(100);
                LockToken token = w.delivery().lockToken();
                String id = w.delivery().message().messageId();
                int count = w.delivery().deliveryCount();
                if (dice < 55) {
                    w.receiver().complete(token).whenComplete((ok, failure) -> settled(id, count, FeedbackStatus.SUCCESS, failure));
                } else if (dice < 75) {
                    w.receiver().abandon(token).whenComplete((ok, failure) -> settled(id, count, null, failure));
                } else if (dice < 80) {
                    w.receiver().reject(token).whenComplete((ok, failure) -> settled(id, count, FeedbackStatus.REJECTED, failure));
                } else if (dice < 82) {
                    // the link drops: its locks are abandoned at once; the device reconnects
                    AtomicReference<Receiver> current = receivers.get(w.device());
                    if (current.compareAndSet(w.receiver(), null)) {
                        w.receiver().close();
                        current.set(open(core, w.device(), queues.get(Math.floorMod(w.device().hashCode(), queues.size()))));
                    }
                    continue;
                }
                // otherwise ignore it: the lock times out
                w.receiver().addCredit(1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            problems.add("worker: " + t);
        }
    }

    private void settled(String id, int count, FeedbackStatus endsAs, Throwable failure) {
        if (failure != null) {
            GatewayException g = GatewayException.unwrap(failure);
            if (g == null || g.code() != ErrorCode.LOCK_LOST) {
                problems.add("settling " + id + " failed unexpectedly: " + failure);
            }
            return;
        }
        if (endsAs != null) {
            Trace t = traces.get(id);
            synchronized (t) {
                if (t.settledAt != 0) {
                    problems.add(id + " settled twice");
                }
                t.settledAt = count;
                t.settledAs = endsAs;
            }
        }
    }

    private void readFeedback(GatewayCore core) {
        BlockingQueue<Delivery> inbox = new LinkedBlockingQueue<>();
        Receiver receiver = core.feedback().openReceiver(new DeliverySink() {
            @Override
            public void deliver(Delivery delivery) {
                inbox.add(delivery);
            }

            @Override
            public void lockLost(LockToken lockToken) {
                // redelivered later: its records are counted once its completion is confirmed
            }
        });
        receiver.addCredit(50);
        try {
            while (!stopping.get()) {
                Delivery d = inbox.poll(50, TimeUnit.MILLISECONDS);
                if (d == null) {
                    continue;
                }
                List<FeedbackRecord> batch = FeedbackJson.decode(d.message().body());
                receiver.complete(d.lockToken()).whenComplete((ok, failure) -> {
                    if (failure == null) {
                        synchronized (records) {
                            records.addAll(batch);
                            records.notifyAll();
                        }
                    }
                });
                receiver.addCredit(1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            problems.add("feedback: " + t);
        }
    }

    /** Moves time in small steps, each after the shards have caught up with the previous one. */
    private void moveTheClock(GatewayCore core) {
        long limit = clock.millis() + Duration.ofDays(1).toMillis();
        try {
            while (!stopping.get() && clock.millis() < limit) {
                clock.advance(Duration.ofMillis(5));
                core.barrier().get(10, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            problems.add("clock: " + e);
        }
    }

    private static Thread start(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.start();
        return t;
    }

}
