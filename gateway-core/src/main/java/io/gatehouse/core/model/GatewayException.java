package io.gatehouse.core.model;

import java.util.concurrent.CompletionException;

/** An operation refused for a reason the caller can act on; never a bug. */
public class GatewayException extends RuntimeException {

    private final ErrorCode code;

    public GatewayException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public GatewayException(ErrorCode code, String message, Throwable cause) {
        super(message, cause, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    /** The GatewayException inside a future's failure, or null when the failure is something else. */
    public static GatewayException unwrap(Throwable failure) {
        Throwable t = failure;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof GatewayException g ? g : null;
    }

    @Override
    public String toString() {
        return code + ": " + getMessage();
    }
}
