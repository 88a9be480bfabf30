package io.gatehouse.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.concurrent.EventExecutor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class NettyTransportTest {

    @Test
    void everyWorkerIsSetUpOnItsOwnThreadWithAnExecutorThatRunsAfterItsPass() throws Exception {
        try (NettyTransport transport = NettyTransport.create(2)) {
            Map<Thread, Executor> afterPass = new ConcurrentHashMap<>();
            transport.setUpWorkers(executor -> afterPass.put(Thread.currentThread(), executor));
            assertThat(afterPass).hasSize(2);

            for (EventExecutor worker : transport.workers()) {
                List<String> order = new CopyOnWriteArrayList<>();
                List<Thread> ranOn = new CopyOnWriteArrayList<>();
                CountDownLatch done = new CountDownLatch(1);
                worker.submit(() -> {
                    afterPass.get(Thread.currentThread()).execute(() -> {
                        order.add("after the pass");
                        ranOn.add(Thread.currentThread());
                        done.countDown();
                    });
                    order.add("in the pass");
                    ranOn.add(Thread.currentThread());
                }).syncUninterruptibly();
                assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
                assertThat(order).containsExactly("in the pass", "after the pass");
                assertThat(ranOn.get(1)).isSameAs(ranOn.get(0));
            }
        }
    }
}
