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

    @Test
    void anOwnerMatchesExactlyTheBytesWrittenForIt() {
        for (String owner : List.of("", "dev00042", "é-device", "日本", "ü😀")) {
            ByteBuffer buf = at3(owner);
            int length = owner.getBytes(StandardCharsets.UTF_8).length;
            assertThat(OwnerStrings.matches(owner, buf, 3, length)).as(owner).isTrue();
        }
        ByteBuffer written = at3("dev00042");
        assertThat(OwnerStrings.matches("dev00043", written, 3, 8)).isFalse();
        assertThat(OwnerStrings.matches("dev0004", written, 3, 8)).as("a prefix").isFalse();
        assertThat(OwnerStrings.matches("dev000420", written, 3, 8)).isFalse();
        assertThat(OwnerStrings.matches("é-device", at3("e-device"), 3, 8)).isFalse();
        assertThat(OwnerStrings.matches("e-device", at3("é-device"), 3, 9)).isFalse();
        assertThat(OwnerStrings.matches("ab", at3("é"), 3, 2)).as("as many chars as the bytes").isFalse();
    }
}
