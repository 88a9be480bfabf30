package io.gatehouse.http;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A response that waits for something to arrive and answers at the latest when its wait is over. The first
 * answer wins; whatever the poll holds open (a receiver, a reader) is released once, before that answer is built,
 * so a late arrival can never change it.
 */
final class LongPoll {

    private final ScheduledExecutorService timers;
    private final CompletableFuture<RestResponse> response = new CompletableFuture<>();
    private final AtomicBoolean answered = new AtomicBoolean();
    private volatile Runnable release = () -> { };

    private LongPoll(ScheduledExecutorService timers) {
        this.timers = timers;
    }

    /** A poll that answers with {@code onTimeout} after {@code wait} unless it was answered before. */
    static LongPoll waiting(ScheduledExecutorService timers, Duration wait, Supplier<RestResponse> onTimeout) {
        LongPoll poll = new LongPoll(timers);
        poll.answerAfter(wait, onTimeout);
        return poll;
    }

    /** What to release when the poll is answered. Set it before anything can answer. */
    void releasing(Runnable release) {
        this.release = release;
    }

    /** Answers after {@code delay} with what {@code answer} builds then, unless answered before. */
    void answerAfter(Duration delay, Supplier<RestResponse> answer) {
        timers.schedule(() -> answer(answer), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Answers now, unless answered before; {@code answer} runs after the release. */
    void answer(Supplier<RestResponse> answer) {
        if (take()) {
            answerTaken(answer);
        }
    }

    void fail(Throwable failure) {
        if (take()) {
            failTaken(failure);
        }
    }

    /**
     * Takes the poll's one answer for the caller, before the caller does something it cannot undo (completing a
     * message): false when the poll was answered already (its wait was over). The caller then answers with {@link
     * #answerTaken} or {@link #failTaken}.
     */
    boolean take() {
        return answered.compareAndSet(false, true);
    }

    void answerTaken(Supplier<RestResponse> answer) {
        release.run();
        try {
            response.complete(answer.get());
        } catch (RuntimeException e) {
            response.completeExceptionally(e);
        }
    }

    void failTaken(Throwable failure) {
        release.run();
        response.completeExceptionally(failure);
    }

    CompletableFuture<RestResponse> response() {
        return response;
    }
}
