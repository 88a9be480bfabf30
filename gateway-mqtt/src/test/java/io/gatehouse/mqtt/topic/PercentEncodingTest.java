package io.gatehouse.mqtt.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PercentEncodingTest {

    @Test
    void plainTextDecodesToItself() {
        assertThat(PercentEncoding.decode("abc-1.2_3~", 0, 10)).isEqualTo("abc-1.2_3~");
        assertThat(PercentEncoding.decode("xx$.midyy", 2, 7)).isEqualTo("$.mid");
    }

    @Test
    void escapesPlusAndUtf8Decode() {
        assertThat(PercentEncoding.decode("%24.mid")).isEqualTo("$.mid");
        assertThat(PercentEncoding.decode("a+b%20c")).isEqualTo("a b c"); // form encoding, as the Java SDK's URLEncoder
        assertThat(PercentEncoding.decode("%C3%A9%e2%9c%93")).isEqualTo("\u00e9\u2713"); // either case of hex
        assertThat(PercentEncoding.decode("%F0%9F%98%80")).isEqualTo("\uD83D\uDE00");
    }

    @Test
    void rawNonAsciiCharactersAreKept() {
        assertThat(PercentEncoding.decode("\u00e9t\u00e9%20\uD83D\uDE00")).isEqualTo("\u00e9t\u00e9 \uD83D\uDE00");
    }

    @Test
    void malformedEscapesAreErrors() {
        assertThatThrownBy(() -> PercentEncoding.decode("k%zz")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("%zz");
        assertThatThrownBy(() -> PercentEncoding.decode("k%2")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("incomplete");
        assertThatThrownBy(() -> PercentEncoding.decode("%")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void encodingKeepsOnlyUnreservedCharacters() {
        assertThat(PercentEncoding.encode("$.mid")).isEqualTo("%24.mid");
        assertThat(PercentEncoding.encode("a b+c#d/e&f=g")).isEqualTo("a%20b%2Bc%23d%2Fe%26f%3Dg");
        assertThat(PercentEncoding.encode("AZaz09-._~")).isEqualTo("AZaz09-._~");
        assertThat(PercentEncoding.encode("\u00e9\uD83D\uDE00")).isEqualTo("%C3%A9%F0%9F%98%80");
    }

    @Test
    void encodedTextNeverHoldsMqttWildcardsOrSeparators() {
        Random random = new Random(42);
        for (int i = 0; i < 2000; i++) {
            String text = randomText(random);
            String encoded = PercentEncoding.encode(text);
            assertThat(encoded).doesNotContain("+", "#", "&", "=", "/", "\u0000");
            assertThat(PercentEncoding.decode(encoded)).isEqualTo(text);
            // and the SDKs' decoder (java.net.URLDecoder) reads the same text
            assertThat(URLDecoder.decode(encoded, StandardCharsets.UTF_8)).isEqualTo(text);
        }
    }

    private static String randomText(Random random) {
        StringBuilder s = new StringBuilder();
        int length = random.nextInt(20);
        for (int i = 0; i < length; i++) {
            int kind = random.nextInt(4);
            if (kind == 0) {
                s.append((char) (0x20 + random.nextInt(0x5f)));
            } else if (kind == 1) {
                s.append((char) (0xa0 + random.nextInt(0x700)));
            } else if (kind == 2) {
                s.appendCodePoint(0x1F600 + random.nextInt(0x40));
            } else {
                s.append("&=+#/%$ ".charAt(random.nextInt(8)));
            }
        }
        return s.toString();
    }
}
