package io.gatehouse.core.events;

import io.gatehouse.core.model.MessageProperties;
import java.time.Instant;

/**
 * A stored device-to-cloud event: where it sits in its partition, when it was enqueued, who sent it
 * (IoT Hub's {@code iothub-connection-*} properties) and what the device sent.
 */
public record D2cEvent(
        int partition,
        long sequenceNumber,
        long offset,
        Instant enqueuedTime,
        EventSource source,
        MessageProperties properties,
        byte[] body) {
}
