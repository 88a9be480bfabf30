package io.gatehouse.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.registry.DeviceStatus;
import io.gatehouse.core.registry.SymmetricKeys;
import io.gatehouse.core.ownership.DevicePresence;
import io.gatehouse.core.session.DeviceConnections.ConnectionState;
import java.time.Instant;

/** IoT Hub's device JSON (docs/protocols.md#registry-rest), both ways. */
final class DeviceJson {

    /** IoT Hub's "never" for times that have not happened. */
    private static final String NEVER = "0001-01-01T00:00:00Z";

    private DeviceJson() {
    }

    static ObjectNode toJson(Device device, DevicePresence presence) {
        ConnectionState connection = presence.connection();
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("deviceId", device.id().value());
        node.putNull("moduleId");
        node.put("generationId", device.generationId());
        node.put("etag", device.etag());
        node.put("status", device.status().wireName());
        if (device.statusReason() == null) {
            node.putNull("statusReason");
        } else {
            node.put("statusReason", device.statusReason());
        }
        node.put("statusUpdatedTime", time(device.statusUpdatedTime()));
        node.put("connectionState", connection.connected() ? "Connected" : "Disconnected");
        node.put("connectionStateUpdatedTime", time(connection.stateUpdatedTime()));
        node.put("lastActivityTime", time(connection.lastActivityTime()));
        node.put("cloudToDeviceMessageCount", presence.cloudToDeviceMessageCount());
        putAuthentication(node, device.keys());
        node.putObject("capabilities").put("iotEdge", false);
        return node;
    }

    /** IoT Hub's {@code authentication} object of an identity with SAS keys (devices and modules alike). */
    static void putAuthentication(ObjectNode node, SymmetricKeys symmetricKeys) {
        ObjectNode authentication = node.putObject("authentication");
        authentication.put("type", "sas");
        ObjectNode keys = authentication.putObject("symmetricKey");
        keys.put("primaryKey", symmetricKeys.primaryKey());
        keys.put("secondaryKey", symmetricKeys.secondaryKey());
        ObjectNode thumbprint = authentication.putObject("x509Thumbprint");
        thumbprint.putNull("primaryThumbprint");
        thumbprint.putNull("secondaryThumbprint");
    }

    static String time(Instant instant) {
        return instant == null || instant.equals(Instant.EPOCH) ? NEVER : instant.toString();
    }

    /** The parts of a device a PUT may set. */
    record DeviceInput(String deviceId, DeviceStatus status, String statusReason, SymmetricKeys keys) {
    }

    /** The SAS keys an identity's JSON sets, or null when it sets none (the registry then makes them). */
    static SymmetricKeys keysOf(JsonNode node) {
        JsonNode authentication = node.get("authentication");
        SymmetricKeys keys = null;
        if (authentication != null && !authentication.isNull()) {
            String type = Json.text(authentication, "type");
            if (type != null && !type.equalsIgnoreCase("sas")) {
                throw RestException.badRequest("authentication type '" + type + "' is not supported; use 'sas'");
            }
            JsonNode symmetric = authentication.get("symmetricKey");
            // the Node service SDK sends "" for keys it leaves to the hub: IoT Hub then generates them
            String primary = blankToNull(Json.text(symmetric, "primaryKey"));
            String secondary = blankToNull(Json.text(symmetric, "secondaryKey"));
            if (primary != null || secondary != null) {
                try {
                    keys = new SymmetricKeys(primary != null ? primary : SymmetricKeys.randomKey(),
                            secondary != null ? secondary : SymmetricKeys.randomKey());
                } catch (IllegalArgumentException e) {
                    throw RestException.badRequest(e.getMessage());
                }
            }
        }
        return keys;
    }

    static DeviceInput fromJson(JsonNode node) {
        DeviceStatus status = null;
        String statusText = Json.text(node, "status");
        try {
            if (statusText != null) {
                status = DeviceStatus.parse(statusText);
            }
        } catch (IllegalArgumentException e) {
            throw RestException.badRequest(e.getMessage());
        }
        SymmetricKeys keys = keysOf(node);
        return new DeviceInput(Json.text(node, "deviceId"), status, Json.text(node, "statusReason"), keys);
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text;
    }
}
