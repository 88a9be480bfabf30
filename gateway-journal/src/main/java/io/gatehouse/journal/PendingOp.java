package io.gatehouse.journal;

import java.util.concurrent.CompletableFuture;

/**
 * One unit of work for the appender, and the future handed to the caller (one allocation per operation).
 * The appender fills in where the record went; the completer completes the future in queue order.
 */
abstract class PendingOp extends CompletableFuture<Void> {

    /** Link of the appender's intrusive queue ({@link OpQueue}). */
    volatile PendingOp next;
    /** Set by the appender when the operation failed; read by the completer. */
    Throwable failure;
    /** Where the record went (appender only). */
    Segment segment;
    long position;
    int length;
    /** When the operation was queued ({@link System#nanoTime}); 0 for the journal's own (relocations). */
    long queuedNanos;

    /** Completes the caller's future with the outcome the appender decided. */
    void signal() {
        if (failure == null) {
            complete(null);
        } else {
            completeExceptionally(failure);
        }
    }

    void failWith(Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
    }
}
