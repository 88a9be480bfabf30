package io.gatehouse.core.registry;

/**
 * Told about identity changes that other parts of the core must act on. Called as each change is decided,
 * in decision order, under the registry's monitor (before it is durable): never block or call back into
 * the registry's write operations.
 */
public interface RegistryListener {

    /** The device was deleted: its queue goes, its connections are closed. */
    void deviceDeleted(Device device);

    /** The device changed (status, keys); {@code before} is the previous value. */
    void deviceUpdated(Device before, Device after);
}
