package io.gatehouse.core.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.testing.ManualCore;
import io.gatehouse.core.testing.RecordingSink;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link Receiver#pollOne()}: one message for one poll, and nothing afterwards unless asked again. */
class PollOneTest {

    private static final DeviceId D1 = DeviceId.of("d1");

    private ManualCore hub;

    @BeforeEach
    void setUp() {
        hub = new ManualCore();
        hub.createDevice("d1");
    }

    @AfterEach
    void tearDown() {
        hub.close();
    }

    private void send(String id) {
        hub.await(hub.core.c2d().send(D1, new C2dRequest(MessageProperties.builder().messageId(id).build(),
                AckMode.NONE, null, id.getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void emptyQueueAnswersFalseAndLaterMessagesWaitForTheNextPoll() {
        RecordingSink sink = new RecordingSink();
        Receiver receiver = hub.core.c2d().openReceiver(D1, sink);
        assertThat(hub.await(receiver.pollOne())).isFalse();

        send("m1");
        hub.run();
        assertThat(sink.poll()).isNull();

        assertThat(hub.await(receiver.pollOne())).isTrue();
        hub.run();
        Delivery delivery = sink.poll();
        assertThat(delivery.message().messageId()).isEqualTo("m1");
        assertThat(delivery.deliveryCount()).isEqualTo(1);
        receiver.close();
    }

    @Test
    void takesExactlyOneOfSeveralMessages() {
        send("m1");
        send("m2");
        RecordingSink sink = new RecordingSink();
        Receiver receiver = hub.core.c2d().openReceiver(D1, sink);
        assertThat(hub.await(receiver.pollOne())).isTrue();
        hub.run();
        assertThat(sink.drain()).extracting(d -> d.message().messageId()).containsExactly("m1");

        assertThat(hub.await(receiver.pollOne())).isTrue();
        hub.run();
        assertThat(sink.drain()).extracting(d -> d.message().messageId()).containsExactly("m2");
        assertThat(hub.await(receiver.pollOne())).isFalse();
        receiver.close();
    }

    @Test
    void aClosedReceiverTakesNothing() {
        send("m1");
        RecordingSink sink = new RecordingSink();
        Receiver receiver = hub.core.c2d().openReceiver(D1, sink);
        receiver.close();
        assertThat(hub.await(receiver.pollOne())).isFalse();
        hub.run();
        assertThat(sink.poll()).isNull();
    }
}
