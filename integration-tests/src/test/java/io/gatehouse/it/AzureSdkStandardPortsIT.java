package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;

/** The Azure SDK lifecycle suite against one packaged gateway process listening on the standard ports itself. */
class AzureSdkStandardPortsIT extends AzureSdkLifecycleSuite {

    private GatewayProcess gateway;

    @Override
    protected HubEndpoint startHub(Path dir, String suiteConfig) throws Exception {
        gateway = GatewayProcess.configured(dir.resolve("data"), StandardPorts.config(HOST, suiteConfig)).start();
        assertThat(gateway.port("mqtt")).isEqualTo(8883);
        assertThat(gateway.port("amqp")).isEqualTo(5671);
        assertThat(gateway.port("https")).isEqualTo(443);
        return HubEndpoint.of(gateway);
    }

    @Override
    protected String hubLog() throws IOException {
        return gateway.log();
    }

    @Override
    protected void stopHub() throws Exception {
        if (gateway != null) {
            gateway.stopCleanly();
        }
    }
}
