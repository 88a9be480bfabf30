package io.gatehouse.core.twin;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A change of desired properties as devices receive it: the patch as the service sent it (nulls included, they
 * remove keys) and the section's new {@code $version}. A replacement reaches devices as the whole new section.
 */
public record DesiredPatch(long version, ObjectNode patch) {

    /** The body IoT Hub pushes to devices: the patch with {@code "$version"}. */
    public ObjectNode toJson() {
        ObjectNode node = patch.deepCopy();
        node.put("$version", version);
        return node;
    }
}
