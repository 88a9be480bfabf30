package io.gatehouse.bench.load;

import java.time.Duration;

/**
 * The back-end service sending C2D messages: over AMQP where the broker speaks it (Gatehouse, Artemis), otherwise
 * as an MQTT client publishing QoS 1 to the device's topic. {@link #send} may block while the broker withholds
 * credit.
 */
public interface C2dService extends AutoCloseable {

    void send(String deviceId, int sequence, byte[] body) throws Exception;

    /** Sends the broker refused or that failed, so far. */
    long failures();

    /** Waits until every send so far is acknowledged by the broker (or the timeout passes); returns whether they were. */
    boolean awaitAcknowledged(Duration timeout) throws Exception;

    /** What the service used, for the report's notes. */
    String describe();
}
