package io.gatehouse.core.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class SequenceQueueTest {

    record Item(long sequence) implements SequenceQueue.Sequenced {
    }

    /** Any mix of appends, re-inserts, takes from the front and removals agrees with a sorted map. */
    @Property(tries = 500)
    void behavesLikeASortedMap(@ForAll @Size(max = 400) List<@IntRange(min = 0, max = 99) Integer> script) {
        SequenceQueue<Item> queue = new SequenceQueue<>();
        TreeMap<Long, Item> reference = new TreeMap<>();
        List<Item> out = new ArrayList<>();
        long next = 0;
        for (int step : script) {
            if (step < 40) {
                Item item = new Item(next++);
                queue.add(item);
                reference.put(item.sequence(), item);
            } else if (step < 55 && !out.isEmpty()) {
                // given back: usually the oldest taken, sometimes any
                Item back = out.remove(step % 3 == 0 ? out.size() - 1 : 0);
                queue.add(back);
                reference.put(back.sequence(), back);
            } else if (step < 80 && !reference.isEmpty()) {
                Item first = queue.first();
                assertThat(first).isSameAs(reference.firstEntry().getValue());
                assertThat(queue.remove(first)).isTrue();
                reference.remove(first.sequence());
                out.add(first);
            } else if (!reference.isEmpty()) {
                List<Item> all = new ArrayList<>(reference.values());
                Item victim = all.get(step % all.size());
                assertThat(queue.remove(victim)).isTrue();
                reference.remove(victim.sequence());
                assertThat(queue.remove(victim)).isFalse();
            }
            assertThat(queue.size()).isEqualTo(reference.size());
            assertThat(queue.isEmpty()).isEqualTo(reference.isEmpty());
            assertThat(queue.toList()).containsExactlyElementsOf(reference.values());
        }
    }

    @Test
    void edgeCases() {
        SequenceQueue<Item> queue = new SequenceQueue<>();
        assertThat(queue.first()).isNull();
        assertThat(queue.remove(new Item(1))).isFalse();
        for (int i = 10; i < 30; i++) {
            queue.add(new Item(i));
        }
        queue.add(new Item(5));
        queue.add(new Item(15 * 100));
        assertThatThrownBy(() -> queue.add(new Item(12))).isInstanceOf(IllegalStateException.class);
        assertThat(queue.first().sequence()).isEqualTo(5);
        assertThat(queue.toList()).hasSize(22).extracting(Item::sequence).isSorted();
    }
}
