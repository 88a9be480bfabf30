package io.gatehouse.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Device ids (docs/protocols.md#sas-tokens): case-sensitive, 1 to 128 of {@code [A-Za-z0-9-:.+%_#*?!(),=@$']}. */
class DeviceIdTest {

    static final String SPECIALS = "-:.+%_#*?!(),=@$'";

    @Test
    void everyAllowedCharacterIsAccepted() {
        StringBuilder all = new StringBuilder();
        for (char c = 'A'; c <= 'Z'; c++) {
            all.append(c);
        }
        for (char c = 'a'; c <= 'z'; c++) {
            all.append(c);
        }
        for (char c = '0'; c <= '9'; c++) {
            all.append(c);
        }
        all.append(SPECIALS);
        for (char c : all.toString().toCharArray()) {
            assertThat(DeviceId.isValid(String.valueOf(c))).as("'" + c + "'").isTrue();
            assertThat(DeviceId.of("x" + c + "y").value()).isEqualTo("x" + c + "y");
        }
        assertThat(DeviceId.of(all.toString()).value()).hasSize(62 + SPECIALS.length());
    }

    @Test
    void everyOtherAsciiCharacterIsRefused() {
        for (char c = 0; c < 128; c++) {
            boolean allowed = Character.isLetterOrDigit(c) || SPECIALS.indexOf(c) >= 0;
            assertThat(DeviceId.isValid("a" + c)).as("char " + (int) c).isEqualTo(allowed);
        }
        for (String s : new String[] {"é", "ü", "设备", "a\u0000", "\uD83D\uDE00"}) {
            assertThat(DeviceId.isValid(s)).as(s).isFalse();
        }
    }

    @Test
    void lengthIsOneTo128() {
        assertThat(DeviceId.of("a".repeat(128)).value()).hasSize(128);
        assertThatThrownBy(() -> DeviceId.of("a".repeat(129)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 to 128 characters")
                // the error never echoes a huge id back
                .hasMessageContaining("...");
        assertThatThrownBy(() -> DeviceId.of("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DeviceId.of(null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("null");
        assertThat(DeviceId.isValid(null)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b", "a b", "a&b", "a\"b", "a\\b", "a<b", "a~b", "a;b", "a[b]", "a{b}", "a|b", "a^b", "a`b", "../x"})
    void pathAndQuoteCharactersAreRefused(String id) {
        assertThatThrownBy(() -> DeviceId.of(id)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid device id");
    }

    @Test
    void idsAreCaseSensitiveAndOrdered() {
        assertThat(DeviceId.of("Dev")).isNotEqualTo(DeviceId.of("dev"));
        assertThat(DeviceId.of("a").compareTo(DeviceId.of("b"))).isNegative();
        assertThat(DeviceId.of("d1").toString()).isEqualTo("d1");
    }
}
