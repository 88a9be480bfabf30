package io.gatehouse.core.bench;

import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.LockToken;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.DeliverySink;
import io.gatehouse.core.queue.Receiver;
import io.gatehouse.core.store.memory.InMemoryStore;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Throughput of the in-memory core's C2D lifecycle: send → deliver (lock, count written) → complete, with
 * threaded shards and the in-memory store. One invocation sends {@link #BATCH} messages round robin over the
 * devices and waits until every one was completed; each device's receiver completes what it is handed at once,
 * on the shard (as an adapter's event loop would hand it back). Scores are lifecycle operations per second
 * (3 per message: enqueue, receive, complete); divide by 3 for messages per second.
 *
 * <p>Run: {@code ./mvnw -B -q -pl gateway-core -Pjmh test-compile exec:exec -Djmh.args="LifecycleBenchmark"}
 * (add JMH options to jmh.args, e.g. {@code -prof gc} or {@code -p shards=1}).
 *
 * <p>On a shared, loaded machine the throughput scores swing widely. Each iteration therefore also prints the
 * CPU time spent per lifecycle operation by the shard threads and by the sending thread ("cpu/op"), which
 * other processes disturb far less: compare those when judging a change.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
public class LifecycleBenchmark {

    static final int BATCH = 2_000;

    @Param({"1", "10000"})
    public int devices;

    @Param({"1"})
    public int shards;

    private GatewayCore core;
    private InMemoryStore store;
    private DeviceId[] ids;
    private C2dRequest[] requests;
    private int next;
    private final AtomicLong completed = new AtomicLong();
    private volatile long target = Long.MAX_VALUE;
    private volatile Thread waiter;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private long[] shardThreadIds;
    private long shardCpuAtStart;
    private long senderCpu;
    private long completedAtStart;

    @Setup(Level.Trial)
    public void start() {
        HubSettings settings = HubSettings.defaults()
                .with(HubSettings.C2D_MAX_QUEUE_DEPTH.property(), "5000");
        store = new InMemoryStore(settings.eventPartitions());
        core = GatewayCore.builder().settings(settings).store(store).shards(shards).start();
        ids = new DeviceId[devices];
        requests = new C2dRequest[devices];
        for (int i = 0; i < devices; i++) {
            ids[i] = DeviceId.of("device-" + i);
            core.registry().create(ids[i]).join();
            // as the service SDKs send them: message-id and to set (ids may repeat: the core does not care)
            requests[i] = new C2dRequest(MessageProperties.builder().messageId("message-" + i)
                    .to("/devices/" + ids[i] + "/messages/devicebound").build(), AckMode.NONE, null, new byte[64]);
            Receiver[] receiver = new Receiver[1];
            receiver[0] = core.c2d().openReceiver(ids[i], new DeliverySink() {
                @Override
                public void deliver(Delivery delivery) {
                    receiver[0].complete(delivery.lockToken()).whenComplete((ok, failure) -> {
                        if (failure != null) {
                            throw new IllegalStateException("complete failed", failure);
                        }
                        if (completed.incrementAndGet() >= target) {
                            LockSupport.unpark(waiter);
                        }
                    });
                }

                @Override
                public void lockLost(LockToken lockToken) {
                    throw new IllegalStateException("no lock should time out here");
                }
            });
            receiver[0].addCredit(1_000_000_000);
        }
        core.barrier().join();
        shardThreadIds = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("gatehouse-shard-")).mapToLong(Thread::getId).toArray();
    }

    @Setup(Level.Iteration)
    public void startCounting() {
        shardCpuAtStart = shardCpu();
        completedAtStart = completed.get();
        senderCpu = 0;
    }

    @TearDown(Level.Iteration)
    public void printCpuPerOperation() {
        double ops = 3.0 * (completed.get() - completedAtStart);
        System.out.printf("%ncpu/op: shards %.0f ns, sender %.0f ns (%d shard threads)%n",
                (shardCpu() - shardCpuAtStart) / ops, senderCpu / ops, shardThreadIds.length);
    }

    private long shardCpu() {
        long total = 0;
        for (long id : shardThreadIds) {
            total += threads.getThreadCpuTime(id);
        }
        return total;
    }

    @TearDown(Level.Trial)
    public void stop() {
        core.close();
        store.close();
    }

    @Benchmark
    @OperationsPerInvocation(3 * BATCH)
    public void enqueueReceiveComplete() {
        long cpuBefore = threads.getCurrentThreadCpuTime();
        long goal = completed.get() + BATCH;
        waiter = Thread.currentThread();
        target = goal;
        for (int i = 0; i < BATCH; i++) {
            int d = next;
            next = d + 1 == devices ? 0 : d + 1;
            core.c2d().send(ids[d], requests[d]);
        }
        senderCpu += threads.getCurrentThreadCpuTime() - cpuBefore;
        while (completed.get() < goal) {
            LockSupport.park(this);
        }
    }
}
