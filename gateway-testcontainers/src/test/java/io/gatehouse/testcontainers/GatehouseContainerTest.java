package io.gatehouse.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/** Builds the image from the repository's Dockerfile and starts it. Skipped where no Docker engine runs. */
@Testcontainers(disabledWithoutDocker = true)
class GatehouseContainerTest {

    @Container
    static GatehouseContainer hub = new GatehouseContainer(new ImageFromDockerfile("gatehouse-test", false)
            .withFileFromPath(".", Path.of("..").toAbsolutePath().normalize()))
            .withDevice("container-1")
            .withSetting("cloudToDevice.maxDeliveryCount", "3");

    @Test
    void startsPrintsItsConnectionStringAndListens() throws Exception {
        assertThat(hub.getServiceConnectionString()).startsWith("HostName=").contains("SharedAccessKeyName=iothubowner");
        assertThat(hub.getCaCertificatePem()).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(hub.getLogs()).doesNotContain("ERROR");
        assertThat(hub.getDeviceConnectionString("container-1")).startsWith("HostName=").contains(";DeviceId=container-1;");
        assertThat(hub.getEventHubConnectionString()).startsWith("Endpoint=sb://").endsWith(";EntityPath=gatehouse");
        for (int port : new int[] {hub.getMqttPort(), hub.getMqttTlsPort(), hub.getAmqpPort(), hub.getAmqpTlsPort(), hub.getHttpsPort(), hub.getHealthPort()}) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(hub.getHost(), port), 5000);
                assertThat(socket.isConnected()).isTrue();
            }
        }
    }
}
