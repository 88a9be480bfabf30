package io.gatehouse.core.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.feedback.FeedbackJson;
import io.gatehouse.core.feedback.FeedbackRecord;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.LockToken;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.memory.InMemoryStore;
import io.gatehouse.core.testing.ManualCore;
import io.gatehouse.core.testing.RecordingSink;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * Random operation sequences against one device's queue on a deterministic core (manual shards, manual clock)
 * and against {@link ReferenceQueue}: after every step both must agree on each message's state and delivery
 * count, on what was offered to whom in which order, on lost locks, on results, and on feedback records.
 * Shrunk counterexamples read as a script, e.g. {@code [send(FULL, ttl=10000ms), credit(r0 += 1), advance(10000ms)]}.
 */
class LifecycleModelTest {

    private static final DeviceId D1 = DeviceId.of("d1");
    private static final long LOCK_MILLIS = 10_000;
    private static final long DEFAULT_TTL_MILLIS = 60_000;

    enum Settle { COMPLETE, ABANDON, REJECT }

    /** One step of a script. */
    sealed interface Op {
    }

    /** {@code ttlMillis} null: the hub's default TTL. */
    record Send(AckMode ack, Long ttlMillis) implements Op {
        @Override
        public String toString() {
            return "send(" + ack + ", ttl=" + (ttlMillis == null ? "default" : ttlMillis + "ms") + ")";
        }
    }

    record Open() implements Op {
        @Override
        public String toString() {
            return "open()";
        }
    }

    record AddCredit(int receiver, int credit) implements Op {
        @Override
        public String toString() {
            return "credit(r" + receiver + " += " + credit + ")";
        }
    }

    record SetCredit(int receiver, int credit) implements Op {
        @Override
        public String toString() {
            return "credit(r" + receiver + " = " + credit + ")";
        }
    }

    /** Settles the receiver's {@code lock}-th held lock, or a token it held before when it holds none. */
    record SettleOwn(Settle how, int receiver, int lock) implements Op {
        @Override
        public String toString() {
            return how.name().toLowerCase() + "(r" + receiver + ", own lock " + lock + ")";
        }
    }

    /** Tries to settle a lock that another receiver holds. */
    record SettleForeign(Settle how, int receiver, int owner) implements Op {
        @Override
        public String toString() {
            return how.name().toLowerCase() + "(r" + receiver + ", lock of r" + owner + ")";
        }
    }

    record Advance(long millis) implements Op {
        @Override
        public String toString() {
            return "advance(" + millis + "ms)";
        }
    }

    record Purge() implements Op {
        @Override
        public String toString() {
            return "purge()";
        }
    }

    record Close(int receiver) implements Op {
        @Override
        public String toString() {
            return "close(r" + receiver + ")";
        }
    }

    record Restart() implements Op {
        @Override
        public String toString() {
            return "restart()";
        }
    }

    @Provide
    Arbitrary<List<Op>> scripts() {
        Arbitrary<Integer> receiver = Arbitraries.integers().between(0, 2);
        Arbitrary<Settle> how = Arbitraries.of(Settle.class);
        Arbitrary<Long> ttl = Arbitraries.of(0L, 1L, 9_999L, 10_000L, 10_001L, 30_000L, 120_000L, 600_000L, 600_000L).injectNull(0.2);
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Combinators.combine(Arbitraries.of(AckMode.class), ttl).as(Send::new)),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(new Open())),
                net.jqwik.api.Tuple.of(8, Combinators.combine(receiver, Arbitraries.integers().between(0, 5)).as(AddCredit::new)),
                net.jqwik.api.Tuple.of(1, Combinators.combine(receiver, Arbitraries.integers().between(0, 2)).as(SetCredit::new)),
                net.jqwik.api.Tuple.of(10, Combinators.combine(how, receiver, Arbitraries.integers().between(0, 2)).as(SettleOwn::new)),
                net.jqwik.api.Tuple.of(1, Combinators.combine(how, receiver, receiver).as(SettleForeign::new)),
                net.jqwik.api.Tuple.of(5, Arbitraries.of(1L, 999L, 1_000L, 5_000L, 9_999L, 10_000L, 10_001L, 30_000L, 61_000L)
                        .map(Advance::new)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(new Purge())),
                net.jqwik.api.Tuple.of(1, receiver.map(Close::new)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(new Restart())));
        return op.list().ofMinSize(1).ofMaxSize(60);
    }

    @Property(tries = 4000, afterFailure = net.jqwik.api.AfterFailureMode.SAMPLE_FIRST)
    void theQueueBehavesLikeTheReference(@ForAll("scripts") List<Op> script,
                                         @ForAll @IntRange(min = 1, max = 3) int maxDeliveryCount,
                                         @ForAll @IntRange(min = 1, max = 6) int maxDepth) {
        Statistics.label("script length").collect(script.size() < 10 ? "< 10" : script.size() < 30 ? "10-29" : "30-60");
        try (Harness h = new Harness(maxDeliveryCount, maxDepth)) {
            for (int step = 0; step < script.size(); step++) {
                try {
                    h.apply(script.get(step));
                } catch (AssertionError e) {
                    throw new AssertionError("step " + step + " " + script.get(step) + ": " + e.getMessage(), e);
                }
            }
        }
    }

    /** The real core and the reference, side by side. */
    private static final class Harness implements AutoCloseable {
        private record Seen(int receiver, Delivery delivery, LockToken lost) {
        }

        private final ReferenceQueue model;
        private final List<Seen> seen = new ArrayList<>();
        private final List<Receiver> receivers = new ArrayList<>();
        private final Map<Integer, LockToken> lastSettled = new LinkedHashMap<>();
        private ManualCore hub;
        private RecordingSink feedbackSink;
        private Receiver feedbackReceiver;
        private int sends;

        Harness(int maxDeliveryCount, int maxDepth) {
            HubSettings settings = HubSettings.defaults()
                    .with(HubSettings.C2D_MAX_DELIVERY_COUNT.property(), Integer.toString(maxDeliveryCount))
                    .with(HubSettings.C2D_MAX_QUEUE_DEPTH.property(), Integer.toString(maxDepth))
                    .with(HubSettings.C2D_LOCK_DURATION.property(), Duration.ofMillis(LOCK_MILLIS).toString())
                    .with(HubSettings.C2D_DEFAULT_TTL.property(), Duration.ofMillis(DEFAULT_TTL_MILLIS).toString())
                    .with(HubSettings.FEEDBACK_BATCH_WINDOW.property(), "PT0S");
            hub = new ManualCore(settings, new InMemoryStore(settings.eventPartitions()));
            hub.createDevice("d1");
            model = new ReferenceQueue(maxDeliveryCount, maxDepth, LOCK_MILLIS, hub.clock.millis());
            openFeedbackReceiver();
            apply(new Open());
        }

        void apply(Op op) {
            seen.clear();
            if (op instanceof Send s) {
                String id = "m" + sends++;
                Instant expiry = s.ttlMillis() == null ? null : hub.clock.now().plusMillis(s.ttlMillis());
                CompletableFuture<String> sent = hub.core.c2d().send(D1, new C2dRequest(
                        MessageProperties.builder().messageId(id).build(), s.ack(), expiry, new byte[] {1}));
                boolean accepted = runModel(() -> model.send(id, s.ack(), s.ttlMillis() == null ? DEFAULT_TTL_MILLIS : s.ttlMillis()));
                assertThat(outcome(sent)).as("send result").isEqualTo(accepted ? null : ErrorCode.QUEUE_FULL);
                Statistics.label("sends").collect(accepted ? "accepted" : "queue full");
            } else if (op instanceof Open) {
                int index = receivers.size();
                receivers.add(hub.core.c2d().openReceiver(D1, sinkFor(index)));
                assertThat(runModel(model::openReceiver)).isEqualTo(index);
            } else if (op instanceof AddCredit c) {
                withReceiver(c.receiver(), r -> {
                    receivers.get(r).addCredit(c.credit());
                    runModel(() -> model.addCredit(r, c.credit()));
                });
            } else if (op instanceof SetCredit c) {
                withReceiver(c.receiver(), r -> {
                    receivers.get(r).setCredit(c.credit());
                    runModel(() -> model.setCredit(r, c.credit()));
                });
            } else if (op instanceof SettleOwn s) {
                withReceiver(s.receiver(), r -> {
                    List<LockToken> held = model.held(r);
                    LockToken token = held.isEmpty() ? lastSettled.getOrDefault(r, LockToken.next())
                            : held.get(s.lock() % held.size());
                    settle(s.how(), r, token);
                });
            } else if (op instanceof SettleForeign s) {
                withReceiver(s.receiver(), r -> {
                    int owner = s.owner() % receivers.size();
                    List<LockToken> held = owner == r ? List.of() : model.held(owner);
                    settle(s.how(), r, held.isEmpty() ? LockToken.next() : held.get(0));
                });
            } else if (op instanceof Advance a) {
                hub.clock.advance(Duration.ofMillis(a.millis()));
                runModel(() -> model.advance(a.millis()));
            } else if (op instanceof Purge) {
                CompletableFuture<Integer> purged = hub.core.c2d().purge(D1);
                int expected = runModel(model::purge);
                assertThat(purged.join()).as("purged").isEqualTo(expected);
            } else if (op instanceof Close c) {
                withReceiver(c.receiver(), r -> {
                    receivers.get(r).close();
                    runModel(() -> model.close(r));
                });
            } else if (op instanceof Restart) {
                hub = hub.restart();
                receivers.clear();
                lastSettled.clear();
                runModel(model::restart);
                openFeedbackReceiver();
            }
            compare();
        }

        private void settle(Settle how, int receiver, LockToken token) {
            Receiver r = receivers.get(receiver);
            CompletableFuture<Void> done = switch (how) {
                case COMPLETE -> r.complete(token);
                case ABANDON -> r.abandon(token);
                case REJECT -> r.reject(token);
            };
            ReferenceQueue.Outcome expected = runModel(() -> switch (how) {
                case COMPLETE -> model.complete(receiver, token);
                case ABANDON -> model.abandon(receiver, token);
                case REJECT -> model.reject(receiver, token);
            });
            assertThat(outcome(done)).as(how + " result")
                    .isEqualTo(expected == ReferenceQueue.Outcome.OK ? null : ErrorCode.LOCK_LOST);
            lastSettled.put(receiver, token);
        }

        /** Runs the core, then the model with the deliveries the core made meanwhile. */
        private <T> T runModel(Supplier<T> step) {
            hub.run();
            List<ReferenceQueue.Offer> offers = new ArrayList<>();
            for (Seen s : seen) {
                if (s.delivery() != null) {
                    Delivery d = s.delivery();
                    offers.add(new ReferenceQueue.Offer(s.receiver(), d.message().messageId(), d.deliveryCount(), d.lockToken()));
                    Statistics.label("deliveries").collect(d.deliveryCount() == 1 ? "first" : "again");
                }
            }
            model.expectOffers(offers);
            T result = step.get();
            model.assertAllOffersExplained();
            return result;
        }

        private void runModel(Runnable step) {
            runModel(() -> {
                step.run();
                return null;
            });
        }

        private void withReceiver(int wanted, java.util.function.IntConsumer action) {
            if (!receivers.isEmpty()) {
                action.accept(wanted % receivers.size());
            }
        }

        private void compare() {
            List<ReferenceQueue.LostLock> lost = seen.stream().filter(s -> s.lost() != null)
                    .map(s -> new ReferenceQueue.LostLock(s.receiver(), s.lost())).toList();
            assertThat(lost).as("locks the holders were told they lost").containsExactlyInAnyOrderElementsOf(model.takeLostLocks());
            List<ReferenceQueue.Feedback> feedback = drainFeedback();
            assertThat(feedback).as("feedback").containsExactlyInAnyOrderElementsOf(model.takeFeedback());
            feedback.forEach(f -> Statistics.label("outcomes with feedback").collect(f.status()));
            lost.forEach(l -> Statistics.label("lost locks told").collect("told"));
            assertThat(hub.await(hub.core.c2d().stats(D1))).as("stats").isEqualTo(model.stats());
            assertThat(storedDeliveryCounts()).as("stored messages and delivery counts, in offer order")
                    .containsExactlyEntriesOf(model.deliveryCounts());
        }

        /** What the store holds for the device: message id → delivery count, by sequence. */
        private Map<String, Integer> storedDeliveryCounts() {
            Map<StateKey, byte[]> stored = ((InMemoryStore) hub.store).state().snapshot();
            TreeMap<Long, String> bySequence = new TreeMap<>();
            stored.forEach((key, value) -> {
                if (key.kind() == RecordKind.C2D_MESSAGE && key.owner().equals("d1")) {
                    bySequence.put(key.id(), QueueMessageCodec.decode(value).message().messageId());
                }
            });
            Map<String, Integer> counts = new LinkedHashMap<>();
            bySequence.forEach((sequence, id) -> {
                byte[] count = stored.get(QueueKind.C2D.countKey("d1", sequence));
                counts.put(id, count == null ? 0 : QueueMessageCodec.decodeCount(count));
            });
            return counts;
        }

        private List<ReferenceQueue.Feedback> drainFeedback() {
            hub.run();
            List<ReferenceQueue.Feedback> records = new ArrayList<>();
            for (Delivery d : feedbackSink.drain()) {
                for (FeedbackRecord r : FeedbackJson.decode(d.message().body())) {
                    assertThat(r.deviceId()).isEqualTo("d1");
                    records.add(new ReferenceQueue.Feedback(r.originalMessageId(), r.status(), r.time().toEpochMilli()));
                }
                hub.await(feedbackReceiver.complete(d.lockToken()));
            }
            return records;
        }

        private void openFeedbackReceiver() {
            feedbackSink = new RecordingSink();
            feedbackReceiver = hub.core.feedback().openReceiver(feedbackSink);
            feedbackReceiver.addCredit(1_000_000);
            hub.run();
        }

        private io.gatehouse.core.queue.DeliverySink sinkFor(int receiver) {
            return new io.gatehouse.core.queue.DeliverySink() {
                @Override
                public void deliver(Delivery delivery) {
                    seen.add(new Seen(receiver, delivery, null));
                }

                @Override
                public void lockLost(LockToken token) {
                    seen.add(new Seen(receiver, null, token));
                }
            };
        }

        /** Null for success, else the failure's code. */
        private ErrorCode outcome(CompletableFuture<?> f) {
            hub.run();
            assertThat(f).isDone();
            try {
                f.join();
                return null;
            } catch (CompletionException e) {
                GatewayException g = GatewayException.unwrap(e);
                if (g == null) {
                    throw e;
                }
                return g.code();
            }
        }

        @Override
        public void close() {
            hub.close();
        }
    }
}
