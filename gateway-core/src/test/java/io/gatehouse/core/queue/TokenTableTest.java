package io.gatehouse.core.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.model.LockToken;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TokenTableTest {

    private record Item(LockToken token) {
    }

    private final TokenTable<Item> table = new TokenTable<>(Item::token);

    @Test
    void findsWhatWasAddedAndForgetsWhatWasRemoved() {
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Item item = new Item(LockToken.next());
            items.add(item);
            table.add(item);
        }
        for (int i = 0; i < 100; i += 2) {
            table.remove(items.get(i).token());
        }
        assertThat(table.size()).isEqualTo(50);
        for (int i = 0; i < 100; i++) {
            assertThat(table.get(items.get(i).token())).isEqualTo(i % 2 == 0 ? null : items.get(i));
        }
        assertThat(table.toList()).containsExactlyInAnyOrderElementsOf(
                items.stream().filter(item -> items.indexOf(item) % 2 == 1).toList());
        assertThat(table.get(LockToken.next())).isNull();
        table.remove(LockToken.next()); // unknown: nothing happens
        assertThat(table.size()).isEqualTo(50);
    }

    @Test
    void agreesWithAMapThroughRandomAddsAndRemovesThatCollide() {
        // tokens of another process and of this one, many landing on the same slots of a small table
        Random random = new Random(7);
        Map<LockToken, Item> expected = new HashMap<>();
        List<LockToken> known = new ArrayList<>();
        for (int step = 0; step < 20_000; step++) {
            if (expected.size() < 40 && (expected.isEmpty() || random.nextInt(3) > 0)) {
                LockToken token = random.nextBoolean() ? LockToken.next()
                        : new LockToken(random.nextInt(4), random.nextInt(64));
                if (expected.containsKey(token)) {
                    continue;
                }
                Item item = new Item(token);
                expected.put(token, item);
                known.add(token);
                table.add(item);
            } else {
                LockToken token = known.remove(random.nextInt(known.size()));
                expected.remove(token);
                table.remove(token);
            }
            assertThat(table.size()).isEqualTo(expected.size());
            if (step % 97 == 0) {
                for (Map.Entry<LockToken, Item> e : expected.entrySet()) {
                    assertThat(table.get(e.getKey())).isSameAs(e.getValue());
                }
                assertThat(table.toList()).containsExactlyInAnyOrderElementsOf(expected.values());
            }
        }
    }

    @Test
    void anEmptiedTableStillWorks() {
        Item item = new Item(LockToken.next());
        table.add(item);
        table.remove(item.token());
        assertThat(table.size()).isZero();
        assertThat(table.get(item.token())).isNull();
        assertThat(table.toList()).isEmpty();
        table.add(item);
        assertThat(table.get(item.token())).isSameAs(item);
    }
}
