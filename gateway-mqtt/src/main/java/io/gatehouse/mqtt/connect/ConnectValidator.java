package io.gatehouse.mqtt.connect;

import static io.netty.handler.codec.mqtt.MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD;
import static io.netty.handler.codec.mqtt.MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED;
import static io.netty.handler.codec.mqtt.MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED;
import static io.netty.handler.codec.mqtt.MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.mqtt.topic.ClientText;
import io.gatehouse.mqtt.topic.DeviceTopics;
import io.gatehouse.mqtt.topic.PropertyBag;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectPayload;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import java.nio.charset.StandardCharsets;

/**
 * Checks a decoded CONNECT against MQTT 3.1.1 and IoT Hub's conventions (docs/protocols.md#mqtt-311), before any credential is
 * looked at:
 * <ul>
 *   <li>protocol {@code MQTT} level 4 only, else CONNACK 1 [MQTT-3.1.2-2];</li>
 *   <li>client id = a valid device id, or {@code deviceId/moduleId} for a module identity, else CONNACK 2
 *       [MQTT-3.1.3-8/9];</li>
 *   <li>user name {@code {host}/{clientId}/?api-version=...}: missing, or naming another client id (or another
 *       host, when one is configured) → CONNACK 4; no password (the SAS token) → CONNACK 4;</li>
 *   <li>a will message must go to the device's own telemetry topic, else CONNACK 5.</li>
 * </ul>
 */
public final class ConnectValidator {

    private static final int MQTT_3_1_1 = 4;

    private final String hubHostName;

    /** {@code hubHostName} null accepts any host in the user name. */
    public ConnectValidator(String hubHostName) {
        this.hubHostName = hubHostName;
    }

    public ConnectDecision check(MqttConnectMessage connect) {
        MqttConnectVariableHeader header = connect.variableHeader();
        MqttConnectPayload payload = connect.payload();
        if (header.version() != MQTT_3_1_1 || !"MQTT".equals(header.name())) {
            return new ConnectDecision.Refusal(CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION, "protocol "
                    + ClientText.quote(header.name()) + " level " + header.version() + " is not supported, only MQTT 3.1.1 (level 4)");
        }
        String clientId = payload.clientIdentifier();
        if (clientId == null || clientId.isEmpty()) {
            return new ConnectDecision.Refusal(CONNECTION_REFUSED_IDENTIFIER_REJECTED,
                    "empty client id: IoT Hub devices connect with their device id as client id");
        }
        int slash = clientId.indexOf('/');
        String deviceText = slash < 0 ? clientId : clientId.substring(0, slash);
        String moduleId = slash < 0 ? null : clientId.substring(slash + 1);
        if (!DeviceId.isValid(deviceText) || (moduleId != null && !DeviceId.isValid(moduleId))) {
            return new ConnectDecision.Refusal(CONNECTION_REFUSED_IDENTIFIER_REJECTED, "client id "
                    + ClientText.quote(clientId) + " is not a valid device id nor {deviceId}/{moduleId}");
        }
        DeviceId device = DeviceId.of(deviceText);
        if (!header.hasUserName() || payload.userName() == null) {
            return new ConnectDecision.Refusal(CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD, "no user name");
        }
        String userNameProblem = checkUserName(payload.userName(), clientId);
        if (userNameProblem != null) {
            return new ConnectDecision.Refusal(CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD, userNameProblem);
        }
        byte[] password = payload.passwordInBytes();
        if (!header.hasPassword() || password == null || password.length == 0) {
            return new ConnectDecision.Refusal(CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD, "no password (SAS token)");
        }
        ConnectDecision.Will will = null;
        if (header.isWillFlag()) {
            DeviceTopics topics = new DeviceTopics(device, moduleId);
            String bag = topics.telemetryBag(payload.willTopic());
            if (bag == null) {
                return new ConnectDecision.Refusal(CONNECTION_REFUSED_NOT_AUTHORIZED, "will message to "
                        + ClientText.quote(payload.willTopic()) + ", not the device's telemetry topic");
            }
            MessageProperties properties;
            try {
                properties = PropertyBag.parse(bag);
            } catch (IllegalArgumentException e) {
                return new ConnectDecision.Refusal(CONNECTION_REFUSED_NOT_AUTHORIZED,
                        "will topic has a malformed property bag: " + e.getMessage());
            }
            byte[] willPayload = payload.willMessageInBytes();
            will = new ConnectDecision.Will(properties, willPayload == null ? new byte[0] : willPayload);
        }
        return new ConnectDecision.Login(device, moduleId, new String(password, StandardCharsets.UTF_8), header.isCleanSession(),
                header.keepAliveTimeSeconds(), will);
    }

    /** {@code {host}/{clientId}}, optionally followed by {@code /} and {@code ?query}; null when acceptable. */
    private String checkUserName(String userName, String clientId) {
        int slash = userName.indexOf('/');
        if (slash <= 0) {
            return "user name " + ClientText.quote(userName) + " is not '{host}/{deviceId}/?api-version=...'";
        }
        String host = userName.substring(0, slash);
        if (hubHostName != null && !hubHostName.equalsIgnoreCase(host)) {
            return "user name names host " + ClientText.quote(host) + ", this hub is " + hubHostName;
        }
        int idStart = slash + 1;
        int idEnd = idStart + clientId.length();
        boolean idMatches = userName.startsWith(clientId, idStart)
                && (userName.length() == idEnd || userName.charAt(idEnd) == '/' || userName.charAt(idEnd) == '?');
        if (!idMatches) {
            return "user name " + ClientText.quote(userName) + " does not name client id " + ClientText.quote(clientId);
        }
        return null;
    }
}
