package io.gatehouse.core.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.feedback.FeedbackJson;
import io.gatehouse.core.feedback.FeedbackRecord;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.LockToken;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.testing.ManualCore;
import io.gatehouse.core.testing.ManualStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * At least once, across crashes (docs/architecture.md#durability-discipline): random operations while the store confirms, delays or fails writes
 * in its own time, with crashes at random points (a new core over exactly what was durable). Every message asks
 * for full feedback, so whatever ends durably leaves a record. At the end (a last crash, then everything is
 * received and completed): every confirmed send has ended with a record; a send that failed was never delivered
 * (so never completed nor rejected); a confirmed complete or reject is never delivered again after a later crash.
 */
class CrashConsistencyTest {

    private static final DeviceId D1 = DeviceId.of("d1");

    sealed interface Op {
    }

    /** {@code ttlSeconds} 0: the hub's default TTL. */
    record Send(int ttlSeconds) implements Op {
        @Override
        public String toString() {
            return ttlSeconds == 0 ? "send" : "send(ttl " + ttlSeconds + "s)";
        }
    }

    record Purge() implements Op {
        @Override
        public String toString() {
            return "purge";
        }
    }

    record Reconnect() implements Op {
        @Override
        public String toString() {
            return "reconnect";
        }
    }

    record Credit(int n) implements Op {
        @Override
        public String toString() {
            return "credit+" + n;
        }
    }

    record Settle(int how, int which) implements Op {
        @Override
        public String toString() {
            return new String[] {"complete", "abandon", "reject"}[how] + "#" + which;
        }
    }

    record Advance(long millis) implements Op {
        @Override
        public String toString() {
            return "advance " + millis + "ms";
        }
    }

    record Flush(int writes) implements Op {
        @Override
        public String toString() {
            return "durable " + writes;
        }
    }

    record Fail() implements Op {
        @Override
        public String toString() {
            return "fail write";
        }
    }

    record Crash() implements Op {
        @Override
        public String toString() {
            return "crash";
        }
    }

    @Provide
    Arbitrary<List<Op>> scripts() {
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of(0, 0, 0, 5, 20).map(Send::new)),
                Tuple.of(1, Arbitraries.just(new Purge())),
                Tuple.of(1, Arbitraries.just(new Reconnect())),
                Tuple.of(4, Arbitraries.integers().between(1, 3).map(Credit::new)),
                Tuple.of(6, net.jqwik.api.Combinators.combine(Arbitraries.integers().between(0, 2),
                        Arbitraries.integers().between(0, 3)).as(Settle::new)),
                Tuple.of(2, Arbitraries.of(1_000L, 10_000L, 30_000L).map(Advance::new)),
                Tuple.of(8, Arbitraries.integers().between(1, 4).map(Flush::new)),
                Tuple.of(1, Arbitraries.just(new Fail())),
                Tuple.of(1, Arbitraries.just(new Crash())));
        return op.list().ofMinSize(1).ofMaxSize(50);
    }

    @Property(tries = 1000)
    void confirmedMeansDurable(@ForAll("scripts") List<Op> script) {
        check(script);
    }

    /** The shrunk script that found stored feedback overwritten by feedback made during recovery. */
    @net.jqwik.api.Example
    void feedbackMadeDuringRecoveryKeepsStoredFeedback() {
        Send send = new Send(0);
        check(List.of(send, send, new Credit(1), new Credit(2), new Flush(2), new Flush(2),
                new Settle(0, 0), new Settle(1, 0), send, send, send, send, send, send,
                send, send, send, send, send, new Flush(1), new Flush(1), new Settle(1, 0),
                new Credit(1), send, send, new Flush(2), new Flush(3), new Flush(4), new Flush(4)));
    }

    private void check(List<Op> script) {
        HubSettings settings = HubSettings.defaults()
                .with(HubSettings.C2D_MAX_DELIVERY_COUNT.property(), "3")
                .with(HubSettings.C2D_LOCK_DURATION.property(), "PT10S")
                .with(HubSettings.FEEDBACK_BATCH_WINDOW.property(), "PT0S");
        ManualStore store = new ManualStore(settings.eventPartitions());
        ManualCore hub = new ManualCore(settings, store);
        hub.createDevice("d1");
        Set<String> confirmedSends = new HashSet<>();
        Set<String> failedSends = new HashSet<>();
        Map<String, Integer> settledInEpoch = new HashMap<>();
        Map<String, List<Integer>> deliveredInEpoch = new HashMap<>();
        List<Delivery> held = new ArrayList<>();
        int[] epoch = {0};
        int sends = 0;
        store.hold();
        Receiver receiver = open(hub, held, deliveredInEpoch, epoch);
        try {
            for (Op op : script) {
                if (op instanceof Send send) {
                    String id = "m" + sends++;
                    java.time.Instant expiry = send.ttlSeconds() == 0 ? null : hub.clock.now().plusSeconds(send.ttlSeconds());
                    hub.core.c2d().send(D1, new C2dRequest(MessageProperties.builder().messageId(id).build(), AckMode.FULL,
                            expiry, new byte[1])).whenComplete((ok, failure) -> (failure == null ? confirmedSends : failedSends).add(id));
                } else if (op instanceof Purge) {
                    hub.core.c2d().purge(D1);
                } else if (op instanceof Reconnect) {
                    receiver.close();
                    held.clear();
                    receiver = open(hub, held, deliveredInEpoch, epoch);
                } else if (op instanceof Credit c) {
                    receiver.addCredit(c.n());
                } else if (op instanceof Settle s && !held.isEmpty()) {
                    Delivery d = held.remove(s.which() % held.size());
                    String id = d.message().messageId();
                    int at = epoch[0];
                    CompletableFuture<Void> done = switch (s.how()) {
                        case 0 -> receiver.complete(d.lockToken());
                        case 1 -> receiver.abandon(d.lockToken());
                        default -> receiver.reject(d.lockToken());
                    };
                    if (s.how() != 1) {
                        done.thenRun(() -> settledInEpoch.putIfAbsent(id, at));
                    }
                } else if (op instanceof Advance a) {
                    hub.clock.advance(Duration.ofMillis(a.millis()));
                } else if (op instanceof Flush f) {
                    store.completeWrites(Math.min(f.writes(), store.pendingWrites()));
                } else if (op instanceof Fail && store.pendingWrites() > 0) {
                    store.failNextWrite();
                } else if (op instanceof Crash) {
                    store = new ManualStore(store.durable());
                    hub = hub.restart(store);
                    epoch[0]++;
                    held.clear();
                    store.hold();
                    receiver = open(hub, held, deliveredInEpoch, epoch);
                }
                hub.run();
            }

            // a last crash, then everything is received and completed, and all feedback read
            store = new ManualStore(store.durable());
            hub = hub.restart(store);
            epoch[0]++;
            held.clear();
            receiver = open(hub, held, deliveredInEpoch, epoch);
            receiver.addCredit(1_000);
            hub.run();
            while (!held.isEmpty()) {
                for (Delivery d : List.copyOf(held)) {
                    held.remove(d);
                    hub.await(receiver.complete(d.lockToken()));
                }
                hub.run();
            }
            Set<String> reported = new HashSet<>();
            Map<String, Set<io.gatehouse.core.feedback.FeedbackStatus>> outcomes = new HashMap<>();
            for (FeedbackRecord r : drainFeedback(hub)) {
                reported.add(r.originalMessageId());
                outcomes.computeIfAbsent(r.originalMessageId(), k -> new HashSet<>()).add(r.status());
            }

            assertThat(reported).as("every confirmed send ends with a record").containsAll(confirmedSends);
            net.jqwik.api.statistics.Statistics.label("crashes").collect(epoch[0] - 1);
            net.jqwik.api.statistics.Statistics.label("sends").collect(confirmedSends.size() > 5 ? "> 5 confirmed"
                    : confirmedSends.isEmpty() ? "none confirmed" : "1-5 confirmed");
            net.jqwik.api.statistics.Statistics.label("failed sends").collect(!failedSends.isEmpty());
            for (String id : failedSends) {
                assertThat(deliveredInEpoch.getOrDefault(id, List.of())).as("failed send " + id + " delivered").isEmpty();
                // a failed write "may or may not be durable" (StateStore): a purge or expiry written after it may
                // still report the message, but nothing can have completed or rejected it
                assertThat(outcomes.getOrDefault(id, Set.of())).as("outcomes of failed send " + id)
                        .doesNotContain(io.gatehouse.core.feedback.FeedbackStatus.SUCCESS,
                                io.gatehouse.core.feedback.FeedbackStatus.REJECTED);
            }
            settledInEpoch.forEach((id, at) -> assertThat(deliveredInEpoch.getOrDefault(id, List.of()))
                    .as(id + " was settled (confirmed) in epoch " + at + " but delivered again after a later crash")
                    .allMatch(e -> e <= at));
        } finally {
            hub.close();
        }
    }

    private static Receiver open(ManualCore hub, List<Delivery> held, Map<String, List<Integer>> delivered, int[] epoch) {
        Receiver r = hub.core.c2d().openReceiver(D1, new DeliverySink() {
            @Override
            public void deliver(Delivery delivery) {
                held.add(delivery);
                delivered.computeIfAbsent(delivery.message().messageId(), k -> new ArrayList<>()).add(epoch[0]);
            }

            @Override
            public void lockLost(LockToken lockToken) {
                held.removeIf(d -> d.lockToken().equals(lockToken));
            }
        });
        hub.run();
        return r;
    }

    private static List<FeedbackRecord> drainFeedback(ManualCore hub) {
        List<FeedbackRecord> records = new ArrayList<>();
        List<Delivery> inbox = new ArrayList<>();
        Receiver r = hub.core.feedback().openReceiver(new DeliverySink() {
            @Override
            public void deliver(Delivery delivery) {
                inbox.add(delivery);
            }

            @Override
            public void lockLost(LockToken lockToken) {
            }
        });
        r.addCredit(10_000);
        hub.run();
        for (Delivery d : inbox) {
            records.addAll(FeedbackJson.decode(d.message().body()));
            hub.await(r.complete(d.lockToken()));
        }
        return records;
    }
}
