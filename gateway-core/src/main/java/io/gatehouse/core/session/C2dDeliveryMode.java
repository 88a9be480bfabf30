package io.gatehouse.core.session;

/**
 * How a device takes C2D messages: settled when the device acknowledges (at least once), or settled as
 * soon as they are written to the connection (at most once, e.g. an MQTT QoS 0 subscription).
 */
public enum C2dDeliveryMode {
    AT_MOST_ONCE,
    AT_LEAST_ONCE
}
