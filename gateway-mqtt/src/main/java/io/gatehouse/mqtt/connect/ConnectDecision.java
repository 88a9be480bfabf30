package io.gatehouse.mqtt.connect;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.MessageProperties;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;

/** What a CONNECT packet asks for once checked: a device login to attempt, or a refusal with its CONNACK code. */
public sealed interface ConnectDecision {

    /**
     * A well-formed request to connect as {@code device} (or its module {@code moduleId}, client id
     * {@code {device}/{moduleId}}) with the SAS token {@code password}.
     *
     * @param will the message to store as telemetry if the connection ends without DISCONNECT, or null
     */
    record Login(DeviceId device, String moduleId, String password, boolean cleanSession, int keepAliveSeconds, Will will)
            implements ConnectDecision {

        /** A device's own login. */
        public Login(DeviceId device, String password, boolean cleanSession, int keepAliveSeconds, Will will) {
            this(device, null, password, cleanSession, keepAliveSeconds, will);
        }
    }

    /** A refused CONNECT: the CONNACK code to answer and why (for the log). */
    record Refusal(MqttConnectReturnCode code, String reason) implements ConnectDecision {
    }

    /** A will message: telemetry properties from its topic's bag, and its payload. */
    record Will(MessageProperties properties, byte[] payload) {
    }
}
