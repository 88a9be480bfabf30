package io.gatehouse.core.store;

import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;

/**
 * The store could not make a change durable (disk full, I/O error, store closed), or, {@link #unavailable}, could
 * not be reached at all for now.
 */
public final class StoreException extends GatewayException {

    private final boolean notOwner;

    private StoreException(ErrorCode code, String message, Throwable cause, boolean notOwner) {
        super(code, message, cause);
        this.notOwner = notOwner;
    }

    /**
     * The store refused a change of a queue that another node owns now (see {@link DeviceOwnership}): the change was
     * not made, and the caller may place it again where the queue is.
     */
    public static StoreException notOwner(String message) {
        return new StoreException(ErrorCode.SERVER_BUSY, message, null, true);
    }

    /** True when {@code failure} (or what it wraps) is a {@link #notOwner} refusal. */
    public static boolean isNotOwner(Throwable failure) {
        return GatewayException.unwrap(failure) instanceof StoreException s && s.notOwner;
    }

    /** The engine behind the store cannot be reached for now: the caller may try again later (SERVER_BUSY). */
    public static StoreException unavailable(String message, Throwable cause) {
        return new StoreException(ErrorCode.SERVER_BUSY, message, cause, false);
    }

    public StoreException(String message, Throwable cause) {
        this(ErrorCode.STORE_FAILURE, message, cause, false);
    }

    public StoreException(String message) {
        this(ErrorCode.STORE_FAILURE, message, null, false);
    }
}
