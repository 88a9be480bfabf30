package io.gatehouse.it;

import java.nio.file.Path;

/** The device transports suite against one packaged gateway process listening on the standard ports itself. */
class AzureSdkDeviceTransportsIT extends AzureSdkDeviceTransportsSuite {

    private GatewayProcess gateway;

    @Override
    protected HubEndpoint startHub(Path dir, String suiteConfig) throws Exception {
        gateway = GatewayProcess.configured(dir.resolve("data"), StandardPorts.config(HOST, suiteConfig)).start();
        return HubEndpoint.of(gateway);
    }

    @Override
    protected void stopHub() throws Exception {
        if (gateway != null) {
            gateway.stopCleanly();
        }
    }
}
