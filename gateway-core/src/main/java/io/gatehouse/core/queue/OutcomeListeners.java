package io.gatehouse.core.queue;

import io.gatehouse.core.model.DeviceId;

/** Makes the end-of-message listener for each device's queue (feedback generation, in practice). */
public interface OutcomeListeners {

    LifecycleQueue.EndListener forDevice(DeviceId device, String generationId);
}
