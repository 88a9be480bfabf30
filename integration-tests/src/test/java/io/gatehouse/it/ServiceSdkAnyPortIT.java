package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.microsoft.azure.sdk.iot.service.exceptions.IotHubNotFoundException;
import com.microsoft.azure.sdk.iot.service.exceptions.IotHubPreconditionFailedException;
import com.microsoft.azure.sdk.iot.service.registry.Device;
import com.microsoft.azure.sdk.iot.service.registry.DeviceStatus;
import com.microsoft.azure.sdk.iot.service.registry.RegistryClient;
import com.azure.core.credential.AzureSasCredential;
import io.gatehouse.core.auth.SasTokens;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unmodified service SDK's registry calls on an ephemeral HTTPS port, where no privileged port is needed. A
 * connection string's host name may not carry a port (the SDK refuses it), but the client built from a host name
 * and a SAS credential addresses {@code https://HOST:PORT/...}. The same scenarios run on 443 in
 * AzureSdkStandardPortsIT.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServiceSdkAnyPortIT {

    private static final String CONFIG = """
            bindAddress: 127.0.0.1
            mqtt: {port: 0, plainPort: 0}
            amqp: {port: 0, plainPort: 0}
            https: {port: 0}
            health: {port: 0}
            """;

    private GatewayProcess gateway;
    private SSLSocketFactory previousHttpsFactory;
    private RegistryClient registry;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        gateway = GatewayProcess.configured(dir.resolve("data"), CONFIG).start();
        // the registry client has no TLS option: it uses HttpsURLConnection's defaults (restored afterwards)
        previousHttpsFactory = HttpsURLConnection.getDefaultSSLSocketFactory();
        HttpsURLConnection.setDefaultSSLSocketFactory(DevelopmentCaTrust.sslContext(gateway.caCertificate()).getSocketFactory());
        Map<String, String> cs = GatewayProcess.parts(gateway.serviceConnectionString());
        String token = SasTokens.serviceToken(cs.get("HostName"), cs.get("SharedAccessKeyName"), cs.get("SharedAccessKey"),
                Instant.now().plusSeconds(3600));
        registry = new RegistryClient(cs.get("HostName") + ":" + gateway.port("https"), new AzureSasCredential(token));
    }

    @AfterAll
    void stop() throws Exception {
        if (previousHttpsFactory != null) {
            HttpsURLConnection.setDefaultSSLSocketFactory(previousHttpsFactory);
        }
        if (gateway != null) {
            assertThat(gateway.stop()).isIn(0, 143);
        }
    }

    @Test
    void registryClientAddsGetsUpdatesAndDeletesADevice() throws Exception {
        Device request = new Device("any-port-1");
        Device added = registry.addDevice(request);
        assertThat(added.getPrimaryKey()).isEqualTo(request.getPrimaryKey());
        assertThat(added.getGenerationId()).isNotBlank();

        Device got = registry.getDevice("any-port-1");
        assertThat(got.getETag()).isEqualTo(added.getETag());
        got.setStatus(DeviceStatus.Disabled);
        Device updated = registry.updateDevice(got);
        assertThat(updated.getStatus()).isEqualTo(DeviceStatus.Disabled);
        assertThat(registry.getStatistics().getDisabledDeviceCount()).isEqualTo(1);

        assertThatThrownBy(() -> registry.removeDevice(added)).isInstanceOf(IotHubPreconditionFailedException.class);
        registry.removeDevice(updated);
        assertThatThrownBy(() -> registry.getDevice("any-port-1")).isInstanceOf(IotHubNotFoundException.class);
    }
}
