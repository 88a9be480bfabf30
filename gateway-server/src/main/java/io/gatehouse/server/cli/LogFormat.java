package io.gatehouse.server.cli;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.LoggerFactory;

/**
 * The console log's format, and its flush at exit. With the distribution's configuration
 * ({@code gatehouse-logback.xml}) lines reach stderr through a queue and a writer thread of their own.
 */
final class LogFormat {

    /** The queueing appender of {@code gatehouse-logback.xml}. */
    static final String QUEUE_APPENDER = "ASYNC";
    /** The console appender behind that queue. */
    private static final String CONSOLE_APPENDER = "CONSOLE";

    private LogFormat() {
    }

    /** Switches the console log to one JSON object per line when the configuration asks for it. */
    static void apply(String format) {
        if (!format.equals("json") || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(context);
        encoder.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        if (root.getAppender(QUEUE_APPENDER) instanceof AsyncAppender queue
                && queue.getAppender(CONSOLE_APPENDER) instanceof ConsoleAppender<ILoggingEvent> console) {
            // the queue stays in front; only how its console writes a line changes
            console.stop();
            console.setEncoder(encoder);
            console.start();
            return;
        }
        // a configuration of the user's own (-Dlogback.configurationFile): its appenders give way to a JSON console
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("json");
        console.setTarget("System.err");
        console.setEncoder(encoder);
        console.start();
        root.detachAndStopAllAppenders();
        root.addAppender(console);
    }

    /** Writes out the lines still queued and stops logging; for the process's last moments. */
    static void flush() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.stop();
        }
    }
}
