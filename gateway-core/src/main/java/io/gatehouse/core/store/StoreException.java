package io.gatehouse.core.store;

import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;

/** The store could not make a change durable (disk full, I/O error, store closed). */
public final class StoreException extends GatewayException {

    public StoreException(String message, Throwable cause) {
        super(ErrorCode.STORE_FAILURE, message, cause);
    }

    public StoreException(String message) {
        super(ErrorCode.STORE_FAILURE, message);
    }
}
