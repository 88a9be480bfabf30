package io.gatehouse.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The distribution's console log ({@link ConsoleLog}): queued, never blocking, flushed at exit. */
class ConsoleLogTest {

    private PrintStream originalErr;

    @BeforeEach
    void keepStderr() {
        originalErr = System.err;
    }

    @AfterEach
    void restoreStderr() {
        System.setErr(originalErr);
    }

    @Test
    void aStderrThatTakesNoWritesDoesNotBlockTheCaller() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch firstWrite = new CountDownLatch(1);
        System.setErr(new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                // a pipe nobody reads: the first write never returns until the test lets it
                firstWrite.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, true));
        LoggerContext context = distributionContext();
        try {
            Logger log = context.getLogger("io.gatehouse.test");
            // far more lines than the queue holds: with a plain console appender the first one would never return
            CompletableFuture<Void> logging = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 20_000; i++) {
                    log.info("device-{} connected", i);
                }
            });
            assertThat(firstWrite.await(30, TimeUnit.SECONDS)).as("the writer thread reached stderr").isTrue();
            logging.get(30, TimeUnit.SECONDS); // throws TimeoutException while a line waits on stderr
        } finally {
            release.countDown();
            context.stop();
        }
    }

    @Test
    void theFlushAtExitWritesEveryQueuedLineInOrder() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        LoggerContext context = distributionContext();
        Logger log = context.getLogger("io.gatehouse.test");
        for (int i = 0; i < 1_000; i++) {
            log.info("line {}", i);
        }
        context.stop();

        String[] lines = captured.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(1_000);
        for (int i = 0; i < lines.length; i++) {
            assertThat(lines[i]).contains(" INFO ").endsWith("- line " + i);
        }
    }

    @Test
    void nettyLogsOnlyWarningsAndTheGatewayFromInfo() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        LoggerContext context = distributionContext();
        context.getLogger("io.netty.channel").info("netty info");
        context.getLogger("io.netty.channel").warn("netty warning");
        context.getLogger("io.gatehouse.test").debug("gateway debug");
        context.getLogger("io.gatehouse.test").info("gateway info");
        context.stop();

        assertThat(captured.toString(StandardCharsets.UTF_8).lines().map(line -> line.substring(line.indexOf(" - ") + 3)))
                .containsExactly("netty warning", "gateway info");
    }

    @Test
    void theJsonFormatKeepsTheQueueInFront() throws Exception {
        LoggerContext global = (LoggerContext) LoggerFactory.getILoggerFactory();
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            ConsoleLog.install(global);
            ConsoleLog.apply("json");
            Logger root = global.getLogger(Logger.ROOT_LOGGER_NAME);
            assertThat(root.getAppender(ConsoleLog.QUEUE_APPENDER)).isInstanceOf(AsyncAppender.class);

            LoggerFactory.getLogger("io.gatehouse.test").info("json line");
            ConsoleLog.flush();

            assertThat(captured.toString(StandardCharsets.UTF_8).strip())
                    .startsWith("{").contains("\"message\":\"json line\"").doesNotContain("\n");
        } finally {
            System.setErr(originalErr);
            global.reset();
            new ContextInitializer(global).autoConfig(); // the tests' own configuration again
        }
    }

    private static LoggerContext distributionContext() {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter()); // a queued event copies the MDC
        ConsoleLog.install(context);
        return context;
    }
}
