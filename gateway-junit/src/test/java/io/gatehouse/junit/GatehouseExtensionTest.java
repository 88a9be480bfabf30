package io.gatehouse.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.model.DeviceId;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The JUnit extension starts a whole gateway in-process on ephemeral ports with the declared devices. */
class GatehouseExtensionTest {

    @RegisterExtension
    static GatehouseExtension hub = GatehouseExtension.builder()
            .device("ext-1")
            .set("cloudToDevice.maxDeliveryCount", "3")
            .build();

    @Test
    void startsWithDevicesSettingsAndListeners() throws Exception {
        assertThat(hub.gatehouse().core().registry().get(DeviceId.of("ext-1"))).isPresent();
        assertThat(hub.gatehouse().core().settings().c2dMaxDeliveryCount()).isEqualTo(3);
        assertThat(hub.deviceConnectionString("ext-1")).startsWith("HostName=127.0.0.1;DeviceId=ext-1;SharedAccessKey=");
        assertThat(hub.serviceConnectionString()).contains("SharedAccessKeyName=iothubowner");
        assertThat(hub.caCertificate()).exists();
        int https = hub.port("https");
        assertThat(https).isPositive();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", https), 2000);
            assertThat(socket.isConnected()).isTrue();
        }
    }
}
