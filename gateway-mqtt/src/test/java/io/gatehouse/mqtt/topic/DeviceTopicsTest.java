package io.gatehouse.mqtt.topic;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.QueueMessage;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DeviceTopicsTest {

    private final DeviceTopics topics = new DeviceTopics(DeviceId.of("d1"));

    @Test
    void c2dTopicsBuiltOneAfterAnotherOnAThreadShareNothing() throws Exception {
        QueueMessage longOne = message("m-long", "x".repeat(10_000));
        QueueMessage shortOne = message("m-2", "v");
        DeviceTopics other = new DeviceTopics(DeviceId.of("device-with-a-longer-id"));
        String[] onAFreshThread = new String[1];
        Thread fresh = new Thread(() -> onAFreshThread[0] = topics.c2dTopic(shortOne).toString());
        fresh.start();
        fresh.join();

        String longTopic = other.c2dTopic(longOne).toString();
        String shortTopic = topics.c2dTopic(shortOne).toString();

        assertThat(longTopic).startsWith("devices/device-with-a-longer-id/messages/devicebound/").contains("x".repeat(10_000));
        assertThat(shortTopic).isEqualTo(onAFreshThread[0]).startsWith("devices/d1/messages/devicebound/")
                .contains("m-2").doesNotContain("xx");
    }

    private static QueueMessage message(String id, String value) {
        return new QueueMessage(MessageProperties.builder().messageId(id).put("k", value).build(), AckMode.NONE,
                Instant.EPOCH, Instant.EPOCH.plusSeconds(3600), new byte[0]);
    }

    @Test
    void theTelemetryTopicHasAnOptionalBag() {
        assertThat(topics.telemetryBag("devices/d1/messages/events")).isEmpty();
        assertThat(topics.telemetryBag("devices/d1/messages/events/")).isEmpty();
        assertThat(topics.telemetryBag("devices/d1/messages/events/$.mid=1&k=v")).isEqualTo("$.mid=1&k=v");
    }

    @Test
    void otherTopicsHaveNoBag() {
        assertThat(topics.telemetryBag("devices/d1/messages/eventsX")).isNull();
        assertThat(topics.telemetryBag("devices/d10/messages/events/")).isNull();
        assertThat(topics.telemetryBag("devices/d2/messages/events/")).isNull();
        assertThat(topics.telemetryBag("devices/D1/messages/events/")).as("device ids are case-sensitive").isNull();
        assertThat(topics.telemetryBag("devices/d1/modules/m/messages/events/")).isNull();
        assertThat(topics.telemetryBag("")).isNull();
    }

    @Test
    void refusedPublishesSayWhy() {
        assertThat(topics.describeRefusedPublish("devices/d2/messages/events/")).contains("another device");
        assertThat(topics.describeRefusedPublish("devices/d10/messages/events/")).contains("another device");
        assertThat(topics.describeRefusedPublish("$iothub/twin/GET/?$rid=1")).contains("unsupported topic");
        assertThat(topics.describeRefusedPublish("devices/d1/messages/eventsX")).contains("unsupported topic");
    }

    @ParameterizedTest(name = "PUBLISH {0} -> {1} [{2}]")
    @CsvSource(nullValues = "null", delimiter = '|', textBlock = """
            devices/d1/messages/events                    | TELEMETRY    | ''
            devices/d1/messages/events/                   | TELEMETRY    | ''
            devices/d1/messages/events/$.mid=1&k=v        | TELEMETRY    | $.mid=1&k=v
            $iothub/twin/PATCH/properties/reported/?$rid=1 | TWIN        | PATCH/properties/reported/?$rid=1
            $iothub/twin/GET/?$rid=1                      | TWIN         | GET/?$rid=1
            $iothub/methods/res/200/?$rid=7               | METHODS      | res/200/?$rid=7
            devices/d2/messages/events/                   | OTHER_DEVICE | null
            devices/d10/messages/events/                  | OTHER_DEVICE | null
            devices/D1/messages/events/                   | OTHER_DEVICE | null
            devices/d1/messages/eventsX                   | UNSUPPORTED  | null
            devices/d1/messages/devicebound/x             | UNSUPPORTED  | null
            devices/d1/modules/m/messages/events/         | UNSUPPORTED  | null
            $iothub/twinX/GET                             | UNSUPPORTED  | null
            $iothub/twin                                  | UNSUPPORTED  | null
            devices/                                      | UNSUPPORTED  | null
            ''                                            | UNSUPPORTED  | null
            """)
    void publishTopicsAreClassifiedByKind(String topic, TopicKind kind, String rest) {
        assertThat(topics.classifyPublish(topic)).isEqualTo(new TopicAddress(kind, rest));
    }

    @ParameterizedTest(name = "SUBSCRIBE {0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            devices/d1/messages/devicebound/#             | C2D
            $iothub/twin/res/#                            | TWIN
            $iothub/twin/PATCH/properties/desired/#       | TWIN
            $iothub/methods/POST/#                        | METHODS
            devices/d2/messages/devicebound/#             | OTHER_DEVICE
            devices/+/messages/devicebound/#              | OTHER_DEVICE
            devices/d1/messages/devicebound/+             | UNSUPPORTED
            devices/d1/messages/deviceboundX#             | UNSUPPORTED
            devices/d1/messages/devicebound/##            | UNSUPPORTED
            devices/d10/messages/devicebound/#            | OTHER_DEVICE
            devices/d1/messages/events/                   | UNSUPPORTED
            devices/d1/#                                  | UNSUPPORTED
            $iothub/#                                     | UNSUPPORTED
            #                                             | UNSUPPORTED
            """)
    void subscriptionFiltersAreClassifiedByKind(String filter, TopicKind kind) {
        assertThat(topics.classifyFilter(filter)).isEqualTo(kind);
    }

    @Test
    void aModuleHasItsOwnTelemetryTopicAndNoC2d() {
        DeviceTopics module = new DeviceTopics(DeviceId.of("d1"), "m");
        assertThat(module.telemetryBag("devices/d1/modules/m/messages/events/$.mid=1")).isEqualTo("$.mid=1");
        assertThat(module.telemetryBag("devices/d1/modules/m/messages/events")).isEmpty();
        assertThat(module.telemetryBag("devices/d1/messages/events")).as("its device's topic").isNull();
        assertThat(module.telemetryBag("devices/d1/modules/m2/messages/events")).isNull();
        assertThat(module.telemetryBag("devices/d1/modules/M/messages/events")).isNull();
        assertThat(module.telemetryBag("devices/d1/modules/")).isNull();
        assertThat(module.classifyFilter("devices/d1/messages/devicebound/#")).isEqualTo(TopicKind.OTHER_DEVICE);
        assertThat(module.classifyPublish("devices/d1/modules/m/messages/devicebound/x").kind())
                .isEqualTo(TopicKind.UNSUPPORTED);
        assertThat(module.classifyPublish("devices/d1/modules/m2/messages/events").kind())
                .isEqualTo(TopicKind.OTHER_DEVICE);
    }

    @Test
    void clientTextIsMadeSafeForTheLog() {
        assertThat(ClientText.quote("a\nb\u0000c")).isEqualTo("'a?b?c'");
        assertThat(ClientText.quote("x".repeat(300))).hasSize(205).endsWith("'...");
        assertThat(ClientText.quote(null)).isEqualTo("(none)");
    }
}
