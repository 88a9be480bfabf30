package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official Azure IoT Node SDKs (azure-iot-device over MQTT, azure-iothub over AMQP and HTTPS) with the
 * connection strings exactly as Gatehouse and its CLI print them, trusting the development CA through
 * {@code NODE_EXTRA_CA_CERTS}: telemetry, a registry read, and a C2D message that reaches the device. Skipped,
 * with the reason, where Node.js or npm is not installed or the SDKs' fixed ports may not be bound.
 */
class NodeSdkSmokeIT {

    private static final Path SCRIPT_DIR = Path.of("src/test/node").toAbsolutePath();

    @Test
    void theNodeSdksConnectWithThePrintedStrings(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(onPath("node") && onPath("npm"), "Node.js and npm are not installed");
        StandardPorts.requireBindable();
        Path work = Files.createDirectories(dir.resolve("node"));
        for (String file : List.of("package.json", "smoke.js")) {
            Files.copy(SCRIPT_DIR.resolve(file), work.resolve(file));
        }
        Result install = run(work, Map.of(), 300, "npm", "install", "--no-audit", "--no-fund", "--no-package-lock");
        Assumptions.assumeTrue(install.exitCode() == 0, () -> "npm could not install the Azure SDKs: " + install.output());

        String config = """
                bindAddress: 127.0.0.1
                mqtt: {plainPort: 0}
                amqp: {plainPort: 0}
                health: {port: 0}
                """;
        try (GatewayProcess gateway = GatewayProcess.configured(dir.resolve("data"), config).start()) {
            GatewayProcess.Result created = GatewayProcess.run(Duration.ofSeconds(60), "device", "create", "node-1",
                    "--data-dir", gateway.dataDir().toString());
            assertThat(created.exitCode()).as(created.stderr()).isZero();
            Result smoke = run(work, Map.of("NODE_EXTRA_CA_CERTS", gateway.caCertificate().toString()), 120,
                    "node", "smoke.js", created.stdout().strip(), gateway.serviceConnectionString());
            assertThat(smoke.exitCode()).as(smoke.output()).isZero();
            assertThat(smoke.output()).contains("telemetry sent", "registry: node-1 Connected", "c2d received: node-c2d");
        }
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(Path dir, Map<String, String> env, int seconds, String... command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process p = builder.start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within " + seconds + " s: " + output.getNow(""));
        }
        return new Result(p.exitValue(), output.join());
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
