package io.gatehouse.mqtt.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PacketIdsTest {

    @Test
    void idsStartAtOneAndAreReleasedWithTheirValue() {
        // [MQTT-2.3.1-1] a packet id is non-zero
        PacketIds<String> ids = new PacketIds<>(16);
        assertThat(ids.allocate("a")).isEqualTo(1);
        assertThat(ids.allocate("b")).isEqualTo(2);
        assertThat(ids.release(1)).isEqualTo("a");
        assertThat(ids.release(1)).isNull();
        assertThat(ids.release(0)).isNull();
        assertThat(ids.release(65_536)).isNull();
        assertThat(ids.size()).isEqualTo(1);
    }

    @Test
    void idsWrapAfter65535AndSkipIdsStillInUse() {
        // [MQTT-2.3.1-2] an id is not reused while its exchange is unfinished
        PacketIds<Integer> ids = new PacketIds<>(16);
        int first = ids.allocate(0); // 1 stays in use
        assertThat(first).isEqualTo(1);
        int id;
        do {
            id = ids.allocate(1);
            assertThat(id).isNotEqualTo(1);
            assertThat(ids.release(id)).isEqualTo(1);
        } while (id != 65_535);
        assertThat(ids.allocate(-1)).as("1 is in use, so the next after 65535 is 2").isEqualTo(2);
    }

    @Test
    void idsReleasedOutOfOrderNeverRepeatAnIdStillInUse() {
        // acknowledgements arrive in any order; an id in use never comes back until it is released
        PacketIds<Long> ids = new PacketIds<>(100);
        Random random = new Random(42);
        List<Integer> inUse = new ArrayList<>();
        Map<Integer, Long> carried = new HashMap<>();
        for (long n = 0; n < 300_000; n++) {
            if (inUse.size() == 100 || (!inUse.isEmpty() && random.nextBoolean())) {
                int id = inUse.remove(random.nextInt(inUse.size()));
                assertThat(ids.release(id)).isEqualTo(carried.remove(id));
            } else {
                int id = ids.allocate(n);
                assertThat(id).isBetween(1, 65_535);
                assertThat(carried.put(id, n)).as("id %d handed out while in use", id).isNull();
                inUse.add(id);
            }
            assertThat(ids.size()).isEqualTo(inUse.size());
        }
    }

    @Test
    void noMoreThanTheWindowIsInUse() {
        PacketIds<String> ids = new PacketIds<>(16);
        for (int i = 0; i < 16; i++) {
            ids.allocate("m" + i);
        }
        assertThatThrownBy(() -> ids.allocate("one too many")).isInstanceOf(IllegalStateException.class);
        ids.release(5);
        assertThat(ids.allocate("fits again")).isPositive();
        assertThatThrownBy(() -> new PacketIds<>(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anIdIsFoundAndFreedByWhatItCarries() {
        // a lock lost before its PUBACK: the flow knows the message, not the packet id
        PacketIds<String> ids = new PacketIds<>(4);
        assertThat(ids.releaseValue("nothing yet")).isZero();
        ids.allocate("a");
        int b = ids.allocate("b");
        ids.allocate("c");
        assertThat(ids.releaseValue("b")).isEqualTo(b);
        assertThat(ids.release(b)).as("already freed").isNull();
        assertThat(ids.releaseValue("x")).isZero();
        assertThat(ids.size()).isEqualTo(2);
        ids.clear();
        assertThat(ids.size()).isZero();
        assertThat(ids.release(1)).isNull();
        assertThat(ids.allocate("after clear")).isEqualTo(4);
    }
}
