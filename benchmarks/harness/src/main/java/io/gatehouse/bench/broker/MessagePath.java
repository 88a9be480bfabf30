package io.gatehouse.bench.broker;

/**
 * Which store a scenario's messages go through. Their durability can differ: Gatehouse's cluster keeps D2C
 * events in Kafka and C2D queues in PostgreSQL, and the two acknowledge differently.
 */
public enum MessagePath {
    /** Device-to-cloud telemetry (MQTT PUBACK, AMQP accepted). */
    EVENTS,
    /** Cloud-to-device queues (the service's send accepted, the device's delivery). */
    C2D
}
