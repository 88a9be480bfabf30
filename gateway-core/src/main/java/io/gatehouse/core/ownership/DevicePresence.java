package io.gatehouse.core.ownership;

import io.gatehouse.core.session.DeviceConnections.ConnectionState;

/** What the registry shows of a device beyond its identity: its connection state and how many C2D messages it has queued. */
public record DevicePresence(ConnectionState connection, int cloudToDeviceMessageCount) {
}
