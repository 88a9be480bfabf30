package io.gatehouse.core.methods;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.ErrorCode;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.session.DeviceConnections;
import io.gatehouse.core.session.DeviceConnections.Registration;
import io.gatehouse.core.testing.LogCapture;
import io.gatehouse.core.testing.ManualCore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DirectMethodsTest {

    private static final DeviceId D1 = DeviceId.of("d1");
    private final ManualCore manual = new ManualCore();
    private final List<MethodRequest> received = new ArrayList<>();

    @AfterEach
    void close() {
        manual.close();
    }

    private static MethodCall call(int responseSeconds, int connectSeconds) {
        return new MethodCall("reboot", "{\"delay\":1}".getBytes(StandardCharsets.UTF_8),
                Duration.ofSeconds(responseSeconds), Duration.ofSeconds(connectSeconds));
    }

    private Registration connect(DeviceId device) {
        return manual.core.connections().register(device, new DeviceConnections.Connection() {
            @Override
            public String protocol() {
                return "test";
            }

            @Override
            public void close(String reason) {
            }
        });
    }

    @Test
    void anInvocationReachesTheSubscribedConnectionAndItsAnswerCompletesIt() {
        manual.createDevice("d1");
        manual.core.methods().subscribe(connect(D1), received::add);
        CompletableFuture<MethodResult> result = manual.core.methods().invoke(D1, call(30, 0));
        manual.run();
        assertThat(received).singleElement().satisfies(r -> {
            assertThat(r.name()).isEqualTo("reboot");
            assertThat(new String(r.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"delay\":1}");
        });
        manual.core.methods().respond(D1, received.get(0).requestId(), 201, "\"ok\"".getBytes(StandardCharsets.UTF_8));
        MethodResult answer = manual.await(result);
        assertThat(answer.status()).isEqualTo(201);
        assertThat(new String(answer.payload(), StandardCharsets.UTF_8)).isEqualTo("\"ok\"");
        assertThat(manual.core.methods().pendingCount()).isZero();
    }

    @Test
    void aDeviceThatIsNotConnectedIsNotOnlineAfterTheConnectTimeout() {
        manual.createDevice("d1");
        CompletableFuture<MethodResult> now = manual.core.methods().invoke(D1, call(30, 0));
        assertThat(codeOf(now)).isEqualTo(ErrorCode.DEVICE_NOT_ONLINE);
        CompletableFuture<MethodResult> waiting = manual.core.methods().invoke(D1, call(30, 10));
        manual.run();
        manual.advance(Duration.ofSeconds(9));
        assertThat(waiting).isNotDone();
        manual.advance(Duration.ofSeconds(1));
        assertThat(codeOf(waiting)).isEqualTo(ErrorCode.DEVICE_NOT_ONLINE);
        assertThat(codeOf(manual.core.methods().invoke(DeviceId.of("nobody"), call(30, 0)))).isEqualTo(ErrorCode.DEVICE_NOT_FOUND);
    }

    @Test
    void aConnectedDeviceThatDidNotSubscribeIsNotOnline() {
        manual.createDevice("d1");
        connect(D1);
        assertThat(codeOf(manual.core.methods().invoke(D1, call(30, 0)))).isEqualTo(ErrorCode.DEVICE_NOT_ONLINE);
    }

    @Test
    void anInvocationWaitsForTheDeviceToSubscribeWithinTheConnectTimeout() {
        manual.createDevice("d1");
        CompletableFuture<MethodResult> result = manual.core.methods().invoke(D1, call(30, 20));
        manual.run();
        manual.advance(Duration.ofSeconds(5));
        assertThat(received).isEmpty();
        manual.core.methods().subscribe(connect(D1), received::add);
        manual.run();
        assertThat(received).hasSize(1);
        manual.advance(Duration.ofSeconds(25));
        manual.core.methods().respond(D1, received.get(0).requestId(), 200, "null".getBytes(StandardCharsets.UTF_8));
        assertThat(manual.await(result).status()).isEqualTo(200);
    }

    @Test
    void noAnswerWithinTheResponseTimeoutIsAGatewayTimeoutAndTheLateAnswerIsDroppedWithALogLine() {
        manual.createDevice("d1");
        manual.core.methods().subscribe(connect(D1), received::add);
        CompletableFuture<MethodResult> result = manual.core.methods().invoke(D1, call(5, 0));
        manual.run();
        manual.advance(Duration.ofSeconds(5));
        assertThat(codeOf(result)).isEqualTo(ErrorCode.GATEWAY_TIMEOUT);
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(DirectMethods.class);
        logger.setLevel(ch.qos.logback.classic.Level.INFO);
        try (LogCapture log = new LogCapture()) {
            manual.core.methods().respond(D1, received.get(0).requestId(), 200, new byte[0]);
            manual.core.methods().respond(D1, "unknown", 200, new byte[0]);
            manual.run();
            assertThat(log.atLeast(ch.qos.logback.classic.Level.INFO))
                    .filteredOn(m -> m.contains(DirectMethods.class.getName()))
                    .hasSize(2).allMatch(m -> m.contains("late or unknown"));
        } finally {
            logger.setLevel(null);
        }
    }

    @Test
    void aDeviceCannotAnswerAnotherDevicesRequest() {
        manual.createDevice("d1");
        manual.createDevice("d2");
        manual.core.methods().subscribe(connect(D1), received::add);
        CompletableFuture<MethodResult> result = manual.core.methods().invoke(D1, call(30, 0));
        manual.run();
        manual.core.methods().respond(DeviceId.of("d2"), received.get(0).requestId(), 200, new byte[0]);
        manual.run();
        assertThat(result).isNotDone();
    }

    @Test
    void onlyTheCurrentConnectionReceivesInvocations() {
        manual.createDevice("d1");
        List<MethodRequest> old = new ArrayList<>();
        manual.core.methods().subscribe(connect(D1), old::add);
        connect(D1); // takeover by a connection that did not subscribe
        assertThat(codeOf(manual.core.methods().invoke(D1, call(30, 0)))).isEqualTo(ErrorCode.DEVICE_NOT_ONLINE);
        assertThat(old).isEmpty();
    }

    private ErrorCode codeOf(CompletableFuture<?> future) {
        manual.run();
        assertThat(future).isCompletedExceptionally();
        try {
            future.join();
            throw new AssertionError();
        } catch (CompletionException e) {
            return GatewayException.unwrap(e).code();
        }
    }
}
