package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The packaged gateway ({@code gatehouse.jar start}) as its own OS process, as a user runs it: a YAML
 * configuration file, a data directory, stdout read for the start banner, stderr kept in a log file.
 * It can be stopped with SIGTERM, killed with SIGKILL ({@code kill -9}) and started again on the same data.
 */
public final class GatewayProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dataDir;
    private final List<String> command;
    private final Path workDir;
    private Process process;
    private final List<String> stdout = new ArrayList<>();
    private JsonNode info;
    private int starts;

    private GatewayProcess(Path dataDir, List<String> command, Path workDir) {
        this.dataDir = dataDir;
        this.command = List.copyOf(command);
        this.workDir = workDir;
    }

    /** A gateway with {@code yaml} as its configuration file, in {@code dataDir}. Not started yet. */
    public static GatewayProcess configured(Path dataDir, String yaml, String... extraArgs) throws IOException {
        return new GatewayProcess(dataDir, jarCommand(dataDir, yaml, extraArgs), null);
    }

    /**
     * What the README's quick start runs: the repository's {@code ./gatehouse start} with no option, in
     * {@code workDir}, so the data directory is {@code workDir/data}.
     */
    public static GatewayProcess launcher(Path workDir) {
        return new GatewayProcess(workDir.resolve("data"), List.of(launcherScript().toString(), "start"), workDir);
    }

    /** The repository's {@code gatehouse} launcher script. */
    public static Path launcherScript() {
        return jar().getParent().getParent().getParent().resolve("gatehouse");
    }

    private static List<String> jarCommand(Path dataDir, String yaml, String... extraArgs) throws IOException {
        Files.createDirectories(dataDir);
        Path config = dataDir.resolveSibling(dataDir.getFileName() + ".yaml");
        Files.writeString(config, yaml);
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx512m", "-jar", jar().toString(), "start",
                "--config", config.toString(), "--data-dir", dataDir.toString()));
        command.addAll(List.of(extraArgs));
        return command;
    }

    /**
     * The same, run by an ordinary user: this JVM's user when it is not root; when it is root, {@code nobody}
     * (through util-linux's setpriv), with the data directory opened up for it. Empty when neither is possible.
     */
    public static Optional<GatewayProcess> configuredForOrdinaryUser(Path dataDir, String yaml) throws IOException {
        List<String> command = jarCommand(dataDir, yaml);
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of(new GatewayProcess(dataDir, command, null));
        }
        Path setpriv = Path.of("/usr/bin/setpriv");
        if (!Files.isExecutable(setpriv)) {
            return Optional.empty();
        }
        Files.setPosixFilePermissions(dataDir.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        List<String> asNobody = new ArrayList<>(List.of(setpriv.toString(), "--reuid=nobody", "--regid=nogroup",
                "--clear-groups", "--"));
        asNobody.addAll(command);
        return Optional.of(new GatewayProcess(dataDir, asNobody, null));
    }

    /** The gateway jar built by gateway-server (failsafe passes its path). */
    public static Path jar() {
        return Path.of(System.getProperty("gatehouse.jar", "../gateway-server/target/gatehouse.jar")).toAbsolutePath();
    }

    /** Runs {@code gatehouse ARGS} to completion (for commands that exit by themselves). */
    public static Result run(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-jar", jar().toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("gatehouse " + String.join(" ", args) + " did not exit within " + timeout);
        }
        return new Result(p.exitValue(), out.join(), err.join());
    }

    public record Result(int exitCode, String stdout, String stderr) {
    }

    /** Starts the process and waits until it accepts connections. */
    public GatewayProcess start() throws IOException, InterruptedException, TimeoutException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        starts++;
        Files.createDirectories(dataDir);
        ProcessBuilder builder = new ProcessBuilder(command);
        if (workDir != null) {
            builder.directory(workDir.toFile());
        }
        process = ChildProcesses.killOnExit(builder
                .redirectError(ProcessBuilder.Redirect.appendTo(dataDir.resolveSibling(dataDir.getFileName() + ".log").toFile()))
                .start());
        CompletableFuture<Void> banner = new CompletableFuture<>();
        Thread reader = new Thread(() -> readStdout(banner), "gateway-stdout-" + starts);
        reader.setDaemon(true);
        reader.start();
        try {
            banner.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("the gateway did not start: " + e.getCause().getMessage() + "; log: " + log());
        } catch (TimeoutException e) {
            process.destroyForcibly();
            throw e;
        }
        info = JSON.readTree(dataDir.resolve("gatehouse.json").toFile());
        return this;
    }

    private void readStdout(CompletableFuture<Void> banner) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                synchronized (stdout) {
                    stdout.add(line);
                }
                if (line.startsWith("Gatehouse is running")) {
                    banner.complete(null);
                }
            }
            banner.completeExceptionally(new IllegalStateException("exited with " + process.waitFor()));
        } catch (IOException | InterruptedException e) {
            banner.completeExceptionally(e);
        }
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM and wait: the graceful shutdown. Returns the exit code. */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the gateway did not stop within 30 s of SIGTERM");
        }
        return process.exitValue();
    }

    /**
     * Stops gracefully and asserts what every test run expects of the log: each refusal a test caused is a client
     * error logged in one line, never with a stack trace or at ERROR.
     */
    public void stopCleanly() throws InterruptedException, IOException {
        assertThat(stop()).as("graceful stop").isIn(0, 143);
        assertThat(log()).doesNotContain("\tat ").doesNotContain(" ERROR ");
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** The bound port of a listener ({@code https}, {@code mqtt}, {@code mqtt-plain}, {@code amqp}, {@code amqp-plain}). */
    public int port(String listener) {
        JsonNode port = info.path("ports").get(listener);
        if (port == null) {
            throw new IllegalArgumentException("no listener " + listener + " in " + info);
        }
        return port.asInt();
    }

    public String serviceConnectionString() {
        return info.path("serviceConnectionString").asText();
    }

    public Path caCertificate() {
        return Path.of(info.path("trustFile").asText());
    }

    public Path dataDir() {
        return dataDir;
    }

    public List<String> stdout() {
        synchronized (stdout) {
            return List.copyOf(stdout);
        }
    }

    public String log() throws IOException {
        Path log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** The {@code Key=Value;...} parts of a connection string. */
    public static Map<String, String> parts(String connectionString) {
        Map<String, String> parts = new LinkedHashMap<>();
        for (String part : connectionString.split(";")) {
            int eq = part.indexOf('=');
            parts.put(part.substring(0, eq), part.substring(eq + 1));
        }
        return parts;
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill();
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String readAll(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
