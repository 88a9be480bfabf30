package io.gatehouse.cluster.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server from the operating system's binaries ({@code initdb}, {@code postgres}:
 * Debian's {@code postgresql} package, or the directory {@code GATEHOUSE_POSTGRES_BIN} names), in a temporary
 * directory, on an ephemeral port of 127.0.0.1, with its socket in that directory. PostgreSQL refuses to run
 * as root, so under root it runs as {@value #UNPRIVILEGED_USER} through {@code setpriv}, owning its directory.
 * Tests get a fresh schema each with {@link #newSchemaUrl}.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    public static final String USER = "gatehouse";
    static final String UNPRIVILEGED_USER = "nobody";
    static final String UNPRIVILEGED_GROUP = "nogroup";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
    private static final AtomicInteger SCHEMAS = new AtomicInteger();

    private final Path directory;
    private final Path binaries;
    private final int port;
    private final boolean fsync;
    private final String url;
    private Process process;

    private EmbeddedPostgres(Path directory, Path binaries, int port, boolean fsync) {
        this.directory = directory;
        this.binaries = binaries;
        this.port = port;
        this.fsync = fsync;
        this.url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    /** Why PostgreSQL cannot be started here, or empty when it can be. */
    public static Optional<String> unavailableReason() {
        if (binaries().isEmpty()) {
            return Optional.of("no PostgreSQL binaries (initdb, postgres) in /usr/lib/postgresql/*/bin or GATEHOUSE_POSTGRES_BIN;"
                    + " install Debian's postgresql package");
        }
        if (isRoot() && !Files.isExecutable(Paths.get("/usr/bin/setpriv"))) {
            return Optional.of("running as root without /usr/bin/setpriv to start PostgreSQL as " + UNPRIVILEGED_USER);
        }
        return Optional.empty();
    }

    /** Initialises a cluster and starts the server without fsync; returns once it accepts connections. */
    public static EmbeddedPostgres start() throws IOException, InterruptedException {
        return start(false);
    }

    /**
     * Initialises a cluster and starts the server; returns once it accepts connections.
     *
     * @param fsync whether commits wait for the disk, as in production (benchmarks); tests do not need it
     */
    public static EmbeddedPostgres start(boolean fsync) throws IOException, InterruptedException {
        Path bin = binaries().orElseThrow(() -> new IllegalStateException(unavailableReason().orElseThrow()));
        Path directory = Files.createTempDirectory("gatehouse-pg");
        if (isRoot()) {
            giveToUnprivilegedUser(directory);
        }
        run(bin, directory.resolve("initdb.log"), "initdb", "-D", directory.resolve("data").toString(), "-U", USER,
                "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync");
        EmbeddedPostgres postgres = new EmbeddedPostgres(directory, bin, EmbeddedKafka.freePort(), fsync);
        postgres.launch();
        return postgres;
    }

    /** Stops the server at once, as a crash would (for outage tests); {@link #restart} brings it back. */
    public void stop() {
        try {
            Process stop = new ProcessBuilder(command(binaries, "pg_ctl", "stop", "-D", directory.resolve("data").toString(),
                    "-m", "immediate")).redirectErrorStream(true).redirectOutput(directory.resolve("stop.log").toFile()).start();
            ChildProcesses.awaitExit(stop, STOP_TIMEOUT);
        } catch (IOException e) {
            process.destroyForcibly();
        }
        ChildProcesses.awaitExit(process, STOP_TIMEOUT);
    }

    /** Starts the stopped server again, on the same port with the same data; returns once it accepts connections. */
    public void restart() throws IOException, InterruptedException {
        launch();
    }

    private void launch() throws IOException, InterruptedException {
        Path log = directory.resolve("postgres.log");
        process = new ProcessBuilder(command(binaries, "postgres", "-D", directory.resolve("data").toString(),
                "-p", Integer.toString(port), "-h", "127.0.0.1", "-k", directory.toString(),
                "-c", "fsync=" + (fsync ? "on" : "off"), "-c", "max_connections=50"))
                .redirectErrorStream(true).start();
        CompletableFuture<Void> ready = ChildProcesses.watch(process, log,
                line -> line.contains("database system is ready to accept connections"));
        ChildProcesses.awaitReady("PostgreSQL", ready, START_TIMEOUT, log, this);
    }

    /** The JDBC URL of the server's {@code postgres} database (user {@value #USER}, no password). */
    public String url() {
        return url;
    }

    /** Creates a new, empty schema and returns a URL whose connections use it: one store's own tables. */
    public String newSchemaUrl() throws SQLException {
        String schema = "test_" + SCHEMAS.incrementAndGet();
        try (Connection c = DriverManager.getConnection(url, USER, ""); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        return url + "?currentSchema=" + schema;
    }

    /** Stops the server at once (no checkpoint: its files are deleted) and deletes its directory. */
    @Override
    public void close() {
        stop();
        TempFiles.deleteTree(directory);
    }

    private static void run(Path bin, Path log, String program, String... args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command(bin, program, args)).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(program + " did not finish within " + START_TIMEOUT.toSeconds() + " s");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(program + " failed with exit code " + p.exitValue() + ": " + ChildProcesses.tail(log));
        }
    }

    /** The command line of a PostgreSQL program, run as the unprivileged user when we are root. */
    private static List<String> command(Path bin, String program, String... args) {
        List<String> command = new ArrayList<>();
        if (isRoot()) {
            command.addAll(List.of("/usr/bin/setpriv", "--reuid=" + UNPRIVILEGED_USER, "--regid=" + UNPRIVILEGED_GROUP,
                    "--clear-groups"));
        }
        command.add(bin.resolve(program).toString());
        command.addAll(List.of(args));
        return command;
    }

    private static void giveToUnprivilegedUser(Path directory) throws IOException {
        UserPrincipalLookupService users = directory.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal user = users.lookupPrincipalByName(UNPRIVILEGED_USER);
        GroupPrincipal group = users.lookupPrincipalByGroupName(UNPRIVILEGED_GROUP);
        PosixFileAttributeView view = Files.getFileAttributeView(directory, PosixFileAttributeView.class);
        view.setOwner(user);
        view.setGroup(group);
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static Optional<Path> binaries() {
        String configured = System.getenv("GATEHOUSE_POSTGRES_BIN");
        if (configured != null) {
            return Optional.of(Paths.get(configured)).filter(EmbeddedPostgres::hasServerPrograms);
        }
        Path debian = Paths.get("/usr/lib/postgresql");
        if (!Files.isDirectory(debian)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(debian)) {
            // the newest installed major version
            return versions.map(v -> v.resolve("bin")).filter(EmbeddedPostgres::hasServerPrograms)
                    .max(Comparator.comparingInt(EmbeddedPostgres::majorVersion));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean hasServerPrograms(Path bin) {
        return Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("postgres"))
                && Files.isExecutable(bin.resolve("pg_ctl"));
    }

    private static int majorVersion(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
