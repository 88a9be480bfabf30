package io.gatehouse.server.cli;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import org.slf4j.LoggerFactory;

/**
 * The distribution's console log: lines go to stderr, so stdout carries only what users act on (the start banner,
 * CLI output), through a queue and a writer thread of their own. It is set up in code rather than from an XML
 * file: that spares every start logback's XML configurator and the JDK's XML parser (about 280 classes, 0.2 s).
 */
final class ConsoleLog {

    /** The queueing appender in front of the console. */
    static final String QUEUE_APPENDER = "ASYNC";
    /** The console appender behind that queue. */
    private static final String CONSOLE_APPENDER = "CONSOLE";
    private static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX} %-5level [%thread] %logger{20} - %msg%n";
    private static final int QUEUED_LINES = 8192;

    private ConsoleLog() {
    }

    /**
     * Replaces {@code context}'s configuration with the console log. Event loops log (a device connects, a client
     * is refused) and must never wait on stderr: a pipe whose reader is slow or gone would stall every connection
     * on the loop. So the writer thread takes lines from a queue and, should it fill, lines are dropped rather
     * than block the caller; every level is kept while there is room (logback's default drops INFO from 80 %).
     */
    static void install(LoggerContext context) {
        context.reset();
        PatternLayoutEncoder text = new PatternLayoutEncoder();
        text.setContext(context);
        text.setPattern(PATTERN);
        text.start();
        ConsoleAppender<ILoggingEvent> console = console(context, text);

        AsyncAppender queue = new AsyncAppender();
        queue.setContext(context);
        queue.setName(QUEUE_APPENDER);
        queue.setQueueSize(QUEUED_LINES);
        queue.setDiscardingThreshold(0);
        queue.setNeverBlock(true);
        queue.addAppender(console);
        queue.start();

        context.getLogger("io.netty").setLevel(Level.WARN);
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(queue);
    }

    /** The console log in the process's logging context, unless the user named a configuration file of their own. */
    static void installUnlessConfigured() {
        if (System.getProperty("logback.configurationFile") == null
                && LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            install(context);
        }
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
        root.detachAndStopAllAppenders();
        root.addAppender(console(context, encoder));
    }

    /** Writes out the lines still queued and stops logging; for the process's last moments. */
    static void flush() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.stop();
        }
    }

    private static ConsoleAppender<ILoggingEvent> console(LoggerContext context, Encoder<ILoggingEvent> encoder) {
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName(CONSOLE_APPENDER);
        console.setTarget("System.err");
        console.setEncoder(encoder);
        console.start();
        return console;
    }
}
