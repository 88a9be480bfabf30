package io.gatehouse.journal;

import io.gatehouse.core.store.EventRecord;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.WriteBatch;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The process {@link JournalCrashTest} kills: opens the journal, continues every device's deterministic
 * sequence of batches from where the journal says it is, with many operations in flight from several
 * producer threads, and appends events to every partition under retention. Prints each operation whose
 * future completed successfully ({@code S device n}, {@code V partition sequence}) — only after it
 * completed — and runs until it is killed.
 *
 * <p>Device d's batch n: put message n; put the delivery count of message n - 1; once n >= WINDOW, delete
 * message n - WINDOW and its count (completed). So the state after the first n batches is a fixed function
 * of n ({@link #expected}), and any recovered state must be exactly that for some n at or after the last
 * acknowledged batch.
 */
public final class CrashWorkload {

    static final int DEVICES = 48;
    static final int WINDOW = 5;
    static final int PARTITIONS = 2;
    static final int PRODUCERS = 3;
    static final long RETAINED_EVENTS = 3000;

    private CrashWorkload() {
    }

    static JournalOptions options() {
        return JournalOptions.defaults(PARTITIONS).withSegmentSize(64 * 1024).withSpareSegments(1);
    }

    static String device(int d) {
        return "device-" + d;
    }

    static StateKey message(int d, long n) {
        return StateKey.of(RecordKind.C2D_MESSAGE, device(d), n);
    }

    static StateKey count(int d, long n) {
        return StateKey.of(RecordKind.C2D_DELIVERY_COUNT, device(d), n);
    }

    static WriteBatch batch(int d, long n) {
        WriteBatch batch = WriteBatch.put(message(d, n), value("message", d, n));
        if (n >= 1) {
            batch.andPut(count(d, n - 1), value("count", d, n));
        }
        if (n >= WINDOW) {
            batch.andDelete(message(d, n - WINDOW)).andDelete(count(d, n - WINDOW));
        }
        return batch;
    }

    /** The state of device d after its first n batches. */
    static Map<StateKey, String> expected(int d, long n) {
        Map<StateKey, String> state = new TreeMap<>();
        for (long i = Math.max(0, n - WINDOW); i < n; i++) {
            state.put(message(d, i), text(value("message", d, i)));
            if (i < n - 1) {
                state.put(count(d, i), text(value("count", d, i + 1)));
            }
        }
        return state;
    }

    static byte[] value(String what, int d, long n) {
        return (what + "-" + d + "-" + n + "-" + "x".repeat((int) (n % 40))).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] eventPayload(int p, long sequence) {
        return ("event-" + p + "-" + sequence + "-" + "y".repeat((int) (sequence % 60))).getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16), false,
                StandardCharsets.US_ASCII);
        JournalStore store = JournalStore.open(dir, options());

        long[] next = new long[DEVICES];
        store.state().forEachLive((key, value) -> {
            int d = Integer.parseInt(key.owner().substring("device-".length()));
            if (key.kind() == RecordKind.C2D_MESSAGE) {
                next[d] = Math.max(next[d], key.id() + 1);
            }
        });
        long[] nextEvent = new long[PARTITIONS];
        for (int p = 0; p < PARTITIONS; p++) {
            EventRecord last = store.events().last(p);
            nextEvent[p] = last == null ? 0 : last.sequenceNumber() + 1;
        }
        synchronized (out) {
            out.println("READY");
            out.flush();
        }

        BlockingQueue<Integer> ready = new ArrayBlockingQueue<>(DEVICES + PARTITIONS);
        for (int d = 0; d < DEVICES; d++) {
            ready.add(d);
        }
        for (int p = 0; p < PARTITIONS; p++) {
            ready.add(DEVICES + p);
        }
        for (int t = 0; t < PRODUCERS; t++) {
            Thread producer = new Thread(() -> {
                while (true) {
                    int who;
                    try {
                        who = ready.take();
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (who < DEVICES) {
                        int d = who;
                        long n = next[d]++;
                        store.state().write(batch(d, n)).whenComplete((ok, failure) -> {
                            if (failure == null) {
                                synchronized (out) {
                                    out.print("S ");
                                    out.print(d);
                                    out.print(' ');
                                    out.println(n);
                                }
                                ready.add(d);
                            }
                        });
                    } else {
                        int p = who - DEVICES;
                        long s = nextEvent[p]++;
                        byte[] payload = eventPayload(p, s);
                        store.events().append(p, new EventRecord(s, s * 1000, s, payload)).whenComplete((ok, failure) -> {
                            if (failure == null) {
                                synchronized (out) {
                                    out.print("V ");
                                    out.print(p);
                                    out.print(' ');
                                    out.println(s);
                                }
                                if (s % 500 == 0) {
                                    store.events().removeBefore(p, s - RETAINED_EVENTS);
                                }
                                ready.add(who);
                            }
                        });
                    }
                }
            }, "producer-" + t);
            producer.setDaemon(true);
            producer.start();
        }
        // acknowledgements reach the test within a millisecond or so; the rest is lost with the process
        while (true) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            synchronized (out) {
                out.flush();
            }
        }
    }
}
