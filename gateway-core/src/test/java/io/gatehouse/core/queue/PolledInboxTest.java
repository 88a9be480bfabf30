package io.gatehouse.core.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.testing.ManualCore;
import io.gatehouse.core.testing.ManualStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One device's inbox against a core whose store writes complete when the test says so. */
class PolledInboxTest {

    private static final DeviceId D1 = DeviceId.of("d1");

    private ManualStore store;
    private ManualCore hub;
    private final AtomicInteger retired = new AtomicInteger();
    private PolledInbox inbox;

    @BeforeEach
    void setUp() {
        store = new ManualStore(HubSettings.defaults().eventPartitions());
        hub = new ManualCore(HubSettings.defaults(), store);
        hub.createDevice("d1");
        inbox = PolledInbox.ofDevice(D1, hub.core.c2d(), gone -> retired.incrementAndGet(), Duration.ofMillis(100));
    }

    @AfterEach
    void tearDown() {
        hub.close();
    }

    private void send(String id) {
        hub.await(hub.core.c2d().send(D1, new C2dRequest(MessageProperties.builder().messageId(id).build(), AckMode.NONE, null,
                id.getBytes(StandardCharsets.UTF_8))));
    }

    private Optional<Delivery> take() throws Exception {
        CompletableFuture<Optional<Delivery>> taken = inbox.take();
        hub.run();
        return taken.get(5, TimeUnit.SECONDS);
    }

    @Test
    void anEmptyPollRetiresTheInboxAndItsReceiver() throws Exception {
        assertThat(take()).isEmpty();
        assertThat(inbox.isOpen()).isFalse();
        assertThat(retired.get()).isEqualTo(1);
        assertThat(inbox.take().get(5, TimeUnit.SECONDS)).as("a retired inbox sends the caller to a new one").isNull();
        hub.run();
        assertThat(hub.await(hub.core.c2d().stats(D1)).receivers()).isZero();
    }

    @Test
    void theInboxHoldsItsReceiverUntilTheLastLockIsSettled() throws Exception {
        send("m1");
        Delivery delivery = take().orElseThrow();
        assertThat(inbox.isOpen()).isTrue();
        CompletableFuture<Void> completed = inbox.settle(delivery.lockToken(), PolledInboxes.Settlement.COMPLETE);
        hub.run();
        completed.get(5, TimeUnit.SECONDS);
        assertThat(inbox.isOpen()).isFalse();
        assertThat(retired.get()).isEqualTo(1);
        hub.run();
        assertThat(hub.await(hub.core.c2d().stats(D1))).satisfies(s -> {
            assertThat(s.receivers()).isZero();
            assertThat(s.depth()).isZero();
        });
    }

    @Test
    void aPollThatGivesUpOnASlowStoreLeavesTheMessageUncountedForTheNextPoll() throws Exception {
        send("m1");
        store.hold(); // the delivery count write waits: the poll's message is locked but not yet announced
        CompletableFuture<Optional<Delivery>> first = inbox.take();
        hub.run();
        assertThatThrownBy(() -> first.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.SERVER_BUSY));
        // nothing is held: the inbox retired and its receiver's unannounced lock went back to the queue
        assertThat(inbox.isOpen()).isFalse();
        store.release();
        hub.run();

        PolledInbox next = PolledInbox.ofDevice(D1, hub.core.c2d(), gone -> retired.incrementAndGet(), Duration.ofMillis(100));
        CompletableFuture<Optional<Delivery>> second = next.take();
        hub.run();
        Delivery delivery = second.get(5, TimeUnit.SECONDS).orElseThrow();
        assertThat(delivery.message().messageId()).isEqualTo("m1");
        assertThat(delivery.deliveryCount()).as("the abandoned attempt was never seen: not counted").isEqualTo(1);
        CompletableFuture<Void> completed = next.settle(delivery.lockToken(), PolledInboxes.Settlement.COMPLETE);
        hub.run();
        completed.get(5, TimeUnit.SECONDS);
        assertThat(next.isOpen()).isFalse();
    }
}
