package io.gatehouse.core.twin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * One properties section of a twin (desired or reported): its values, its {@code $metadata} tree and its
 * {@code $version}. Immutable: every change returns a new section, so a twin read on one thread is never seen
 * half-changed.
 */
public final class TwinSection {

    private final ObjectNode values;
    private final ObjectNode metadata;
    private final long version;

    TwinSection(ObjectNode values, ObjectNode metadata, long version) {
        this.values = Objects.requireNonNull(values, "values");
        this.metadata = Objects.requireNonNull(metadata, "metadata");
        this.version = version;
    }

    static TwinSection empty(String createdAt, boolean withVersions) {
        ObjectNode metadata = new JsonMerge.Stamp(createdAt, 1, withVersions).fresh();
        return new TwinSection(JsonNodeFactory.instance.objectNode(), metadata, 1);
    }

    /** The section after a merge patch, one version later. */
    TwinSection merged(JsonNode patch, String now, boolean withVersions) {
        ObjectNode newValues = values.deepCopy();
        ObjectNode newMetadata = metadata.deepCopy();
        JsonMerge.Stamp stamp = new JsonMerge.Stamp(now, version + 1, withVersions);
        stamp.applyTo(newMetadata);
        JsonMerge.merge(newValues, newMetadata, patch, stamp);
        return new TwinSection(newValues, newMetadata, version + 1);
    }

    /** The section with its values replaced wholesale, one version later. */
    TwinSection replaced(JsonNode content, String now, boolean withVersions) {
        JsonMerge.Stamp stamp = new JsonMerge.Stamp(now, version + 1, withVersions);
        return new TwinSection((ObjectNode) JsonMerge.withoutNulls(content), JsonMerge.metadataFor(content, stamp), version + 1);
    }

    /** The values, a copy the caller may change. */
    public ObjectNode values() {
        return values.deepCopy();
    }

    /** A value by path (keys), or null. */
    public JsonNode at(String... path) {
        JsonNode node = values;
        for (String key : path) {
            node = node == null ? null : node.get(key);
        }
        return node;
    }

    public long version() {
        return version;
    }

    /** The section as IoT Hub shows it: values, then {@code $metadata} (when asked) and {@code $version}. */
    public ObjectNode toJson(boolean withMetadata) {
        ObjectNode node = values.deepCopy();
        if (withMetadata) {
            node.set("$metadata", metadata.deepCopy());
        }
        node.put("$version", version);
        return node;
    }

    ObjectNode rawValues() {
        return values;
    }

    ObjectNode rawMetadata() {
        return metadata;
    }
}
