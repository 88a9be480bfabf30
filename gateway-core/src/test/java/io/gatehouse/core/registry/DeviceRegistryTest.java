package io.gatehouse.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.feedback.FeedbackJson;
import io.gatehouse.core.feedback.FeedbackRecord;
import io.gatehouse.core.feedback.AckMode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.feedback.FeedbackStatus;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.queue.C2dRequest;
import io.gatehouse.core.queue.Delivery;
import io.gatehouse.core.queue.Receiver;
import io.gatehouse.core.session.C2dDeliveryMode;
import io.gatehouse.core.session.DeviceConnections;
import io.gatehouse.core.session.DeviceSession;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.memory.InMemoryStore;
import io.gatehouse.core.testing.ManualCore;
import io.gatehouse.core.testing.ManualStore;
import io.gatehouse.core.testing.RecordingSink;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The device registry (docs/protocols.md#sas-tokens, docs/protocols.md#amqp-10, docs/protocols.md#registry-rest) and what its changes do to queues, connections and sessions. */
class DeviceRegistryTest {

    private static final DeviceId D1 = DeviceId.of("d1");
    private static final HubSettings SETTINGS = HubSettings.defaults()
            .with(HubSettings.FEEDBACK_BATCH_WINDOW.property(), "PT0S");

    private final ManualStore store = new ManualStore(SETTINGS.eventPartitions());
    private ManualCore hub = new ManualCore(SETTINGS, store);
    private DeviceRegistry registry = hub.core.registry();

    @AfterEach
    void tearDown() {
        hub.close();
    }

    private GatewayException failure(CompletableFuture<?> future) {
        hub.run();
        assertThat(future).isCompletedExceptionally();
        try {
            future.join();
            throw new AssertionError("expected a failure");
        } catch (CompletionException e) {
            return GatewayException.unwrap(e);
        }
    }

    /** A connection as an adapter registers it; records why it was closed. */
    private static final class FakeConnection implements DeviceConnections.Connection {
        final List<String> closedBecause = new ArrayList<>();

        @Override
        public String protocol() {
            return "test";
        }

        @Override
        public void close(String reason) {
            closedBecause.add(reason);
        }
    }

    private List<FeedbackRecord> drainFeedback() {
        RecordingSink sink = new RecordingSink();
        Receiver r = hub.core.feedback().openReceiver(sink);
        r.addCredit(1000);
        hub.run();
        List<FeedbackRecord> records = new ArrayList<>();
        for (Delivery d : sink.drain()) {
            records.addAll(FeedbackJson.decode(d.message().body()));
            hub.await(r.complete(d.lockToken()));
        }
        r.close();
        hub.run();
        return records;
    }

    // ------------------------------------------------------------ create / get / list

    /** Records what the registry's listeners are told. */
    private static final class Told implements RegistryListener {
        final List<String> events = new ArrayList<>();

        @Override
        public void deviceDeleted(Device device) {
            events.add("deleted " + device.generationId());
        }

        @Override
        public void deviceUpdated(Device before, Device after) {
            events.add("updated " + before.version() + "->" + after.version());
        }
    }

    @Test
    void changesMadeByAnotherNodeAreAppliedOnceAndInOrderOfVersion() {
        Told told = new Told();
        registry.addListener(told);
        Device v1 = new Device(D1, "gen-1", "\"1\"", DeviceStatus.ENABLED, null, Instant.EPOCH, SymmetricKeys.generate(), 1);
        Device v2 = new Device(D1, "gen-1", "\"2\"", DeviceStatus.DISABLED, "stolen", Instant.EPOCH, v1.keys(), 2);

        registry.changedElsewhere(D1, DeviceCodec.encode(v1));
        assertThat(registry.get(D1)).contains(v1);
        assertThat(told.events).as("a new device concerns no listener").isEmpty();

        registry.changedElsewhere(D1, DeviceCodec.encode(v2));
        registry.changedElsewhere(D1, DeviceCodec.encode(v1)); // late, or heard twice
        registry.changedElsewhere(D1, DeviceCodec.encode(v2));
        assertThat(registry.get(D1)).contains(v2);
        assertThat(told.events).containsExactly("updated 1->2");

        Device recreated = new Device(D1, "gen-2", "\"1\"", DeviceStatus.ENABLED, null, Instant.EPOCH, v1.keys(), 1);
        registry.changedElsewhere(D1, DeviceCodec.encode(recreated));
        assertThat(registry.get(D1)).contains(recreated);
        assertThat(told.events).as("the old identity went").containsExactly("updated 1->2", "deleted gen-1");

        registry.changedElsewhere(D1, null);
        registry.changedElsewhere(D1, null);
        assertThat(registry.get(D1)).isEmpty();
        assertThat(told.events).containsExactly("updated 1->2", "deleted gen-1", "deleted gen-2");
    }

    @Test
    void createGeneratesKeysAndAFreshGenerationId() {
        Device d = hub.await(registry.create(D1));
        assertThat(d.id()).isEqualTo(D1);
        assertThat(d.status()).isEqualTo(DeviceStatus.ENABLED);
        assertThat(d.statusUpdatedTime()).isEqualTo(hub.clock.now());
        assertThat(d.generationId()).matches("[1-9][0-9]{17}");
        assertThat(d.etag()).isNotBlank();
        assertThat(Base64.getDecoder().decode(d.keys().primaryKey())).hasSize(32);
        assertThat(Base64.getDecoder().decode(d.keys().secondaryKey())).hasSize(32);
        assertThat(d.keys().primaryKey()).isNotEqualTo(d.keys().secondaryKey());
        assertThat(registry.get(D1)).contains(d);

        Device other = hub.createDevice("d2");
        assertThat(other.keys().primaryKey()).isNotEqualTo(d.keys().primaryKey());
        assertThat(other.generationId()).isNotEqualTo(d.generationId());
    }

    @Test
    void devicesAtOneVersionShareOneEtagStringAlsoWhenReadBackFromTheStore() {
        Device a = hub.await(registry.create(D1));
        Device b = hub.await(registry.create(DeviceId.of("another")));
        assertThat(a.etag()).isEqualTo(DeviceRegistry.etagOf(1)).isSameAs(b.etag());
        assertThat(DeviceCodec.decode(DeviceCodec.encode(a)).etag()).isSameAs(a.etag());

        Device later = new Device(D1, a.generationId(), DeviceRegistry.etagOf(1_000), a.status(), null,
                a.statusUpdatedTime(), a.keys(), 1_000);
        assertThat(DeviceCodec.decode(DeviceCodec.encode(later))).isEqualTo(later);
        Device foreign = new Device(D1, "gen-1", "\"1\"", a.status(), null, a.statusUpdatedTime(), a.keys(), 1);
        assertThat(DeviceCodec.decode(DeviceCodec.encode(foreign)).etag()).as("an etag of another form is kept")
                .isEqualTo("\"1\"");
    }

    @Test
    void createWithGivenKeysAndStatus() {
        SymmetricKeys keys = new SymmetricKeys(SymmetricKeys.randomKey(), SymmetricKeys.randomKey());
        Device d = hub.await(registry.create(D1, DeviceStatus.DISABLED, "maintenance", keys));
        assertThat(d.keys()).isEqualTo(keys);
        assertThat(d.isEnabled()).isFalse();
        assertThat(d.statusReason()).isEqualTo("maintenance");
    }

    @Test
    void keysMustBeBase64Of16To64Bytes() {
        String k16 = Base64.getEncoder().encodeToString(new byte[16]);
        String k64 = Base64.getEncoder().encodeToString(new byte[64]);
        assertThat(new SymmetricKeys(k16, k64).primaryKey()).isEqualTo(k16);
        for (String bad : new String[] {null, "", "not base64!", Base64.getEncoder().encodeToString(new byte[15]),
                Base64.getEncoder().encodeToString(new byte[65])}) {
            assertThatThrownBy(() -> new SymmetricKeys(bad, k16)).as(String.valueOf(bad))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("primaryKey");
            assertThatThrownBy(() -> new SymmetricKeys(k16, bad)).hasMessageContaining("secondaryKey");
        }
    }

    @Test
    void creatingAnExistingIdIsRefused() {
        Device first = hub.createDevice("d1");
        assertThat(failure(registry.create(D1)).code()).isEqualTo(ErrorCode.DEVICE_ALREADY_EXISTS);
        assertThat(registry.get(D1)).contains(first);
    }

    @Test
    void aRecreatedDeviceHasANewGenerationId() {
        Device first = hub.createDevice("d1");
        hub.await(registry.delete(D1, "*"));
        Device second = hub.createDevice("d1");
        assertThat(second.generationId()).isNotEqualTo(first.generationId());
        assertThat(second.keys()).isNotEqualTo(first.keys());
    }

    @Test
    void getUnknownIsEmptyAndListIsOrderedById() {
        assertThat(registry.get(DeviceId.of("nobody"))).isEmpty();
        for (String id : List.of("b", "a", "C", "a1")) {
            hub.createDevice(id);
        }
        assertThat(registry.list()).extracting(d -> d.id().value()).containsExactly("C", "a", "a1", "b");
        assertThat(registry.size()).isEqualTo(4);
    }

    // ------------------------------------------------------------ update and etags

    @Test
    void updateChecksTheEtagQuotedOrNot() {
        Device v1 = hub.createDevice("d1");
        Device v2 = hub.await(registry.update(D1, v1.etag(), DeviceUpdate.status(DeviceStatus.DISABLED)));
        assertThat(v2.etag()).isNotEqualTo(v1.etag());
        assertThat(v2.status()).isEqualTo(DeviceStatus.DISABLED);
        assertThat(v2.generationId()).isEqualTo(v1.generationId());

        Device v3 = hub.await(registry.update(D1, "\"" + v2.etag() + "\"", DeviceUpdate.status(DeviceStatus.ENABLED)));
        assertThat(v3.isEnabled()).isTrue();
        Device v4 = hub.await(registry.update(D1, "*", DeviceUpdate.keys(SymmetricKeys.generate())));
        assertThat(v4.keys()).isNotEqualTo(v3.keys());
        Device v5 = hub.await(registry.update(D1, null, new DeviceUpdate(null, "why", null)));
        assertThat(v5.statusReason()).isEqualTo("why");

        for (String stale : List.of(v1.etag(), "\"" + v1.etag() + "\"", "", "\"\"", "W/\"" + v5.etag() + "\"")) {
            assertThat(failure(registry.update(D1, stale, DeviceUpdate.status(DeviceStatus.DISABLED))).code())
                    .as(stale).isEqualTo(ErrorCode.PRECONDITION_FAILED);
        }
        assertThat(registry.get(D1)).contains(v5);
        assertThat(failure(registry.update(DeviceId.of("nobody"), "*", DeviceUpdate.status(DeviceStatus.DISABLED))).code())
                .isEqualTo(ErrorCode.DEVICE_NOT_FOUND);
    }

    @Test
    void statusUpdatedTimeMovesOnlyWhenTheStatusChanges() {
        Device v1 = hub.createDevice("d1");
        hub.advance(Duration.ofMinutes(5));
        Device keysChanged = hub.await(registry.update(D1, "*", DeviceUpdate.keys(SymmetricKeys.generate())));
        assertThat(keysChanged.statusUpdatedTime()).isEqualTo(v1.statusUpdatedTime());
        Device disabled = hub.await(registry.update(D1, "*", DeviceUpdate.status(DeviceStatus.DISABLED)));
        assertThat(disabled.statusUpdatedTime()).isEqualTo(hub.clock.now());
    }

    // ------------------------------------------------------------ delete

    @Test
    void deleteChecksTheEtag() {
        Device d = hub.createDevice("d1");
        assertThat(failure(registry.delete(D1, "\"stale\"")).code()).isEqualTo(ErrorCode.PRECONDITION_FAILED);
        assertThat(registry.get(D1)).isPresent();
        assertThat(hub.await(registry.delete(D1, "\"" + d.etag() + "\""))).isEqualTo(d);
        assertThat(registry.get(D1)).isEmpty();
        assertThat(failure(registry.delete(D1, "*")).code()).isEqualTo(ErrorCode.DEVICE_NOT_FOUND);
    }

    @Test
    void deletePurgesTheQueueClosesTheConnectionAndRemovesTheSession() {
        Device d = hub.createDevice("d1");
        hub.createDevice("d2");
        hub.await(hub.core.c2d().send(D1, new C2dRequest(MessageProperties.builder().messageId("m1").build(),
                AckMode.FULL, null, new byte[1])));
        hub.await(hub.core.c2d().send(DeviceId.of("d2"), C2dRequest.of("other", new byte[1])));
        RecordingSink sink = new RecordingSink();
        Receiver receiver = hub.core.c2d().openReceiver(D1, sink);
        receiver.addCredit(1);
        hub.run();
        Delivery locked = sink.poll();
        FakeConnection connection = new FakeConnection();
        hub.core.connections().register(D1, connection);
        hub.await(hub.core.sessions().put(D1, new DeviceSession(C2dDeliveryMode.AT_LEAST_ONCE)));
        assertThat(hub.core.connections().isConnected(D1)).isTrue();

        hub.await(registry.delete(D1, d.etag()));
        hub.run();

        assertThat(connection.closedBecause).singleElement().asString().contains("deleted");
        assertThat(hub.core.connections().isConnected(D1)).isFalse();
        assertThat(hub.core.connections().connectedCount()).isZero();
        assertThat(hub.core.sessions().get(D1)).isEmpty();
        assertThat(store.durable().state().snapshot()).doesNotContainKey(StateKey.of(RecordKind.SESSION, "d1"));
        assertThat(hub.core.c2d().depth(D1)).isZero();
        assertThat(sink.pollLost()).isEqualTo(locked.lockToken());
        assertThat(store.durable().state().snapshot().keySet())
                .noneMatch(k -> k.kind() == RecordKind.C2D_MESSAGE && k.owner().equals("d1"))
                .noneMatch(k -> k.kind() == RecordKind.C2D_DELIVERY_COUNT && k.owner().equals("d1"));
        assertThat(drainFeedback()).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(FeedbackStatus.PURGED);
            assertThat(r.deviceGenerationId()).isEqualTo(d.generationId());
        });
        // another device's queue is untouched
        assertThat(hub.core.c2d().depth(DeviceId.of("d2"))).isEqualTo(1);
        // a send to the deleted device is refused
        assertThat(failure(hub.core.c2d().send(D1, C2dRequest.of("late", new byte[1]))).code())
                .isEqualTo(ErrorCode.DEVICE_NOT_FOUND);
    }

    @Test
    void disableClosesTheConnectionAndEnableDoesNot() {
        hub.createDevice("d1");
        FakeConnection first = new FakeConnection();
        hub.core.connections().register(D1, first);
        hub.await(registry.update(D1, "*", DeviceUpdate.keys(SymmetricKeys.generate())));
        assertThat(first.closedBecause).isEmpty();

        hub.await(registry.update(D1, "*", DeviceUpdate.status(DeviceStatus.DISABLED)));
        assertThat(first.closedBecause).singleElement().asString().contains("disabled");
        assertThat(hub.core.connections().isConnected(D1)).isFalse();

        hub.await(registry.update(D1, "*", DeviceUpdate.status(DeviceStatus.ENABLED)));
        FakeConnection second = new FakeConnection();
        hub.core.connections().register(D1, second);
        hub.await(registry.update(D1, "*", DeviceUpdate.status(DeviceStatus.ENABLED)));
        assertThat(second.closedBecause).isEmpty();
        assertThat(hub.core.connections().isConnected(D1)).isTrue();
    }

    @Test
    void aNewConnectionTakesOverTheOldOne() {
        hub.createDevice("d1");
        FakeConnection first = new FakeConnection();
        DeviceConnections.Registration r1 = hub.core.connections().register(D1, first);
        FakeConnection second = new FakeConnection();
        DeviceConnections.Registration r2 = hub.core.connections().register(D1, second);
        assertThat(first.closedBecause).singleElement().asString().contains("taken over");
        assertThat(r1.isCurrent()).isFalse();
        assertThat(r2.isCurrent()).isTrue();
        r1.close();
        assertThat(hub.core.connections().isConnected(D1)).isTrue();
        assertThat(hub.core.connections().connectedCount()).isEqualTo(1);
        hub.advance(Duration.ofSeconds(30));
        r2.touch();
        assertThat(hub.core.connections().state(D1).lastActivityTime()).isEqualTo(hub.clock.now());
        r2.close();
        assertThat(hub.core.connections().state(D1).connected()).isFalse();
        assertThat(hub.core.connections().connectedCount()).isZero();
    }

    @Test
    void devicesSurviveARestart() {
        Device d = hub.createDevice("d1");
        Device updated = hub.await(registry.update(D1, "*", DeviceUpdate.status(DeviceStatus.DISABLED)));
        hub.createDevice("gone");
        hub.await(registry.delete(DeviceId.of("gone"), "*"));

        hub = hub.restart(new ManualStore((InMemoryStore) store.durable()));
        registry = hub.core.registry();
        assertThat(registry.list()).containsExactly(updated);
        assertThat(registry.get(D1).orElseThrow().generationId()).isEqualTo(d.generationId());
    }

    /**
     * A device deleted and created again before the deletion is durable: the new device's messages and
     * receivers belong to the new device, and nothing of the old one's clean-up touches them.
     */
    @Test
    void aDeviceRecreatedWhileItsDeletionIsInFlightKeepsItsNewMessages() {
        Device old = hub.createDevice("d1");
        hub.await(hub.core.c2d().send(D1, new C2dRequest(MessageProperties.builder().messageId("old").build(),
                AckMode.FULL, null, new byte[1])));

        store.hold();
        CompletableFuture<Device> deleted = registry.delete(D1, "*");
        CompletableFuture<Device> created = registry.create(D1);
        hub.run();
        RecordingSink sink = new RecordingSink();
        Receiver receiver = hub.core.c2d().openReceiver(D1, sink);
        receiver.addCredit(5);
        CompletableFuture<String> sent = hub.core.c2d().send(D1, new C2dRequest(
                MessageProperties.builder().messageId("new").build(), AckMode.FULL, null, new byte[1]));
        hub.run();
        store.release();
        hub.run();

        assertThat(deleted).isCompleted();
        Device recreated = created.join();
        assertThat(sent.join()).isEqualTo("new");
        assertThat(sink.drain()).extracting(d -> d.message().messageId()).containsExactly("new");
        assertThat(hub.core.c2d().depth(D1)).isEqualTo(1);
        assertThat(store.durable().state().snapshot().keySet()
                .stream().filter(k -> k.kind() == RecordKind.C2D_MESSAGE && k.owner().equals("d1"))).hasSize(1);
        assertThat(drainFeedback()).singleElement().satisfies(r -> {
            assertThat(r.originalMessageId()).isEqualTo("old");
            assertThat(r.status()).isEqualTo(FeedbackStatus.PURGED);
            assertThat(r.deviceGenerationId()).isEqualTo(old.generationId());
        });
        assertThat(recreated.generationId()).isNotEqualTo(old.generationId());
    }
}
