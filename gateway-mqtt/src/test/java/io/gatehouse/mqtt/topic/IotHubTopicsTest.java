package io.gatehouse.mqtt.topic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The twin and method topics, as the Java device SDK writes them and as malformed clients might. */
class IotHubTopicsTest {

    static Stream<Arguments> topics() {
        return Stream.of(
                Arguments.of("$iothub/twin/GET/?$rid=0f2c", new IotHubTopics.TwinGet("0f2c")),
                Arguments.of("$iothub/twin/GET/?$rid=", new IotHubTopics.TwinGet(null)),
                Arguments.of("$iothub/twin/GET/", new IotHubTopics.TwinGet(null)),
                Arguments.of("$iothub/twin/PATCH/properties/reported/?$rid=7", new IotHubTopics.ReportedPatch("7")),
                Arguments.of("$iothub/twin/PATCH/properties/reported/?$rid=7&$version=3", new IotHubTopics.ReportedPatch("7")),
                Arguments.of("$iothub/twin/PATCH/properties/reported/?$version=3&$rid=8", new IotHubTopics.ReportedPatch("8")),
                Arguments.of("$iothub/twin/PATCH/properties/desired/?$rid=1", new IotHubTopics.Unknown("1")),
                Arguments.of("$iothub/twin/GET/extra/?$rid=1", new IotHubTopics.Unknown("1")),
                Arguments.of("$iothub/methods/res/200/?$rid=abc", new IotHubTopics.MethodResponse("abc", 200)),
                Arguments.of("$iothub/methods/res/404/?$rid=abc", new IotHubTopics.MethodResponse("abc", 404)),
                Arguments.of("$iothub/methods/res/2x0/?$rid=abc", new IotHubTopics.Unknown("abc")),
                Arguments.of("$iothub/methods/res/99999999999/?$rid=abc", new IotHubTopics.Unknown("abc")),
                Arguments.of("$iothub/methods/POST/reboot/?$rid=1", new IotHubTopics.Unknown("1")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("topics")
    void parses(String topic, IotHubTopics.Request expected) {
        assertThat(IotHubTopics.parse(topic)).isEqualTo(expected);
    }

    @org.junit.jupiter.api.Test
    void writesWhatTheSdkParses() {
        // the SDK splits on '/' and reads the status at index 3, the request id and version at index 4
        String response = IotHubTopics.twinResponse(204, "r1", 5L);
        assertThat(response).isEqualTo("$iothub/twin/res/204/?$rid=r1&$version=5");
        assertThat(response.split("/")[3]).isEqualTo("204");
        assertThat(IotHubTopics.twinResponse(200, "r2", null)).isEqualTo("$iothub/twin/res/200/?$rid=r2");
        assertThat(IotHubTopics.desiredPatch(7)).isEqualTo("$iothub/twin/PATCH/properties/desired/?$version=7");
        assertThat(IotHubTopics.methodRequest("reboot", "id-1")).isEqualTo("$iothub/methods/POST/reboot/?$rid=id-1");
    }
}
