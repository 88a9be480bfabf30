package io.gatehouse.core.ownership;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.methods.MethodCall;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.LockToken;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.PolledInboxes;
import io.gatehouse.core.queue.QueueMessage;
import io.gatehouse.core.session.DeviceConnections.ConnectionState;
import io.gatehouse.core.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Every call one node hands another, and every answer, reads back as it was written. */
class OwnerCallsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T = Instant.parse("2026-12-04T10:00:00.123Z");

    @Test
    void aSendReadsBackWithItsPropertiesAckExpiryAndBody() {
        MessageProperties properties = MessageProperties.builder().messageId("m1").correlationId("c1")
                .application(Map.of("k", "v ü")).build();
        C2dRequest sent = new C2dRequest(properties, AckMode.FULL, T, bytes("body"));
        OwnerCalls.Call.Send read = (OwnerCalls.Call.Send) OwnerCalls.read(OwnerCalls.send(sent));
        assertThat(read.request().properties()).isEqualTo(properties);
        assertThat(read.request().ack()).isEqualTo(AckMode.FULL);
        assertThat(read.request().expiry()).isEqualTo(T);
        assertThat(read.request().body()).isEqualTo(bytes("body"));
        C2dRequest withoutExpiry = new C2dRequest(properties, AckMode.NONE, null, bytes(""));
        assertThat(((OwnerCalls.Call.Send) OwnerCalls.read(OwnerCalls.send(withoutExpiry))).request().expiry()).isNull();
    }

    @Test
    void callsWithoutArgumentsAndMethodsAndModulePresenceReadBack() {
        assertThat(OwnerCalls.read(OwnerCalls.purge())).isEqualTo(new OwnerCalls.Call.Purge());
        assertThat(OwnerCalls.read(OwnerCalls.presence())).isEqualTo(new OwnerCalls.Call.Presence());
        assertThat(OwnerCalls.read(OwnerCalls.pollTake())).isEqualTo(new OwnerCalls.Call.PollTake());
        assertThat(OwnerCalls.read(OwnerCalls.twinCall(new OwnerCalls.Call.TwinRead())))
                .isEqualTo(new OwnerCalls.Call.TwinRead());
        OwnerCalls.Call module = OwnerCalls.read(OwnerCalls.modulePresence("sensor"));
        assertThat(module).isEqualTo(new OwnerCalls.Call.ModulePresence("sensor"));
        assertThat(module.needsOwner()).as("asked of every node").isFalse();
        assertThat(new OwnerCalls.Call.Presence().needsOwner()).isTrue();

        MethodCall call = new MethodCall("reboot", bytes("{\"delay\":1}"), Duration.ofSeconds(30), Duration.ofSeconds(5));
        OwnerCalls.Call.Method method = (OwnerCalls.Call.Method) OwnerCalls.read(OwnerCalls.method(call));
        assertThat(method.call().name()).isEqualTo("reboot");
        assertThat(method.call().payload()).isEqualTo(call.payload());
        assertThat(method.call().responseTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(method.call().connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void twinChangesKeepTheirEtagTagsAndDesiredPropertiesOrTheirAbsence() throws Exception {
        OwnerCalls.Call.TwinChange patch = new OwnerCalls.Call.TwinChange(false, "\"etag\"",
                JSON.readTree("{\"site\":\"north\"}"), JSON.readTree("{\"rate\":{\"every\":5},\"gone\":null}"));
        assertThat(OwnerCalls.read(OwnerCalls.twinCall(patch))).isEqualTo(patch);
        OwnerCalls.Call.TwinChange replace = new OwnerCalls.Call.TwinChange(true, null, null, JSON.readTree("{}"));
        assertThat(OwnerCalls.read(OwnerCalls.twinCall(replace))).isEqualTo(replace);
    }

    @Test
    void aPollSettlementAndWhatAPollTookReadBack() {
        LockToken token = LockToken.of(UUID.randomUUID());
        for (PolledInboxes.Settlement settlement : PolledInboxes.Settlement.values()) {
            OwnerCalls.Call.PollSettle settle = new OwnerCalls.Call.PollSettle(token, settlement);
            assertThat(OwnerCalls.read(OwnerCalls.pollSettle(settle))).isEqualTo(settle);
        }
        QueueMessage message = new QueueMessage(MessageProperties.builder().messageId("m7").build(), AckMode.POSITIVE,
                T, T.plusSeconds(3600), bytes("command"));
        Delivery taken = OwnerCalls.polled(OwnerCalls.polled(Optional.of(new Delivery(token, 3, message)))).orElseThrow();
        assertThat(taken.lockToken()).isEqualTo(token);
        assertThat(taken.deliveryCount()).isEqualTo(3);
        assertThat(taken.message().properties().messageId()).isEqualTo("m7");
        assertThat(taken.message().ack()).isEqualTo(AckMode.POSITIVE);
        assertThat(taken.message().enqueuedTime()).isEqualTo(T);
        assertThat(taken.message().expiryTime()).isEqualTo(T.plusSeconds(3600));
        assertThat(taken.message().body()).isEqualTo(bytes("command"));
        assertThat(OwnerCalls.polled(OwnerCalls.polled(Optional.empty()))).isEmpty();
    }

    @Test
    void aPresenceReadsBackWithItsTimesAndCount() {
        DevicePresence presence = new DevicePresence(new ConnectionState(true, T, T.plusMillis(5)), 42);
        assertThat(OwnerCalls.presence(OwnerCalls.presence(presence))).isEqualTo(presence);
    }

    @Test
    void answersCarryTheResultTheOwnersRefusalOrThatTheDeviceMoved() throws Exception {
        assertThat(OwnerCalls.resultOf(OwnerCalls.answered(bytes("r"))).get()).isEqualTo(bytes("r"));
        assertThat(OwnerCalls.resultIfAnswered(OwnerCalls.answered(bytes("r")))).contains(bytes("r"));

        byte[] refused = OwnerCalls.failed(new GatewayException(ErrorCode.PRECONDITION_FAILED, "etag differs"));
        assertThatThrownBy(() -> OwnerCalls.resultOf(refused).get()).isInstanceOf(ExecutionException.class).cause()
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.PRECONDITION_FAILED);
                    assertThat(e.getMessage()).isEqualTo("etag differs");
                });
        assertThat(OwnerCalls.resultIfAnswered(refused)).isEmpty();
        // anything else the owner failed with is busy to the caller, never a stack trace across nodes
        byte[] broken = OwnerCalls.failed(new IllegalStateException("bug"));
        assertThatThrownBy(() -> OwnerCalls.resultOf(broken).get()).cause()
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.SERVER_BUSY));

        assertThatThrownBy(() -> OwnerCalls.resultOf(OwnerCalls.moved()).get()).cause()
                .satisfies(e -> assertThat(StoreException.isNotOwner(e)).isTrue());
        assertThat(OwnerCalls.resultIfAnswered(OwnerCalls.moved())).isEmpty();
        // an owner whose store refused the call's write because the queue moved answers as one that let it go
        assertThat(OwnerCalls.failed(StoreException.notOwner("claimed by another node"))).isEqualTo(OwnerCalls.moved());
    }

    @Test
    void feedbackCallsPageAndCountCallsReadBackAndNeedNoOwner() {
        LockToken token = LockToken.of(UUID.randomUUID());
        for (PolledInboxes.Settlement settlement : PolledInboxes.Settlement.values()) {
            OwnerCalls.Call.FeedbackSettle settle = new OwnerCalls.Call.FeedbackSettle(token, settlement);
            assertThat(OwnerCalls.read(OwnerCalls.feedbackSettle(settle))).isEqualTo(settle);
        }
        List<DeviceId> page = List.of(DeviceId.of("d1"), DeviceId.of("d(2)"));
        List<OwnerCalls.Call> calls = List.of(OwnerCalls.read(OwnerCalls.feedbackTake()),
                OwnerCalls.read(OwnerCalls.presencesOf(page)), OwnerCalls.read(OwnerCalls.connectedHere()));
        assertThat(calls).containsExactly(new OwnerCalls.Call.FeedbackTake(), new OwnerCalls.Call.PresencesOf(page),
                new OwnerCalls.Call.ConnectedHere());
        assertThat(calls).noneMatch(OwnerCalls.Call::needsOwner);
        assertThat(OwnerCalls.count(OwnerCalls.count(20_000))).isEqualTo(20_000);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
