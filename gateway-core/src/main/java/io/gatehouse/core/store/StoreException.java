package io.gatehouse.core.store;

import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;

/**
 * The store could not make a change durable (disk full, I/O error, store closed), or, {@link #unavailable}, could
 * not be reached at all for now.
 */
public final class StoreException extends GatewayException {

    private StoreException(ErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }

    /** The engine behind the store cannot be reached for now: the caller may try again later (SERVER_BUSY). */
    public static StoreException unavailable(String message, Throwable cause) {
        return new StoreException(ErrorCode.SERVER_BUSY, message, cause);
    }

    public StoreException(String message, Throwable cause) {
        super(ErrorCode.STORE_FAILURE, message, cause);
    }

    public StoreException(String message) {
        super(ErrorCode.STORE_FAILURE, message);
    }
}
