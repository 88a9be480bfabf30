package io.gatehouse.amqp.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.amqp.connection.LinkAddress.Kind;
import io.gatehouse.core.model.DeviceId;
import org.junit.jupiter.api.Test;

class LinkAddressTest {

    private static LinkAddress parse(String address) {
        return LinkAddress.parse(address, "myhub");
    }

    @Test
    void nodesAndServiceEndpointsMatchCaseInsensitively() {
        assertThat(parse("$cbs").kind()).isEqualTo(Kind.CBS);
        assertThat(parse("$management").kind()).isEqualTo(Kind.MANAGEMENT);
        assertThat(parse("/messages/devicebound").kind()).isEqualTo(Kind.SERVICE_C2D);
        assertThat(parse("/messages/serviceBound/feedback").kind()).isEqualTo(Kind.FEEDBACK);
        assertThat(parse("amqps://myhub.example.com/messages/servicebound/feedback").kind()).isEqualTo(Kind.FEEDBACK);
    }

    @Test
    void deviceEndpointsKeepTheIdVerbatim() {
        LinkAddress events = parse("/devices/Dev-1:a/messages/events");
        assertThat(events.kind()).isEqualTo(Kind.DEVICE_TELEMETRY);
        assertThat(events.device()).isEqualTo(DeviceId.of("Dev-1:a"));
        LinkAddress c2d = parse("/devices/Dev-1:a/messages/deviceBound");
        assertThat(c2d.kind()).isEqualTo(Kind.DEVICE_C2D);
        assertThat(parse("/devices/bad id/messages/events").kind()).isEqualTo(Kind.UNKNOWN);
        LinkAddress module = parse("/devices/d1/modules/m1/messages/events");
        assertThat(module.kind()).isEqualTo(Kind.MODULE_TELEMETRY);
        assertThat(module.moduleId()).isEqualTo("m1");
        assertThat(parse("/devices/d1/modules/m1/messages/devicebound").kind()).isEqualTo(Kind.MODULE_INBOX);
        assertThat(parse("/devices/d1/modules/bad id/messages/events").kind()).isEqualTo(Kind.UNKNOWN);
        assertThat(parse("/devices/d1/modules/m1/x/messages/events").kind()).isEqualTo(Kind.UNKNOWN);
    }

    @Test
    void twinAndMethodLinksOfADevice() {
        LinkAddress twin = parse("/devices/d1/twin");
        assertThat(twin.kind()).isEqualTo(Kind.DEVICE_TWIN);
        assertThat(twin.device()).isEqualTo(DeviceId.of("d1"));
        assertThat(parse("devices/d1/methods/deviceBound").kind()).isEqualTo(Kind.DEVICE_METHODS);
        assertThat(parse("/devices/d1/twin/extra").kind()).isEqualTo(Kind.UNKNOWN);
        assertThat(parse("/devices/d1/modules/m1/twin").kind()).isEqualTo(Kind.UNKNOWN);
        assertThat(parse("/devices/bad id/twin").kind()).isEqualTo(Kind.UNKNOWN);
    }

    @Test
    void eventHubsPartitionAddressesInEveryForm() {
        for (String address : new String[] {"messages/events/ConsumerGroups/$Default/Partitions/3",
                "/messages/events/consumergroups/$Default/partitions/3", "myhub/ConsumerGroups/$Default/Partitions/3",
                "/MyHub/ConsumerGroups/$Default/Partitions/3"}) {
            LinkAddress a = parse(address);
            assertThat(a.kind()).as(address).isEqualTo(Kind.EVENT_PARTITION);
            assertThat(a.consumerGroup()).isEqualTo("$Default");
            assertThat(a.partition()).isEqualTo(3);
        }
        assertThat(parse("otherhub/ConsumerGroups/$Default/Partitions/3").kind()).isEqualTo(Kind.UNKNOWN);
        assertThat(parse("myhub/ConsumerGroups/$Default/Partitions/x").kind()).isEqualTo(Kind.UNKNOWN);
    }

    @Test
    void iotHubsOwnNamesOfTheBuiltInEndpoint() {
        for (String address : new String[] {"messages/events", "/messages/events/$management",
                "amqps://hub.example.net/messages/events/$management", "/Messages/Events"}) {
            assertThat(parse(address).kind()).as(address).isEqualTo(Kind.IOT_HUB_EVENTS);
        }
        assertThat(parse("messages/events/other").kind()).isEqualTo(Kind.UNKNOWN);
    }

    @Test
    void nothingElse() {
        assertThat(parse(null).kind()).isEqualTo(Kind.UNKNOWN);
        assertThat(parse("").kind()).isEqualTo(Kind.UNKNOWN);
        assertThat(parse("/devices/d1/messages/events/extra").kind()).isEqualTo(Kind.UNKNOWN);
    }
}
