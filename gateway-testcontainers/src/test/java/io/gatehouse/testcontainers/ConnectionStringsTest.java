package io.gatehouse.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The container's connection strings come from what the gateway prints; checked without Docker. */
class ConnectionStringsTest {

    private static final String SERVICE = "HostName=127.0.0.1;SharedAccessKeyName=iothubowner;SharedAccessKey=a2V5a2V5a2V5a2V5a2V5a2V5=";

    @Test
    void theServiceStringIsTakenFromTheBanner() {
        String logs = "2026-12-03 INFO started\nGatehouse\n  Service connection string:  " + SERVICE + "\nGatehouse is running.\n";
        assertThat(ConnectionStrings.serviceFromBanner(logs)).isEqualTo(SERVICE);
        assertThatThrownBy(() -> ConnectionStrings.serviceFromBanner("starting...")).hasMessageContaining("not printed");
    }

    @Test
    void theDeviceStringIsTheLastLineOfDeviceShow() {
        String shown = "{\n  \"deviceId\" : \"d1\"\n}\nHostName=127.0.0.1;DeviceId=d1;SharedAccessKey=abc=\n";
        assertThat(ConnectionStrings.deviceFromShowOutput(shown)).isEqualTo("HostName=127.0.0.1;DeviceId=d1;SharedAccessKey=abc=");
        assertThatThrownBy(() -> ConnectionStrings.deviceFromShowOutput("{}")).hasMessageContaining("no connection string");
    }

    @Test
    void theEventHubStringNamesTheSameHostPolicyAndKeyAndTheHubAsEntity() {
        assertThat(ConnectionStrings.eventHub(SERVICE, "gatehouse")).isEqualTo(
                "Endpoint=sb://127.0.0.1/;SharedAccessKeyName=iothubowner;SharedAccessKey=a2V5a2V5a2V5a2V5a2V5a2V5=;EntityPath=gatehouse");
    }

    @Test
    void theDefaultImageIsPinnedToThisRelease() {
        String projectVersion = System.getProperty("gatehouse.version");
        assertThat(projectVersion).as("passed by the build").isNotBlank();
        assertThat(GatehouseContainer.DEFAULT_IMAGE.getVersionPart()).isEqualTo(projectVersion.replace("-SNAPSHOT", ""))
                .isNotEqualTo("latest");
    }
}
