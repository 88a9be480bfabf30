package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quick start, run as written: its {@code ./gatehouse start} (the launcher script, default
 * configuration) and then each of its CLI commands, read from README.md itself so the two cannot drift apart.
 * Commands that follow a stream run until they print what the quick start leads a reader to expect.
 */
class ReadmeQuickStartIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Pattern SH_BLOCK = Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL);
    private static final String TELEMETRY = "{\"temperature\":21.5,\"source\":\"readme\"}";

    @Test
    void theQuickStartRunsAsWritten(@TempDir Path workDir) throws Exception {
        List<List<String>> blocks = quickStartCommands();
        assertThat(blocks.get(0)).containsExactly("./gatehouse start");
        List<String> cli = blocks.get(1);
        assertThat(cli).isNotEmpty().allMatch(line -> line.startsWith("./gatehouse "));

        StandardPorts.awaitFree(8883, 1883, 5671, 5672, 9080);
        try (GatewayProcess gateway = GatewayProcess.launcher(workDir).start()) {
            assertThat(gateway.stdout()).contains("Gatehouse", "  Store:                      journal, sync=batch (durable)",
                    "  Hub host name:              127.0.0.1", "Gatehouse is running.");
            Mqtt3AsyncClient device = null;
            for (String line : cli) {
                List<String> args = words(line.substring("./gatehouse ".length()));
                if (args.contains("--follow")) {
                    assertThat(follow(workDir, args, expectedLine(args))).as(line).isTrue();
                    continue;
                }
                GatewayProcess.Result result = run(workDir, args);
                assertThat(result.exitCode()).as(line + ": " + result.stderr()).isZero();
                if (args.subList(0, 2).equals(List.of("device", "create"))) {
                    Map<String, String> cs = GatewayProcess.parts(result.stdout().strip());
                    assertThat(cs.get("HostName")).isEqualTo("127.0.0.1");
                    device = connectAndSendTelemetry(gateway, cs.get("DeviceId"), cs.get("SharedAccessKey"));
                } else if (args.subList(0, 2).equals(List.of("device", "list"))) {
                    assertThat(result.stdout()).contains("thermostat-1");
                }
            }
            if (device != null) {
                device.disconnect().get(10, TimeUnit.SECONDS);
            }
        }
    }

    /** What a stream command of the quick start shows once the device has done its part. */
    private static String expectedLine(List<String> args) {
        return switch (args.get(0)) {
            case "feedback" -> "Success";
            case "events" -> "readme";
            default -> throw new AssertionError("no expectation for " + args);
        };
    }

    /** The device of the quick start: it completes its C2D messages (PUBACK) and sends one telemetry event. */
    private static Mqtt3AsyncClient connectAndSendTelemetry(GatewayProcess gateway, String deviceId, String key) throws Exception {
        Mqtt3AsyncClient client = MqttDevices.client(gateway, deviceId, key);
        client.connectWith().cleanSession(false).send().get(10, TimeUnit.SECONDS);
        client.subscribeWith().topicFilter("devices/" + deviceId + "/messages/devicebound/#").qos(MqttQos.AT_LEAST_ONCE)
                .callback((Mqtt3Publish publish) -> { }).send().get(10, TimeUnit.SECONDS);
        client.publishWith().topic("devices/" + deviceId + "/messages/events/").qos(MqttQos.AT_LEAST_ONCE)
                .payload(TELEMETRY.getBytes(StandardCharsets.UTF_8)).send().get(10, TimeUnit.SECONDS);
        return client;
    }

    private static GatewayProcess.Result run(Path workDir, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(GatewayProcess.launcherScript().toString()));
        command.addAll(args);
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        if (!p.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", args) + " did not exit within " + WAIT);
        }
        return new GatewayProcess.Result(p.exitValue(), out.join(), err.join());
    }

    /** Runs a command that never ends by itself until it prints a line containing {@code expected}. */
    private static boolean follow(Path workDir, List<String> args, String expected) throws Exception {
        List<String> command = new ArrayList<>(List.of(GatewayProcess.launcherScript().toString()));
        command.addAll(args);
        Process p = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            CompletableFuture<Boolean> seen = CompletableFuture.supplyAsync(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        if (line.contains(expected)) {
                            return true;
                        }
                    }
                    return false;
                } catch (IOException e) {
                    return false;
                }
            });
            return seen.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The lines of the sh blocks of README.md's "Quick start" section, one list per block, comments removed. */
    private static List<List<String>> quickStartCommands() throws IOException {
        String readme = Files.readString(GatewayProcess.launcherScript().resolveSibling("README.md"));
        int start = readme.indexOf("## Quick start");
        String section = readme.substring(start, readme.indexOf("\n## ", start + 1));
        List<List<String>> blocks = new ArrayList<>();
        Matcher m = SH_BLOCK.matcher(section);
        while (m.find()) {
            List<String> lines = new ArrayList<>();
            for (String line : m.group(1).split("\n")) {
                String command = line.replaceFirst("\\s+#.*$", "").strip();
                if (!command.isEmpty()) {
                    lines.add(command);
                }
            }
            blocks.add(lines);
        }
        return blocks;
    }

    /** Shell words: blanks separate, double quotes group (all the quick start uses). */
    private static List<String> words(String line) {
        List<String> words = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(line);
        while (m.find()) {
            words.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        return words;
    }

    private static String readAll(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
