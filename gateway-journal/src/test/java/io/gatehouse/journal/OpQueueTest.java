package io.gatehouse.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class OpQueueTest {

    private static final class Op extends PendingOp {
        final int producer;
        final int index;

        Op(int producer, int index) {
            this.producer = producer;
            this.index = index;
        }
    }

    @Test
    void takesInOfferOrderAndReportsEmpty() {
        OpQueue queue = new OpQueue();
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.poll()).isNull();
        Op a = new Op(0, 0);
        Op b = new Op(0, 1);
        queue.offer(a);
        queue.offer(b);
        assertThat(queue.isEmpty()).isFalse();
        assertThat(queue.poll()).isSameAs(a);
        assertThat(queue.poll()).isSameAs(b);
        assertThat(queue.poll()).isNull();
        assertThat(queue.isEmpty()).isTrue();
    }

    /** A taken operation that lived long enough to be promoted must not keep its successors reachable. */
    @Test
    void aTakenOperationHoldsNoLinkToLaterOnes() {
        OpQueue queue = new OpQueue();
        Op first = new Op(0, 0);
        Op second = new Op(0, 1);
        Op third = new Op(0, 2);
        queue.offer(first);
        queue.offer(second);
        queue.offer(third);
        assertThat(queue.poll()).isSameAs(first);
        assertThat(queue.poll()).isSameAs(second);
        assertThat(first.next).isNull();
        assertThat(queue.poll()).isSameAs(third);
        assertThat(second.next).isNull();
    }

    @Test
    void concurrentProducersLoseNothingAndKeepEachProducersOrder() throws Exception {
        int producers = 4;
        int perProducer = 50_000;
        OpQueue queue = new OpQueue();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int producer = p;
            Thread t = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perProducer; i++) {
                    queue.offer(new Op(producer, i));
                }
            });
            t.start();
            threads.add(t);
        }
        start.countDown();
        int[] nextExpected = new int[producers];
        int taken = 0;
        while (taken < producers * perProducer) {
            Op op = (Op) queue.poll();
            if (op == null) {
                Thread.onSpinWait();
                continue;
            }
            assertThat(op.index).isEqualTo(nextExpected[op.producer]);
            nextExpected[op.producer]++;
            taken++;
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(queue.poll()).isNull();
        assertThat(nextExpected).containsOnly(perProducer);
    }
}
