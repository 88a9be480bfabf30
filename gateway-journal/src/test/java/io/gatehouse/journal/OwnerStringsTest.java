package io.gatehouse.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Owners decoded from disk: a repeated one is the same string, and every one reads back exactly as written. */
class OwnerStringsTest {

    private final OwnerStrings owners = new OwnerStrings();

    private static ByteBuffer at3(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(bytes.length + 5);
        buf.put(3, bytes);
        return buf;
    }

    private String get(String s) {
        return owners.get(at3(s), 3, s.getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void aRepeatedOwnerIsOneString() {
        String first = get("dev00042");
        assertThat(get("dev00042")).isEqualTo("dev00042").isSameAs(first);
        assertThat(get("dev00043")).isEqualTo("dev00043");
    }

    @Test
    void everyOwnerReadsBackAsWrittenWhateverItCollidesWith() {
        List<String> written = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            written.add("device-" + i);
        }
        written.addAll(List.of("", "é-device", "ü", "日本", "a", "b", "Aa", "BB")); // "Aa" and "BB" share a hash
        for (int round = 0; round < 2; round++) {
            for (String owner : written) {
                assertThat(get(owner)).isEqualTo(owner);
            }
        }
    }
}
