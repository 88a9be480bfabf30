package io.gatehouse.core.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class TimerHeapTest {

    private final TimerHeap heap = new TimerHeap();
    private final List<String> fired = new ArrayList<>();

    private Timer add(long deadline, String name) {
        return heap.add(deadline, () -> fired.add(name));
    }

    private void runDue(long now) {
        Timer due;
        while ((due = heap.pollDue(now)) != null) {
            due.task.run();
        }
    }

    @Test
    void firesInDeadlineOrderOnlyWhenDue() {
        add(30, "c");
        add(10, "a");
        add(20, "b");
        assertThat(heap.nextDeadline()).isEqualTo(10);

        runDue(9);
        assertThat(fired).isEmpty();
        runDue(20);
        assertThat(fired).containsExactly("a", "b");
        assertThat(heap.nextDeadline()).isEqualTo(30);
        runDue(1000);
        assertThat(fired).containsExactly("a", "b", "c");
        assertThat(heap.size()).isZero();
        assertThat(heap.nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void tiesFireInSchedulingOrder() {
        for (int i = 0; i < 200; i++) {
            add(i % 2 == 0 ? 5 : 7, "t" + i);
        }
        runDue(7);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 200; i += 2) {
            expected.add("t" + i);
        }
        for (int i = 1; i < 200; i += 2) {
            expected.add("t" + i);
        }
        assertThat(fired).isEqualTo(expected);
    }

    @Test
    void cancelledTimersNeverFireAndLeaveNoTrace() {
        Timer a = add(10, "a");
        Timer b = add(10, "b");
        Timer c = add(5, "c");
        assertThat(b.isPending()).isTrue();

        b.cancel();
        b.cancel();
        c.cancel();
        assertThat(b.isPending()).isFalse();
        assertThat(heap.size()).isEqualTo(1);
        assertThat(heap.nextDeadline()).isEqualTo(10);
        runDue(100);
        assertThat(fired).containsExactly("a");
        assertThat(a.isPending()).isFalse();
        // cancelling a timer that already fired is harmless
        a.cancel();
        assertThat(heap.size()).isZero();
    }

    @Test
    void manyTimersWithCancellationsStayOrderedAndBounded() {
        Random random = new Random(42);
        List<Timer> live = new ArrayList<>();
        TreeSet<Timer> reference = new TreeSet<>(Comparator.naturalOrder());
        for (int i = 0; i < 100_000; i++) {
            Timer t = add(random.nextInt(10_000), "x");
            live.add(t);
            reference.add(t);
            if (random.nextInt(3) == 0) {
                Timer victim = live.remove(random.nextInt(live.size()));
                victim.cancel();
                reference.remove(victim);
            }
        }
        assertThat(heap.size()).isEqualTo(reference.size());
        long lastDeadline = -1;
        Timer previous = null;
        Timer due;
        int polled = 0;
        while ((due = heap.pollDue(Long.MAX_VALUE - 1)) != null) {
            assertThat(due).isSameAs(reference.pollFirst());
            if (previous != null) {
                assertThat(due.compareTo(previous)).isPositive();
            }
            assertThat(due.deadline()).isGreaterThanOrEqualTo(lastDeadline);
            lastDeadline = due.deadline();
            previous = due;
            polled++;
        }
        assertThat(polled).isEqualTo(live.size());
        assertThat(reference).isEmpty();
    }

    /** Any interleaving of adds, cancels and polls agrees with a sorted set of (deadline, scheduling order). */
    @Property(tries = 300)
    void agreesWithASortedSet(@ForAll @Size(max = 300) List<@IntRange(min = 0, max = 40) Integer> script) {
        TimerHeap timers = new TimerHeap();
        TreeSet<Timer> reference = new TreeSet<>();
        List<Timer> all = new ArrayList<>();
        long now = 0;
        for (int step : script) {
            if (step < 25) {
                Timer t = timers.add(now + step, () -> { });
                all.add(t);
                reference.add(t);
            } else if (step < 33 && !all.isEmpty()) {
                Timer victim = all.get((step * 7919) % all.size());
                victim.cancel();
                reference.remove(victim);
            } else {
                now += step - 33;
                Timer due;
                while ((due = timers.pollDue(now)) != null) {
                    Timer expected = reference.pollFirst();
                    assertThat(due).isSameAs(expected);
                    assertThat(due.deadline()).isLessThanOrEqualTo(now);
                }
                assertThat(reference.isEmpty() || reference.first().deadline() > now).isTrue();
            }
            assertThat(timers.size()).isEqualTo(reference.size());
            assertThat(timers.nextDeadline())
                    .isEqualTo(reference.isEmpty() ? Long.MAX_VALUE : reference.first().deadline());
        }
    }
}
