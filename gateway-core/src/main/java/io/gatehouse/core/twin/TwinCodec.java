package io.gatehouse.core.twin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.core.model.DeviceId;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The stored form of a twin: compact JSON with the generation, the version, the tags and each section's values,
 * metadata and version. The device id is the key's owner. Nodes of a cluster also hand each other twins this way.
 */
public final class TwinCodec {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TwinCodec() {
    }

    public static byte[] encode(Twin twin) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("generationId", twin.generationId());
        node.put("version", twin.version());
        node.set("tags", twin.rawTags());
        node.set("desired", section(twin.desired()));
        node.set("reported", section(twin.reported()));
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException("a twin is always serializable", e);
        }
    }

    public static Twin decode(DeviceId device, byte[] stored) {
        try {
            JsonNode node = MAPPER.readTree(stored);
            return new Twin(device, node.get("generationId").asText(), node.get("version").asLong(),
                    (ObjectNode) node.get("tags"), section(node.get("desired")), section(node.get("reported")));
        } catch (IOException e) {
            throw new UncheckedIOException("stored twin of " + device + " is not readable", e);
        }
    }

    private static ObjectNode section(TwinSection section) {
        ObjectNode node = MAPPER.createObjectNode();
        node.set("values", section.rawValues());
        node.set("metadata", section.rawMetadata());
        node.put("version", section.version());
        return node;
    }

    private static TwinSection section(JsonNode node) {
        return new TwinSection((ObjectNode) node.get("values"), (ObjectNode) node.get("metadata"), node.get("version").asLong());
    }
}
