package io.gatehouse.core.twin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.core.model.DeviceId;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Objects;

/**
 * A device twin: tags, desired and reported properties, the twin's version (one more with every change) and the
 * device generation it belongs to (a device deleted and created again under the same id starts a fresh twin).
 * Immutable; {@link DeviceTwins} makes the changed twins.
 */
public final class Twin {

    private final DeviceId deviceId;
    private final String generationId;
    private final long version;
    private final ObjectNode tags;
    private final TwinSection desired;
    private final TwinSection reported;

    Twin(DeviceId deviceId, String generationId, long version, ObjectNode tags, TwinSection desired, TwinSection reported) {
        this.deviceId = Objects.requireNonNull(deviceId, "deviceId");
        this.generationId = Objects.requireNonNull(generationId, "generationId");
        this.version = version;
        this.tags = Objects.requireNonNull(tags, "tags");
        this.desired = Objects.requireNonNull(desired, "desired");
        this.reported = Objects.requireNonNull(reported, "reported");
    }

    /** The twin a new device has: no tags, empty sections, every version 1. */
    static Twin fresh(DeviceId deviceId, String generationId, String createdAt) {
        return new Twin(deviceId, generationId, 1, JsonNodeFactory.instance.objectNode(),
                TwinSection.empty(createdAt, true), TwinSection.empty(createdAt, false));
    }

    Twin withService(JsonNode tagsPatch, JsonNode desiredPatch, String now) {
        ObjectNode newTags = tags;
        if (tagsPatch != null) {
            newTags = tags.deepCopy();
            JsonMerge.merge(newTags, null, tagsPatch, null);
        }
        TwinSection newDesired = desiredPatch == null ? desired : desired.merged(desiredPatch, now, true);
        return new Twin(deviceId, generationId, version + 1, newTags, newDesired, reported);
    }

    Twin replacedByService(JsonNode newTags, JsonNode newDesired, String now) {
        return new Twin(deviceId, generationId, version + 1, (ObjectNode) JsonMerge.withoutNulls(newTags),
                desired.replaced(newDesired, now, true), reported);
    }

    Twin withReported(JsonNode reportedPatch, String now) {
        return new Twin(deviceId, generationId, version + 1, tags, desired, reported.merged(reportedPatch, now, false));
    }

    public DeviceId deviceId() {
        return deviceId;
    }

    public String generationId() {
        return generationId;
    }

    public long version() {
        return version;
    }

    /** Opaque, as IoT Hub's; changes with every change of the twin. */
    public String etag() {
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(Long.BYTES).putLong(version).array());
    }

    /** The tags, a copy the caller may change. */
    public ObjectNode tags() {
        return tags.deepCopy();
    }

    public TwinSection desired() {
        return desired;
    }

    public TwinSection reported() {
        return reported;
    }

    ObjectNode rawTags() {
        return tags;
    }
}
