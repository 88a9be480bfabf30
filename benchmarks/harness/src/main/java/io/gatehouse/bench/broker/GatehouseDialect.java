package io.gatehouse.bench.broker;

import io.gatehouse.core.auth.SasTokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** Gatehouse: IoT Hub's MQTT user name and SAS-token password, computed from the devices' known key. */
public final class GatehouseDialect implements Dialect {

    private static final Duration TOKEN_LIFE = Duration.ofHours(6);

    private final String hostName;
    private final String deviceKey;
    private final String serviceKey;
    private final int partitionCount;
    private final int httpsPort;
    private final Path trustFile;

    public GatehouseDialect(String hostName, String deviceKey, String serviceKey, int partitionCount, int httpsPort, Path trustFile) {
        this.hostName = hostName;
        this.deviceKey = deviceKey;
        this.serviceKey = serviceKey;
        this.partitionCount = partitionCount;
        this.httpsPort = httpsPort;
        this.trustFile = trustFile;
    }

    /** The REST API's port (-1 if it has none). */
    public int httpsPort() {
        return httpsPort;
    }

    /** The CA certificate (PEM) a client trusts to reach the gateway over TLS. */
    public Path trustFile() {
        return trustFile;
    }

    @Override
    public Optional<Credentials> deviceCredentials(String deviceId) {
        return Optional.of(new Credentials(hostName + "/" + deviceId + "/?api-version=2021-04-12",
                deviceToken(deviceId).getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public boolean telemetryNeedsSubscriber() {
        return false;
    }

    public String hostName() {
        return hostName;
    }

    public String deviceToken(String deviceId) {
        return SasTokens.deviceToken(hostName, deviceId, deviceKey, Instant.now().plus(TOKEN_LIFE));
    }

    public String serviceToken() {
        return SasTokens.serviceToken(hostName, "iothubowner", serviceKey, Instant.now().plus(TOKEN_LIFE));
    }

    public int partitionCount() {
        return partitionCount;
    }

    /** The event-stream partition of a device: the rule of {@code EventStream.partitionFor} (a stable hash of the id). */
    public int partitionOf(String deviceId) {
        return Math.floorMod(deviceId.hashCode(), partitionCount);
    }
}
