package io.gatehouse.core.queue;

import io.gatehouse.core.model.DeviceId;

/** What the C2D service needs to know of the device registry. */
public interface DeviceDirectory {

    /** The device's generation id, or null when no such device exists. */
    String generationOf(DeviceId device);
}
