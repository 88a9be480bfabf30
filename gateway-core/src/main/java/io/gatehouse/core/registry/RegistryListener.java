package io.gatehouse.core.registry;

/** Told about identity changes that other parts of the core must act on. Called after the change is durable. */
public interface RegistryListener {

    /** The device was deleted: its queue goes, its connections are closed. */
    void deviceDeleted(Device device);

    /** The device changed (status, keys); {@code before} is the previous value. */
    void deviceUpdated(Device before, Device after);
}
