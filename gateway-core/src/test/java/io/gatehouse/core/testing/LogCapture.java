package io.gatehouse.core.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * Captures what a logger and its children log while it is open, so tests can assert on it: the core's
 * warnings, the reason an adapter closed or refused a connection, a leak report.
 */
public final class LogCapture implements AutoCloseable {

    private static final Duration AWAIT = Duration.ofSeconds(10);

    private final Logger logger;
    private final List<ILoggingEvent> events = new ArrayList<>();
    private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
            synchronized (events) {
                events.add(event);
                events.notifyAll(); // wakes await()
            }
        }
    };

    /** Captures everything (the root logger). */
    public LogCapture() {
        this(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    /** Captures {@code loggerName} and the loggers below it, e.g. {@code "io.gatehouse.mqtt"}. */
    public LogCapture(String loggerName) {
        logger = (Logger) LoggerFactory.getLogger(loggerName);
        appender.setName("capture-" + System.identityHashCode(this));
        appender.start();
        logger.addAppender(appender);
    }

    /** Every formatted message, in the order logged. */
    public List<String> messages() {
        synchronized (events) {
            return events.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    /** Events at {@code level} or above, formatted with their logger and any exception. */
    public List<String> atLeast(Level level) {
        synchronized (events) {
            return events.stream()
                    .filter(e -> e.getLevel().isGreaterOrEqual(level))
                    .map(e -> e.getLevel() + " " + e.getLoggerName() + ": " + e.getFormattedMessage()
                            + (e.getThrowableProxy() == null ? "" : " / " + e.getThrowableProxy().getClassName()
                            + ": " + e.getThrowableProxy().getMessage()))
                    .toList();
        }
    }

    public long count(String fragment) {
        return messages().stream().filter(m -> m.contains(fragment)).count();
    }

    /** Waits (at most 10 s) until a message containing every fragment is logged; returns it. */
    public String await(String... fragments) {
        long deadline = System.nanoTime() + AWAIT.toNanos();
        synchronized (events) {
            while (true) {
                for (ILoggingEvent event : events) {
                    String message = event.getFormattedMessage();
                    if (Arrays.stream(fragments).allMatch(message::contains)) {
                        return message;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("nothing containing " + Arrays.toString(fragments) + " was logged within "
                            + AWAIT.toSeconds() + " s; logged: " + messages());
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(events, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted while waiting for a log message", e);
                }
            }
        }
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
    }
}
