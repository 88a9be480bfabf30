package io.gatehouse.mqtt.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.QueueMessage;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The property bag of docs/protocols.md#mqtt-311, both ways. */
class PropertyBagTest {

    @Test
    void anEmptyBagHasNoProperties() {
        assertThat(PropertyBag.parse("")).isEqualTo(MessageProperties.EMPTY);
    }

    @Test
    void systemKeysMapToSystemPropertiesAndTheRestAreApplicationProperties() {
        MessageProperties p = PropertyBag.parse("$.mid=1&$.cid=2&$.uid=3&$.to=4&$.ct=5&$.ce=6&$.ctime=7&app=8");
        assertThat(p).isEqualTo(new MessageProperties("1", "2", "3", "4", "5", "6", "7", Map.of("app", "8")));
    }

    @Test
    void encodedSystemKeysAreRecognisedToo() {
        assertThat(PropertyBag.parse("%24.mid=m&%24.ct=text%2Fplain").messageId()).isEqualTo("m");
        assertThat(PropertyBag.parse("%24.mid=m&%24.ct=text%2Fplain").contentType()).isEqualTo("text/plain");
    }

    @Test
    void theDeviceCannotNameItsConnectionIdentity() {
        MessageProperties p = PropertyBag.parse("$.cdid=other&$.cmid=mod&k=v");
        assertThat(p.application()).containsOnlyKeys("k");
    }

    @Test
    void unknownDollarKeysAreApplicationProperties() {
        // docs/protocols.md#mqtt-311: everything but the listed system keys is an application property
        assertThat(PropertyBag.parse("$.ifid=x&$.sub=c").application()).containsEntry("$.ifid", "x").containsEntry("$.sub", "c");
    }

    @Test
    void valuesAndKeysAreDecodedAndEdgeCasesAreTolerated() {
        MessageProperties p = PropertyBag.parse("&a%20b=c%26d&novalue&empty=&&dup=1&dup=2&eq=x=y&");
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("a b", "c&d");
        expected.put("novalue", "");
        expected.put("empty", "");
        expected.put("dup", "2");
        expected.put("eq", "x=y");
        assertThat(p.application()).containsExactlyEntriesOf(expected);
    }

    @Test
    void anEmptySystemValueIsAbsent() {
        assertThat(PropertyBag.parse("$.mid=&$.ct=").messageId()).isNull();
    }

    @Test
    void aMalformedEscapeIsAnError() {
        assertThatThrownBy(() -> PropertyBag.parse("k=%G1")).isInstanceOf(IllegalArgumentException.class);
    }

    private static QueueMessage message(MessageProperties properties, AckMode ack) {
        return new QueueMessage(properties, ack, Instant.EPOCH, Instant.EPOCH.plusSeconds(60), new byte[0]);
    }

    private static String format(QueueMessage message) {
        StringBuilder out = new StringBuilder();
        PropertyBag.formatC2d(message, out);
        return out.toString();
    }

    @Test
    void theC2dBagStartsWithTheMessageIdAndCarriesTheSystemPropertiesInOrder() {
        MessageProperties p = MessageProperties.builder().messageId("id 1").to("/devices/d1/messages/devicebound")
                .correlationId("c").userId("u").contentType("application/json").contentEncoding("utf-8")
                .creationTimeUtc("2026-01-01T00:00:00Z").put("k", "v").build();
        assertThat(format(message(p, AckMode.FULL))).isEqualTo("%24.mid=id%201&%24.to=%2Fdevices%2Fd1%2Fmessages%2Fdevicebound"
                + "&%24.cid=c&%24.uid=u&%24.ct=application%2Fjson&%24.ce=utf-8&iothub-ack=full&k=v");
    }

    @Test
    void theC2dBagLeavesOutEmptyValuesAndAbsentProperties() {
        MessageProperties p = MessageProperties.builder().messageId("m").correlationId("").put("empty", "").put("", "x")
                .put("iothub-ack", "positive").put("keep", "1").build();
        String bag = format(message(p, AckMode.NONE));
        assertThat(bag).isEqualTo("%24.mid=m&iothub-ack=none&keep=1");
        assertThat(bag).doesNotContain("=&").doesNotEndWith("=");
    }

    @Test
    void theJavaSdkReadsBackEveryPropertyFromTheBag() {
        // the Java device SDK (2.5.0, Mqtt#constructMessage) starts at the first "%24", splits on '&' and '=', and
        // URL-decodes each half; a part without '=' or with an empty value would throw. Reproduce that reading.
        MessageProperties p = MessageProperties.builder().messageId("m&=1").correlationId("c c").contentType("a/b")
                .put("k y", "v=&+#").put("\u00e9", "\uD83D\uDE00").build();
        String topic = "devices/d1/messages/devicebound/" + format(message(p, AckMode.POSITIVE));
        Map<String, String> read = new LinkedHashMap<>();
        for (String part : topic.substring(topic.indexOf("%24")).split("&")) {
            String[] kv = part.split("=");
            assertThat(kv).hasSize(2);
            read.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
        }
        assertThat(read).containsEntry("$.mid", "m&=1").containsEntry("$.cid", "c c").containsEntry("$.ct", "a/b")
                .containsEntry("iothub-ack", "positive").containsEntry("k y", "v=&+#").containsEntry("\u00e9", "\uD83D\uDE00");
    }
}
