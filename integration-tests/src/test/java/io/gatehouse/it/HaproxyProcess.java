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
 * would put a TCP load balancer in front of a cluster: one frontend on an ephemeral loopback port, TCP mode, round
 * robin over the nodes' plain MQTT ports, each node checked with {@code GET /health} on its health port every 500 ms
 * and taken out after one failed check (a refused connection after {@code kill -9}). A connection that cannot reach
 * the chosen node is dispatched to another. A stats page on a second port shows what HAProxy thinks of each node.
 *
 * <p>It runs in the foreground ({@code -db}) as a child process of the test, as whichever user runs the test: the
 * configuration has no {@code user}/{@code group} lines and binds no privileged port, so neither root nor an ordinary
 * user needs anything else.
 */
final class HaproxyProcess implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/sbin/haproxy");

    /** A backend server: its name in HAProxy, the port it forwards to and the port of its health check. */
    record Backend(String name, int port, int healthPort) {
    }

    private final Path log;
    private final int frontendPort;
    private final int statsPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;

    private HaproxyProcess(Path log, int frontendPort, int statsPort) {
        this.log = log;
        this.frontendPort = frontendPort;
        this.statsPort = statsPort;
    }

    /** Writes the configuration into {@code dir}, starts HAProxy, and waits until its frontend takes connections. */
    static HaproxyProcess start(Path dir, List<Backend> backends) throws IOException {
        Files.createDirectories(dir);
        int frontendPort = freePort();
        int statsPort = freePort();
        StringBuilder cfg = new StringBuilder("""
                global
                    maxconn 4096

                defaults
                    mode tcp
                    timeout connect 2s
                    timeout client 60s
                    timeout server 60s
                    retries 3
                    option redispatch

                frontend stats
                    mode http
                    bind 127.0.0.1:%d
                    stats enable
                    stats uri /stats
                    stats refresh 1s

                frontend mqtt
                    bind 127.0.0.1:%d
                    default_backend nodes

                backend nodes
                    balance roundrobin
                    option httpchk GET /health
                    default-server inter 500 fall 1 rise 1
                """.formatted(statsPort, frontendPort));
        for (Backend b : backends) {
            cfg.append("    server ").append(b.name()).append(" 127.0.0.1:").append(b.port())
                    .append(" check port ").append(b.healthPort()).append('\n');
        }
        Path config = dir.resolve("haproxy.cfg");
        Files.writeString(config, cfg);
        Path log = dir.resolve("haproxy.log");
        HaproxyProcess haproxy = new HaproxyProcess(log, frontendPort, statsPort);
        haproxy.process = new ProcessBuilder(BINARY.toString(), "-f", config.toString(), "-db")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        try {
            // HAProxy binds every listener before it serves any: its stats page answering means the frontend is up
            // too (a probe of the frontend itself would be a connection to a node)
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        if (!haproxy.process.isAlive()) {
                            throw new IllegalStateException("exited with " + haproxy.process.exitValue());
                        }
                        try {
                            haproxy.serverStatus();
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

    /** The frontend port devices dial. */
    int port() {
        return frontendPort;
    }

    /** What HAProxy thinks of each backend server now ({@code UP}, {@code DOWN}, ...), by name, from its stats page. */
    Map<String, String> serverStatus() throws IOException, InterruptedException {
        URI page = URI.create("http://127.0.0.1:" + statsPort + "/stats;csv");
        HttpResponse<String> csv = http.send(HttpRequest.newBuilder(page)
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        Map<String, String> status = new LinkedHashMap<>();
        for (String line : csv.body().split("\n")) {
            String[] fields = line.split(",", -1);
            // # pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,...
            if (fields.length > 17 && "nodes".equals(fields[0]) && !"BACKEND".equals(fields[1])) {
                status.put(fields[1], fields[17]);
            }
        }
        return status;
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
