package io.gatehouse.core.events;

/**
 * A reader may not open because another reader of the same consumer group's partition holds a higher owner level
 * (or any owner level, for a reader without one). Event Hubs reports this as {@code com.microsoft:receiver-disconnected}.
 */
public final class OwnerLevelConflictException extends RuntimeException {

    public OwnerLevelConflictException(String message) {
        super(message, null, false, false);
    }
}
