package io.gatehouse.core.twin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.testing.ManualCore;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Twin patches against a reference model: plain maps merged by RFC 7386's rules, and counters for the versions.
 * After every step the twin's sections equal the model, the versions count the changes, the metadata tree mirrors
 * the values, and a restart gives the same twin.
 */
class TwinPatchModelTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DeviceId D1 = DeviceId.of("d1");

    record Step(boolean reported, Map<String, Object> patch) {
    }

    @Property(tries = 200)
    void patchesMergeLikeTheModel(@ForAll("steps") List<Step> steps) {
        ManualCore manual = new ManualCore();
        try {
            manual.createDevice("d1");
            Map<String, Object> desired = new TreeMap<>();
            Map<String, Object> reported = new TreeMap<>();
            long desiredVersion = 1;
            long reportedVersion = 1;
            for (Step step : steps) {
                JsonNode patch = JSON.valueToTree(step.patch());
                if (step.reported()) {
                    manual.await(manual.core.twins().patchReported(D1, patch));
                    merge(reported, step.patch());
                    reportedVersion++;
                } else {
                    manual.await(manual.core.twins().patch(D1, null, null, patch));
                    merge(desired, step.patch());
                    desiredVersion++;
                }
                Twin twin = manual.core.twins().get(D1).orElseThrow();
                assertThat(twin.desired().values()).isEqualTo(JSON.valueToTree(desired));
                assertThat(twin.reported().values()).isEqualTo(JSON.valueToTree(reported));
                assertThat(twin.desired().version()).isEqualTo(desiredVersion);
                assertThat(twin.reported().version()).isEqualTo(reportedVersion);
                assertThat(twin.version()).isEqualTo(desiredVersion + reportedVersion - 1);
                assertMetadataMirrors(twin.desired().rawValues(), twin.desired().rawMetadata(), desiredVersion);
            }
            ManualCore restarted = manual.restart();
            manual = restarted;
            Twin twin = manual.core.twins().get(D1).orElseThrow();
            assertThat(twin.desired().values()).isEqualTo(JSON.valueToTree(desired));
            assertThat(twin.reported().values()).isEqualTo(JSON.valueToTree(reported));
            assertThat(twin.version()).isEqualTo(desiredVersion + reportedVersion - 1);
        } finally {
            manual.close();
        }
    }

    /** Every value has metadata, no metadata outlives its value, and no stamp is newer than the section. */
    private static void assertMetadataMirrors(ObjectNode values, ObjectNode metadata, long sectionVersion) {
        assertThat(metadata.get("$lastUpdatedVersion").asLong()).isLessThanOrEqualTo(sectionVersion);
        Iterator<String> keys = metadata.fieldNames();
        while (keys.hasNext()) {
            String key = keys.next();
            if (!key.startsWith("$")) {
                assertThat(values.has(key)).as("metadata of removed key %s", key).isTrue();
            }
        }
        values.fields().forEachRemaining(f -> {
            assertThat(metadata.get(f.getKey())).as("metadata of %s", f.getKey()).isInstanceOf(ObjectNode.class);
            if (f.getValue() instanceof ObjectNode child) {
                assertMetadataMirrors(child, (ObjectNode) metadata.get(f.getKey()), sectionVersion);
            }
        });
    }

    /** RFC 7386 on maps: null removes, a map merges into a map, anything else replaces. */
    @SuppressWarnings("unchecked")
    static void merge(Map<String, Object> target, Map<String, Object> patch) {
        patch.forEach((key, value) -> {
            if (value == null) {
                target.remove(key);
            } else if (value instanceof Map<?, ?> m && target.get(key) instanceof Map<?, ?> existing) {
                merge((Map<String, Object>) existing, (Map<String, Object>) m);
            } else if (value instanceof Map<?, ?> m) {
                Map<String, Object> fresh = new TreeMap<>();
                merge(fresh, (Map<String, Object>) m);
                target.put(key, fresh);
            } else {
                target.put(key, value);
            }
        });
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        return Combinators.combine(Arbitraries.of(true, false), patch(3)).as(Step::new).list().ofMinSize(1).ofMaxSize(12);
    }

    private Arbitrary<Map<String, Object>> patch(int depth) {
        Arbitrary<Object> leaf = Arbitraries.oneOf(Arbitraries.integers().between(0, 9).map(i -> (Object) i),
                Arbitraries.just(null), Arbitraries.strings().alpha().ofMaxLength(3).map(s -> (Object) s));
        Arbitrary<Object> value = depth == 0 ? leaf
                : Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, leaf), net.jqwik.api.Tuple.of(1, patch(depth - 1).map(m -> (Object) m)));
        return Arbitraries.maps(Arbitraries.of("a", "b", "c", "d"), value).ofMaxSize(3).map(TreeMap::new);
    }
}
