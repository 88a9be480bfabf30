package io.gatehouse.mqtt.flow;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PacketIdsTest {

    @Test
    void idsStartAtOneAndAreReleasedWithTheirValue() {
        // [MQTT-2.3.1-1] a packet id is non-zero
        PacketIds<String> ids = new PacketIds<>();
        assertThat(ids.allocate("a")).isEqualTo(1);
        assertThat(ids.allocate("b")).isEqualTo(2);
        assertThat(ids.release(1)).isEqualTo("a");
        assertThat(ids.release(1)).isNull();
        assertThat(ids.size()).isEqualTo(1);
    }

    @Test
    void idsWrapAfter65535AndSkipIdsStillInUse() {
        // [MQTT-2.3.1-2] an id is not reused while its exchange is unfinished
        PacketIds<Integer> ids = new PacketIds<>();
        int first = ids.allocate(0); // 1 stays in use
        for (int i = 2; i <= 65_535; i++) {
            assertThat(ids.release(ids.allocate(i))).isEqualTo(i);
        }
        assertThat(first).isEqualTo(1);
        assertThat(ids.allocate(-1)).as("1 is in use, so the next after 65535 is 2").isEqualTo(2);
    }
}
