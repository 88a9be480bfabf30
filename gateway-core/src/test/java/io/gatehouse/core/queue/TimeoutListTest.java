package io.gatehouse.core.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.exec.Shard;
import io.gatehouse.core.time.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class TimeoutListTest {

    private final ManualClock clock = new ManualClock();
    private final Shard shard = new Shard("s", clock);
    private final List<String> timedOut = new ArrayList<>();
    /** What a timeout does besides being recorded. */
    private Consumer<Item> reaction = item -> { };
    private final TimeoutList<Item> list = new TimeoutList<>(shard, item -> {
        timedOut.add(item.name);
        reaction.accept(item);
    });

    private static final class Item extends TimeoutList.Node<Item> {
        final String name;

        Item(String name) {
            this.name = name;
        }
    }

    private long in(int seconds) {
        return clock.millis() + seconds * 1000L;
    }

    private void advance(int seconds) {
        clock.advance(Duration.ofSeconds(seconds));
        shard.runPending();
    }

    private void onShard(Runnable action) {
        shard.execute(action);
        shard.runPending();
    }

    @Test
    void itemsTimeOutInOrderEachAtItsDeadlineUnderOneTimer() {
        onShard(() -> {
            list.add(new Item("a"), in(10));
            list.add(new Item("b"), in(20));
            list.add(new Item("c"), in(20));
        });
        assertThat(shard.pendingTimers()).isEqualTo(1);

        advance(9);
        assertThat(timedOut).isEmpty();
        advance(1);
        assertThat(timedOut).containsExactly("a");
        advance(10);
        assertThat(timedOut).containsExactly("a", "b", "c");
        assertThat(list.isEmpty()).isTrue();
        assertThat(shard.pendingTimers()).isZero();
    }

    @Test
    void aRemovedItemNeverTimesOutAndTheNextOneStillDoes() {
        Item a = new Item("a");
        Item b = new Item("b");
        Item c = new Item("c");
        onShard(() -> {
            list.add(a, in(10));
            list.add(b, in(15));
            list.add(c, in(20));
            list.remove(a);
            list.remove(b);
            list.remove(b); // twice: nothing happens
        });
        advance(15);
        assertThat(timedOut).isEmpty();
        advance(5);
        assertThat(timedOut).containsExactly("c");
    }

    @Test
    void removingTheLastItemCancelsTheTimer() {
        Item a = new Item("a");
        onShard(() -> list.add(a, in(10)));
        assertThat(shard.pendingTimers()).isEqualTo(1);
        onShard(() -> list.remove(a));
        assertThat(shard.pendingTimers()).isZero();
        advance(10);
        assertThat(timedOut).isEmpty();
    }

    @Test
    void aDeadlineBeforeTheLastOneIsMovedUpToIt() {
        onShard(() -> {
            list.add(new Item("a"), in(20));
            list.add(new Item("b"), in(5)); // as if the clock had stepped back
        });
        advance(5);
        assertThat(timedOut).isEmpty();
        advance(15);
        assertThat(timedOut).containsExactly("a", "b");
    }

    @Test
    void anItemAddedWhileOthersTimeOutWaitsForItsOwnDeadline() {
        reaction = item -> {
            if (item.name.equals("a")) {
                list.add(new Item("a-again"), in(10)); // a lock timed out, the message is locked again
            }
        };
        onShard(() -> {
            list.add(new Item("a"), in(10));
            list.add(new Item("b"), in(10));
        });
        advance(10);
        assertThat(timedOut).containsExactly("a", "b");
        advance(9);
        assertThat(timedOut).containsExactly("a", "b");
        advance(1);
        assertThat(timedOut).containsExactly("a", "b", "a-again");
    }

    @Test
    void aFailingTimeoutDoesNotStopTheOnesAfterIt() {
        reaction = item -> {
            if (item.name.equals("a")) {
                throw new IllegalStateException("a bug in one timeout");
            }
        };
        onShard(() -> {
            list.add(new Item("a"), in(10));
            list.add(new Item("b"), in(10));
            list.add(new Item("c"), in(20));
        });
        advance(10);
        advance(0);
        assertThat(timedOut).containsExactly("a", "b");
        advance(10);
        assertThat(timedOut).containsExactly("a", "b", "c");
    }
}
