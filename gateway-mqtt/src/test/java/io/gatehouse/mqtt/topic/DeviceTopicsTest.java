package io.gatehouse.mqtt.topic;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.mqtt.topic.DeviceTopics.Subscription;
import org.junit.jupiter.api.Test;

class DeviceTopicsTest {

    private final DeviceTopics topics = new DeviceTopics(DeviceId.of("d1"));

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

    @Test
    void subscriptionFiltersAreClassified() {
        assertThat(topics.classify("devices/d1/messages/devicebound/#")).isEqualTo(Subscription.C2D);
        assertThat(topics.classify("$iothub/twin/res/#")).isEqualTo(Subscription.TWIN);
        assertThat(topics.classify("$iothub/twin/PATCH/properties/desired/#")).isEqualTo(Subscription.TWIN);
        assertThat(topics.classify("$iothub/methods/POST/#")).isEqualTo(Subscription.METHODS);
        assertThat(topics.classify("devices/d2/messages/devicebound/#")).isEqualTo(Subscription.OTHER_DEVICE);
        assertThat(topics.classify("devices/+/messages/devicebound/#")).isEqualTo(Subscription.OTHER_DEVICE);
        assertThat(topics.classify("devices/d1/messages/devicebound/+")).isEqualTo(Subscription.UNSUPPORTED);
        assertThat(topics.classify("devices/d1/#")).isEqualTo(Subscription.UNSUPPORTED);
        assertThat(topics.classify("#")).isEqualTo(Subscription.UNSUPPORTED);
    }

    @Test
    void clientTextIsMadeSafeForTheLog() {
        assertThat(ClientText.quote("a\nb\u0000c")).isEqualTo("'a?b?c'");
        assertThat(ClientText.quote("x".repeat(300))).hasSize(205).endsWith("'...");
        assertThat(ClientText.quote(null)).isEqualTo("(none)");
    }
}
