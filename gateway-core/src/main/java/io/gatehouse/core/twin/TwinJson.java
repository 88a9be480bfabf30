package io.gatehouse.core.twin;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.ownership.DevicePresence;
import io.gatehouse.core.session.DeviceConnections.ConnectionState;

/** The JSON shapes of a twin: the service's whole document and the device's properties. */
public final class TwinJson {

    private TwinJson() {
    }

    /**
     * The twin as IoT Hub's service API returns it (GET/PATCH/PUT {@code /twins/{id}}, queries): identity fields
     * from the registry, then tags (when there are any) and both sections with {@code $metadata} and {@code $version}.
     */
    public static ObjectNode service(Twin twin, Device device, DevicePresence presence) {
        ConnectionState connection = presence.connection();
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("deviceId", twin.deviceId().value());
        node.put("etag", twin.etag());
        node.put("deviceEtag", device.etag());
        node.put("status", device.status().wireName());
        node.put("statusUpdateTime", DeviceTwins.format(device.statusUpdatedTime()));
        node.put("connectionState", connection.connected() ? "Connected" : "Disconnected");
        node.put("lastActivityTime", DeviceTwins.format(connection.lastActivityTime()));
        node.put("cloudToDeviceMessageCount", presence.cloudToDeviceMessageCount());
        node.put("authenticationType", "sas");
        node.put("version", twin.version());
        if (!twin.rawTags().isEmpty()) {
            node.set("tags", twin.rawTags().deepCopy());
        }
        ObjectNode properties = node.putObject("properties");
        properties.set("desired", twin.desired().toJson(true));
        properties.set("reported", twin.reported().toJson(true));
        return node;
    }

    /** The twin as a device reads it (MQTT and AMQP GET): both sections with their {@code $version}. */
    public static ObjectNode device(Twin twin) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.set("desired", twin.desired().toJson(false));
        node.set("reported", twin.reported().toJson(false));
        return node;
    }
}
