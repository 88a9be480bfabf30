package io.gatehouse.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * HAProxy ({@code /usr/sbin/haproxy}, Debian's {@code haproxy} package) in front of gateway processes, as an operator
 * would put a TCP load balancer in front of a cluster: one frontend per {@link Route} on a loopback port (ephemeral
 * unless given), TCP mode (TLS passes through to the nodes), round robin over the nodes' ports of that route, each
 * node checked with {@code GET /health} on its health port every 500 ms and taken out after one failed check (a
 * refused connection after {@code kill -9}). A connection that cannot reach the chosen node is dispatched to another.
 * A stats page on one more port shows what HAProxy thinks of each node. Idle connections are kept for 10 minutes,
 * longer than any client's keep-alive (the Azure device SDK's MQTT keep-alive is 230 s).
 *
 * <p>It runs in the foreground ({@code -db}) as a child process of the test, as whichever user runs the test: the
 * configuration has no {@code user}/{@code group} lines, so it needs no more than the ports it binds.
 */
final class HaproxyProcess implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/sbin/haproxy");
    // columns of the stats CSV: # pxname,svname,qcur,qmax,scur,smax,slim,stot,...,wredis,status,...
    private static final int SESSIONS_TOTAL = 7;
    private static final int STATUS = 17;

    /** A backend server: its name in HAProxy, the port it forwards to and the port of its health check. */
    record Backend(String name, int port, int healthPort) {
    }

    /** A frontend and the servers behind it: {@code name} names both in HAProxy; {@code port} 0 = an ephemeral one. */
    record Route(String name, int port, List<Backend> backends) {
    }

    private final Path log;
    private final Map<String, Integer> frontendPorts;
    private final int statsPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;

    private HaproxyProcess(Path log, Map<String, Integer> frontendPorts, int statsPort) {
        this.log = log;
        this.frontendPorts = frontendPorts;
        this.statsPort = statsPort;
    }

    /** Writes the configuration into {@code dir}, starts HAProxy, and waits until its frontends take connections. */
    static HaproxyProcess start(Path dir, List<Route> routes) throws IOException {
        Files.createDirectories(dir);
        int statsPort = freePort();
        StringBuilder cfg = new StringBuilder("""
                global
                    maxconn 4096

                defaults
                    mode tcp
                    timeout connect 2s
                    timeout client 10m
                    timeout server 10m
                    retries 3
                    option redispatch

                frontend stats
                    mode http
                    bind 127.0.0.1:%d
                    stats enable
                    stats uri /stats
                    stats refresh 1s
                """.formatted(statsPort));
        Map<String, Integer> frontendPorts = new LinkedHashMap<>();
        for (Route route : routes) {
            int port = route.port() == 0 ? freePort() : route.port();
            frontendPorts.put(route.name(), port);
            cfg.append("""

                    frontend %1$s
                        bind 127.0.0.1:%2$d
                        default_backend %1$s

                    backend %1$s
                        balance roundrobin
                        option httpchk GET /health
                        default-server inter 500 fall 1 rise 1
                    """.formatted(route.name(), port));
            for (Backend b : route.backends()) {
                cfg.append("    server ").append(b.name()).append(" 127.0.0.1:").append(b.port())
                        .append(" check port ").append(b.healthPort()).append('\n');
            }
        }
        Path config = dir.resolve("haproxy.cfg");
        Files.writeString(config, cfg);
        Path log = dir.resolve("haproxy.log");
        HaproxyProcess haproxy = new HaproxyProcess(log, frontendPorts, statsPort);
        haproxy.process = ChildProcesses.killOnExit(new ProcessBuilder(BINARY.toString(), "-f", config.toString(), "-db")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start());
        try {
            // HAProxy binds every listener before it serves any: its stats page answering means the frontend is up
            // too (a probe of the frontend itself would be a connection to a node)
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        if (!haproxy.process.isAlive()) {
                            throw new IllegalStateException("exited with " + haproxy.process.exitValue());
                        }
                        try {
                            haproxy.statsCsv();
                            return true;
                        } catch (IOException e) {
                            return false;
                        }
                    });
        } catch (RuntimeException | Error e) {
            haproxy.close();
            throw new IllegalStateException("haproxy did not start: " + haproxy.log(), e);
        }
        return haproxy;
    }

    /** The port clients of {@code route} dial. */
    int port(String route) {
        return frontendPorts.get(route);
    }

    /**
     * What HAProxy thinks of each server behind {@code route} now ({@code UP}, {@code DOWN}, ...), by name, from its
     * stats page.
     */
    Map<String, String> serverStatus(String route) throws IOException, InterruptedException {
        return serverColumn(route, STATUS);
    }

    /** How many connections HAProxy has handed to each server behind {@code route} so far, by name. */
    Map<String, Integer> sessionsServed(String route) throws IOException, InterruptedException {
        Map<String, Integer> sessions = new LinkedHashMap<>();
        serverColumn(route, SESSIONS_TOTAL).forEach((server, count) -> sessions.put(server, Integer.parseInt(count)));
        return sessions;
    }

    /** One column of the stats CSV for each server behind {@code route}. */
    private Map<String, String> serverColumn(String route, int column) throws IOException, InterruptedException {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : statsCsv().split("\n")) {
            String[] fields = line.split(",", -1);
            if (fields.length > column && route.equals(fields[0]) && !"BACKEND".equals(fields[1])
                    && !"FRONTEND".equals(fields[1])) {
                values.put(fields[1], fields[column]);
            }
        }
        return values;
    }

    /** Whether every server behind every route is up. */
    boolean allUp() throws IOException, InterruptedException {
        for (String route : frontendPorts.keySet()) {
            Map<String, String> status = serverStatus(route);
            if (status.isEmpty() || !status.values().stream().allMatch("UP"::equals)) {
                return false;
            }
        }
        return true;
    }

    private String statsCsv() throws IOException, InterruptedException {
        URI page = URI.create("http://127.0.0.1:" + statsPort + "/stats;csv");
        return http.send(HttpRequest.newBuilder(page).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A port nothing listens on right now: bound on 0 and released (HAProxy binds it a moment later). */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }
}
