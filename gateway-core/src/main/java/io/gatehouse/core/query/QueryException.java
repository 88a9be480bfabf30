package io.gatehouse.core.query;

import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;

/** A query that cannot be parsed or uses what Gatehouse does not support: a 400 that says which and where. */
public final class QueryException extends GatewayException {

    QueryException(String message) {
        super(ErrorCode.INVALID_ARGUMENT, message);
    }

    static QueryException at(String message, int position) {
        return new QueryException("query: " + message + " at position " + (position + 1));
    }

    static QueryException unsupported(String construct) {
        return new QueryException("query: " + construct + " is not supported by Gatehouse");
    }
}
