package io.gatehouse.core.twin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.store.RecordKind;
import io.gatehouse.core.store.StateKey;
import io.gatehouse.core.store.memory.InMemoryStore;
import io.gatehouse.core.testing.ManualCore;
import io.gatehouse.core.testing.ManualStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeviceTwinsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DeviceId D1 = DeviceId.of("d1");

    private ManualCore manual = new ManualCore();

    @AfterEach
    void close() {
        manual.close();
    }

    private DeviceTwins twins() {
        return manual.core.twins();
    }

    static ObjectNode json(String text) {
        try {
            return (ObjectNode) JSON.readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void aNewDeviceHasAFreshTwinAndAMissingDeviceHasNone() {
        manual.createDevice("d1");
        Twin twin = twins().get(D1).orElseThrow();
        assertThat(twin.version()).isEqualTo(1);
        assertThat(twin.desired().version()).isEqualTo(1);
        assertThat(twin.reported().version()).isEqualTo(1);
        assertThat(twin.tags().isEmpty()).isTrue();
        assertThat(twins().get(DeviceId.of("nobody"))).isEmpty();
        assertThatThrownBy(() -> manual.await(twins().patch(DeviceId.of("nobody"), null, null, json("{'a':1}"))))
                .hasCauseInstanceOf(GatewayException.class).hasMessageContaining("does not exist");
    }

    @Test
    void patchesMergeNullRemovesAndVersionsAndMetadataMove() {
        manual.createDevice("d1");
        manual.await(twins().patch(D1, null, json("{'site':'a'}"), json("{'fan':{'speed':1,'mode':'on'},'led':true}")));
        manual.clock.advance(Duration.ofSeconds(5));
        Twin twin = manual.await(twins().patch(D1, null, null, json("{'fan':{'speed':null,'extra':2},'led':null}")));
        assertThat(twin.desired().values()).isEqualTo(json("{'fan':{'mode':'on','extra':2}}"));
        assertThat(twin.tags()).isEqualTo(json("{'site':'a'}"));
        assertThat(twin.version()).isEqualTo(3);
        assertThat(twin.desired().version()).isEqualTo(3);
        ObjectNode shown = twin.desired().toJson(true);
        JsonNode metadata = shown.get("$metadata");
        assertThat(metadata.get("fan").get("extra").get("$lastUpdatedVersion").asLong()).isEqualTo(3);
        assertThat(metadata.get("fan").get("mode").get("$lastUpdatedVersion").asLong()).isEqualTo(2);
        assertThat(metadata.has("led")).isFalse();
        assertThat(metadata.get("$lastUpdated").asText()).isNotEqualTo(metadata.get("fan").get("mode").get("$lastUpdated").asText());
        assertThat(shown.get("$version").asLong()).isEqualTo(3);
    }

    @Test
    void reportedPatchesMoveTheReportedVersionOnly() {
        manual.createDevice("d1");
        Twin twin = manual.await(twins().patchReported(D1, json("{'temp':21.5,'$version':99}")));
        assertThat(twin.reported().version()).isEqualTo(2);
        assertThat(twin.desired().version()).isEqualTo(1);
        assertThat(twin.reported().values()).isEqualTo(json("{'temp':21.5}"));
        assertThat(TwinJson.device(twin).toString()).isEqualTo(json("{'desired':{'$version':1},'reported':{'temp':21.5,'$version':2}}").toString());
    }

    @Test
    void ifMatchRefusesAStaleEtag() {
        manual.createDevice("d1");
        String etag = twins().get(D1).orElseThrow().etag();
        manual.await(twins().patch(D1, "\"" + etag + "\"", null, json("{'a':1}")));
        CompletableFuture<Twin> stale = twins().patch(D1, etag, null, json("{'a':2}"));
        assertThat(stale).isCompletedExceptionally();
        assertThat(GatewayException.unwrap(failure(stale)).code()).isEqualTo(ErrorCode.PRECONDITION_FAILED);
        manual.await(twins().patch(D1, "*", null, json("{'a':3}")));
    }

    @Test
    void replaceSwapsTagsAndDesiredAndTellsDevicesTheDifference() {
        manual.createDevice("d1");
        manual.await(twins().patch(D1, null, json("{'x':1}"), json("{'a':{'b':1,'c':2},'d':3}")));
        List<DesiredPatch> seen = new ArrayList<>();
        twins().subscribeDesired(D1, seen::add);
        Twin twin = manual.await(twins().replace(D1, null, null, json("{'a':{'b':1},'e':4}")));
        assertThat(twin.tags().isEmpty()).isTrue();
        assertThat(twin.desired().values()).isEqualTo(json("{'a':{'b':1},'e':4}"));
        assertThat(seen).singleElement().satisfies(p -> {
            assertThat(p.version()).isEqualTo(3);
            assertThat(p.patch()).isEqualTo(json("{'a':{'c':null},'d':null,'e':4}"));
        });
    }

    @Test
    void limitsAreIotHubs() {
        manual.createDevice("d1");
        for (String bad : List.of("{'a.b':1}", "{'$x':1}", "{'a b':1}", "{'a\\u0001':1}", "{'':1}")) {
            assertThat(code(twins().patch(D1, null, null, json(bad)))).as(bad).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        }
        String deep = "{'a':".repeat(11) + "1" + "}".repeat(11);
        assertThat(code(twins().patch(D1, null, null, json(deep)))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        String tenDeep = "{'a':".repeat(10) + "1" + "}".repeat(10);
        manual.await(twins().patch(D1, null, null, json(tenDeep)));
        String big = "x".repeat(8 * 1024);
        assertThat(code(twins().patch(D1, null, json("{'t':'" + big + "'}"), null))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        manual.await(twins().patch(D1, null, null, json("{'t':'" + big + "'}")));
        for (int i = 0; i < 3; i++) {
            manual.await(twins().patchReported(D1, json("{'r" + i + "':'" + big + "'}")));
        }
        assertThat(code(twins().patchReported(D1, json("{'r9':'" + big + "'}")))).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(twins().get(D1).orElseThrow().reported().version()).isEqualTo(4);
    }

    @Test
    void desiredPatchesReachSubscribersInVersionOrderOnceEachAndOnlyWhenDurable() {
        ManualStore store = new ManualStore(4);
        manual.close();
        manual = new ManualCore(HubSettings.defaults(), store);
        manual.createDevice("d1");
        List<Long> first = new ArrayList<>();
        List<Long> second = new ArrayList<>();
        DesiredSubscription a = twins().subscribeDesired(D1, p -> first.add(p.version()));
        twins().subscribeDesired(D1, p -> second.add(p.version()));
        store.hold();
        CompletableFuture<Twin> p2 = twins().patch(D1, null, null, json("{'a':1}"));
        CompletableFuture<Twin> p3 = twins().patch(D1, null, null, json("{'a':2}"));
        twins().patch(D1, null, json("{'tag':1}"), null);
        manual.run();
        assertThat(p2).isNotDone();
        assertThat(first).isEmpty();
        store.completeWrites(1);
        manual.run();
        assertThat(p2).isCompleted();
        assertThat(p3).isNotDone();
        assertThat(first).containsExactly(2L);
        a.close();
        store.release();
        manual.run();
        assertThat(first).containsExactly(2L);
        assertThat(second).containsExactly(2L, 3L);
        // a new subscription starts from the twin it can read: nothing older is passed on
        List<Long> late = new ArrayList<>();
        twins().subscribeDesired(D1, p -> late.add(p.version()));
        manual.await(twins().patch(D1, null, null, json("{'a':3}")));
        assertThat(late).containsExactly(4L);
    }

    @Test
    void aRestartKeepsEveryTwinAndVersionsContinue() {
        manual.createDevice("d1");
        manual.createDevice("d2");
        manual.await(twins().patch(D1, null, json("{'t':1}"), json("{'a':1}")));
        manual.await(twins().patchReported(D1, json("{'r':1}")));
        manual = manual.restart();
        Twin twin = twins().get(D1).orElseThrow();
        assertThat(twin.version()).isEqualTo(3);
        assertThat(twin.tags()).isEqualTo(json("{'t':1}"));
        assertThat(twin.desired().values()).isEqualTo(json("{'a':1}"));
        assertThat(twin.reported().values()).isEqualTo(json("{'r':1}"));
        Twin next = manual.await(twins().patch(D1, null, null, json("{'a':2}")));
        assertThat(next.version()).isEqualTo(4);
        assertThat(next.desired().version()).isEqualTo(3);
        assertThat(twins().get(DeviceId.of("d2")).orElseThrow().version()).isEqualTo(1);
    }

    @Test
    void aTwinGoesWithItsDeviceAndARecreatedDeviceStartsFresh() {
        manual.createDevice("d1");
        manual.await(twins().patch(D1, null, null, json("{'a':1}")));
        manual.await(manual.core.registry().delete(D1, "*"));
        assertThat(twins().get(D1)).isEmpty();
        assertThat(((InMemoryStore) manual.store).state().snapshot()).doesNotContainKey(StateKey.of(RecordKind.TWIN, "d1"));
        Device again = manual.createDevice("d1");
        Twin twin = twins().get(D1).orElseThrow();
        assertThat(twin.generationId()).isEqualTo(again.generationId());
        assertThat(twin.version()).isEqualTo(1);
        assertThat(twin.desired().values().isEmpty()).isTrue();
    }

    @Test
    void aTwinLeftByACrashWithoutItsDeviceIsRemovedAtRecovery() {
        manual.createDevice("d1");
        manual.await(twins().patch(D1, null, null, json("{'a':1}")));
        InMemoryStore store = (InMemoryStore) manual.store;
        manual.await(store.state().write(io.gatehouse.core.store.WriteBatch.delete(StateKey.of(RecordKind.DEVICE, "d1"))));
        manual = manual.restart();
        assertThat(twins().get(D1)).isEmpty();
        assertThat(store.state().snapshot()).doesNotContainKey(StateKey.of(RecordKind.TWIN, "d1"));
    }

    private static Throwable failure(CompletableFuture<?> future) {
        try {
            future.join();
            throw new AssertionError("expected a failure");
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    private ErrorCode code(CompletableFuture<?> future) {
        manual.run();
        return GatewayException.unwrap(failure(future)).code();
    }
}
