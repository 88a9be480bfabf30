package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The twins and methods suite against one packaged gateway process listening on the standard ports itself. */
class TwinsAndMethodsStandardPortsIT extends TwinsAndMethodsSuite {

    private static final String CONFIG = StandardPorts.config(HOST, "");

    private Path dataDir;
    private GatewayProcess gateway;

    @Override
    protected HubEndpoint startHub(Path dir) throws Exception {
        dataDir = dir.resolve("data");
        gateway = GatewayProcess.configured(dataDir, CONFIG).start();
        return HubEndpoint.of(gateway);
    }

    @Override
    protected String hubLog() throws IOException {
        return gateway.log();
    }

    @Override
    protected Path cliDataDir() {
        return dataDir;
    }

    @Override
    protected void restartHub() throws Exception {
        assertThat(gateway.stop()).isIn(0, 143);
        gateway = GatewayProcess.configured(dataDir, CONFIG).start();
    }

    @Override
    protected void stopHub() throws Exception {
        if (gateway != null) {
            int exit = gateway.stop();
            // kept for a look after a failure: the data directory goes with the test
            Files.writeString(Path.of("target", getClass().getSimpleName() + "-gateway.log"), gateway.log());
            assertThat(exit).as("graceful stop").isIn(0, 143);
            assertThat(gateway.log()).doesNotContain("\tat ").doesNotContain(" ERROR ");
        }
    }
}
