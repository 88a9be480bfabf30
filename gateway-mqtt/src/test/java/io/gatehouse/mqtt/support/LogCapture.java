package io.gatehouse.mqtt.support;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Captures what the adapter logs, so tests can check the reason a connection was closed or refused. */
public final class LogCapture implements AutoCloseable {

    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    public LogCapture(String loggerName) {
        logger = (Logger) LoggerFactory.getLogger(loggerName);
        appender.start();
        logger.addAppender(appender);
    }

    /** The adapter's loggers: the connection handler and the flows. */
    public static LogCapture mqtt() {
        return new LogCapture("io.gatehouse.mqtt");
    }

    public List<String> messages() {
        synchronized (appender) {
            return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    public List<ILoggingEvent> events() {
        synchronized (appender) {
            return List.copyOf(appender.list);
        }
    }

    /** Waits until a line containing every fragment was logged; returns it. */
    public String await(String... fragments) {
        String[] found = new String[1];
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            for (String message : messages()) {
                boolean all = true;
                for (String fragment : fragments) {
                    all &= message.contains(fragment);
                }
                if (all) {
                    found[0] = message;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    public long count(String fragment) {
        return messages().stream().filter(m -> m.contains(fragment)).count();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
    }
}
