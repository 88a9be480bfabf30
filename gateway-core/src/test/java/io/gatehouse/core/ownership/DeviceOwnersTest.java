package io.gatehouse.core.ownership;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.testing.ManualCore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeviceOwnersTest {

    private final ManualCore hub = new ManualCore();

    @AfterEach
    void tearDown() {
        hub.close();
    }

    @Test
    void aCallRunHereIsNeverWrittenForAnotherNode() {
        hub.createDevice("d1");
        AtomicInteger written = new AtomicInteger();
        CompletableFuture<String> result = hub.core.c2d().owners().whereOwned(DeviceId.of("d1"), () -> {
            written.incrementAndGet();
            return new byte[0];
        }, Duration.ofSeconds(1), () -> CompletableFuture.completedFuture("here"), answer -> "elsewhere");

        assertThat(hub.await(result)).isEqualTo("here");
        assertThat(written).as("the call's encoding, a copy of a C2D body, is for other nodes only").hasValue(0);
    }
}
