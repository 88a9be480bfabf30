package io.gatehouse.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every hub setting (docs/messaging.md#hub-settings and the README's table): defaults, both ends of each range, and refusals. */
class HubSettingsTest {

    /** A setting's documented range, with the nearest values outside it. */
    record Range(String property, String min, String max, String belowMin, String aboveMax, String rangeText) {
        @Override
        public String toString() {
            return property;
        }
    }

    static Stream<Range> ranges() {
        return Stream.of(
                new Range("cloudToDevice.defaultTtlAsIso8601", "PT1M", "P2D", "PT59.999S", "P2DT0.001S", "from PT1M to PT48H"),
                new Range("cloudToDevice.maxDeliveryCount", "1", "100", "0", "101", "from 1 to 100"),
                new Range("cloudToDevice.lockDurationAsIso8601", "PT1S", "PT5M", "PT0.999S", "PT5M0.001S", "from PT1S to PT5M"),
                new Range("cloudToDevice.maxQueueDepth", "1", "5000", "0", "5001", "from 1 to 5000"),
                new Range("cloudToDevice.maxMessageSizeInBytes", "1", "262144", "0", "262145", "from 1 to 262144"),
                new Range("cloudToDevice.readAheadMessages", "0", "1000000", "-1", "1000001", "from 0 to 1000000"),
                new Range("cloudToDevice.feedback.ttlAsIso8601", "PT1M", "P2D", "PT59.999S", "P2DT0.001S", "from PT1M to PT48H"),
                new Range("cloudToDevice.feedback.maxDeliveryCount", "1", "100", "0", "101", "from 1 to 100"),
                new Range("cloudToDevice.feedback.lockDurationAsIso8601", "PT5S", "PT5M", "PT4.999S", "PT5M0.001S", "from PT5S to PT5M"),
                new Range("cloudToDevice.feedback.batchWindowAsIso8601", "PT0S", "PT1M", "-PT0.001S", "PT1M0.001S", "from PT0S to PT1M"),
                new Range("cloudToDevice.feedback.maxRecordsPerMessage", "1", "1000", "0", "1001", "from 1 to 1000"),
                new Range("events.partitionCount", "1", "32", "0", "33", "from 1 to 32"),
                new Range("events.retentionTimeAsIso8601", "PT1M", "P7D", "PT59.999S", "P7DT0.001S", "from PT1M to PT168H"),
                new Range("events.maxMessageSizeInBytes", "1", "262144", "0", "262145", "from 1 to 262144"));
    }

    @Test
    void theTableCoversEverySetting() {
        assertThat(ranges().map(Range::property))
                .containsExactlyInAnyOrderElementsOf(HubSettings.ALL.stream().map(Setting::property).toList());
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        HubSettings d = HubSettings.defaults();
        assertThat(d.hubName()).isEqualTo("gatehouse");
        assertThat(d.c2dDefaultTtl()).isEqualTo(Duration.ofHours(1));
        assertThat(d.c2dMaxDeliveryCount()).isEqualTo(10);
        assertThat(d.c2dLockDuration()).isEqualTo(Duration.ofMinutes(1));
        assertThat(d.c2dMaxQueueDepth()).isEqualTo(50);
        assertThat(d.c2dMaxMessageBytes()).isEqualTo(65536);
        assertThat(d.c2dReadAheadMessages()).isEqualTo(4096);
        assertThat(d.feedbackTtl()).isEqualTo(Duration.ofHours(1));
        assertThat(d.feedbackMaxDeliveryCount()).isEqualTo(100);
        assertThat(d.feedbackLockDuration()).isEqualTo(Duration.ofMinutes(1));
        assertThat(d.feedbackBatchWindow()).isEqualTo(Duration.ofMillis(100));
        assertThat(d.feedbackMaxRecordsPerMessage()).isEqualTo(100);
        assertThat(d.eventPartitions()).isEqualTo(4);
        assertThat(d.eventRetention()).isEqualTo(Duration.ofDays(1));
        assertThat(d.d2cMaxMessageBytes()).isEqualTo(262144);
    }

    @ParameterizedTest
    @MethodSource("ranges")
    void bothEndsOfTheRangeAreAccepted(Range range) {
        for (String value : List.of(range.min(), range.max())) {
            HubSettings settings = HubSettings.defaults().with(range.property(), value);
            assertThat(settings.toProperties().get(range.property()))
                    .as(range.property() + "=" + value)
                    .isEqualTo(normalized(value));
        }
    }

    @ParameterizedTest
    @MethodSource("ranges")
    void justOutsideTheRangeIsRefusedNamingThePropertyAndTheRange(Range range) {
        for (String value : List.of(range.belowMin(), range.aboveMax())) {
            assertThatThrownBy(() -> HubSettings.defaults().with(range.property(), value))
                    .as(range.property() + "=" + value)
                    .isInstanceOfSatisfying(InvalidSettingException.class,
                            e -> assertThat(e.property()).isEqualTo(range.property()))
                    .hasMessageStartingWith(range.property() + ": ")
                    .hasMessageContaining(range.rangeText());
        }
    }

    @ParameterizedTest
    @MethodSource("ranges")
    void malformedValuesAreRefusedNamingTheProperty(Range range) {
        boolean isDuration = range.property().endsWith("AsIso8601");
        List<String> malformed = isDuration
                ? List.of("", "1 hour", "PT", "P1W", "P1M", "60", "PT1H30", "1h")
                : List.of("", "ten", "1.5", "0x10", "99999999999", "1e2");
        for (String value : malformed) {
            assertThatThrownBy(() -> HubSettings.fromProperties(Map.of(range.property(), value)))
                    .as(range.property() + "='" + value + "'")
                    .isInstanceOfSatisfying(InvalidSettingException.class,
                            e -> assertThat(e.property()).isEqualTo(range.property()))
                    .hasMessageContaining("'" + value + "' is not allowed")
                    .hasMessageContaining(range.rangeText());
        }
    }

    @Test
    void surroundingBlanksAreIgnoredAndIso8601IsCaseInsensitive() {
        HubSettings s = HubSettings.fromProperties(Map.of(
                "cloudToDevice.defaultTtlAsIso8601", "  pt2h ",
                "cloudToDevice.maxDeliveryCount", " 7"));
        assertThat(s.c2dDefaultTtl()).isEqualTo(Duration.ofHours(2));
        assertThat(s.c2dMaxDeliveryCount()).isEqualTo(7);
    }

    @Test
    void propertiesRoundTrip() {
        HubSettings custom = HubSettings.defaults()
                .with("hubName", "my-hub")
                .with("cloudToDevice.lockDurationAsIso8601", "PT2.5S")
                .with("events.partitionCount", "8");
        assertThat(HubSettings.fromProperties(custom.toProperties())).isEqualTo(custom);
        assertThat(custom.c2dLockDuration()).isEqualTo(Duration.ofMillis(2500));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ab", "-hub", "hub_name", "hub.name", "hub name", ""})
    void badHubNamesAreRefused(String name) {
        assertThatThrownBy(() -> HubSettings.fromProperties(Map.of("hubName", name)))
                .isInstanceOfSatisfying(InvalidSettingException.class, e -> assertThat(e.property()).isEqualTo("hubName"))
                .hasMessageContaining("3 to 50 letters, digits or '-'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "0hub", "my-hub-1", "H1234567890123456789012345678901234567890123456789"})
    void goodHubNamesAreAccepted(String name) {
        assertThat(HubSettings.fromProperties(Map.of("hubName", name)).hubName()).isEqualTo(name);
    }

    @Test
    void hubNameLongerThanFiftyIsRefused() {
        assertThatThrownBy(() -> HubSettings.fromProperties(Map.of("hubName", "h".repeat(51))))
                .isInstanceOf(InvalidSettingException.class);
    }

    /** How a value reads back from {@link HubSettings#toProperties()}. */
    private static String normalized(String value) {
        return value.startsWith("P") ? Duration.parse(value).toString() : value;
    }
}
