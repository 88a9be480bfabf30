package io.gatehouse.core.twin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON merge patch (RFC 7386) over twin sections, keeping IoT Hub's per-leaf metadata in step: every key a
 * patch sets gets {@code $lastUpdated} (and, where asked, {@code $lastUpdatedVersion}); a {@code null} removes the
 * key with its metadata; an object merges into an object and replaces anything else.
 */
final class JsonMerge {

    static final String LAST_UPDATED = "$lastUpdated";
    static final String LAST_UPDATED_VERSION = "$lastUpdatedVersion";

    private JsonMerge() {
    }

    /** What the metadata of a changed key records. */
    record Stamp(String time, long version, boolean withVersion) {
        ObjectNode fresh() {
            ObjectNode node = JsonNodeFactory.instance.objectNode();
            node.put(LAST_UPDATED, time);
            if (withVersion) {
                node.put(LAST_UPDATED_VERSION, version);
            }
            return node;
        }

        void applyTo(ObjectNode metadata) {
            metadata.put(LAST_UPDATED, time);
            if (withVersion) {
                metadata.put(LAST_UPDATED_VERSION, version);
            }
        }
    }

    /** Merges {@code patch} into {@code target} (both mutable copies); {@code metadata} may be null (tags). */
    static void merge(ObjectNode target, ObjectNode metadata, JsonNode patch, Stamp stamp) {
        Iterator<Map.Entry<String, JsonNode>> fields = patch.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String key = field.getKey();
            JsonNode value = field.getValue();
            if (value.isNull()) {
                target.remove(key);
                if (metadata != null) {
                    metadata.remove(key);
                }
            } else if (value.isObject() && target.get(key) instanceof ObjectNode existing) {
                ObjectNode childMetadata = null;
                if (metadata != null) {
                    childMetadata = metadata.get(key) instanceof ObjectNode m ? m : metadata.putObject(key);
                    stamp.applyTo(childMetadata);
                }
                merge(existing, childMetadata, value, stamp);
            } else {
                target.set(key, withoutNulls(value));
                if (metadata != null) {
                    metadata.set(key, metadataFor(value, stamp));
                }
            }
        }
    }

    /** A value as stored: objects lose their null members (a patch's null only means "remove"). */
    static JsonNode withoutNulls(JsonNode value) {
        if (!value.isObject()) {
            return value.deepCopy();
        }
        ObjectNode copy = JsonNodeFactory.instance.objectNode();
        value.fields().forEachRemaining(f -> {
            if (!f.getValue().isNull()) {
                copy.set(f.getKey(), withoutNulls(f.getValue()));
            }
        });
        return copy;
    }

    /** Fresh metadata for a value set at once: the key's stamp and, for objects, one per nested key. */
    static ObjectNode metadataFor(JsonNode value, Stamp stamp) {
        ObjectNode node = stamp.fresh();
        if (value.isObject()) {
            value.fields().forEachRemaining(f -> {
                if (!f.getValue().isNull()) {
                    node.set(f.getKey(), metadataFor(f.getValue(), stamp));
                }
            });
        }
        return node;
    }

    /**
     * The merge patch that turns {@code from} into {@code to}: removed keys as {@code null}, changed values as the
     * new value, objects present in both as the patch of their members. Applying it with {@link #merge} to
     * {@code from} gives {@code to}.
     */
    static ObjectNode diff(JsonNode from, JsonNode to) {
        ObjectNode patch = JsonNodeFactory.instance.objectNode();
        from.fieldNames().forEachRemaining(key -> {
            if (!to.has(key)) {
                patch.putNull(key);
            }
        });
        to.fields().forEachRemaining(f -> {
            JsonNode before = from.get(f.getKey());
            JsonNode after = f.getValue();
            if (before != null && before.isObject() && after.isObject()) {
                ObjectNode inner = diff(before, after);
                if (!inner.isEmpty()) {
                    patch.set(f.getKey(), inner);
                }
            } else if (!after.equals(before)) {
                patch.set(f.getKey(), after.deepCopy());
            }
        });
        return patch;
    }
}
