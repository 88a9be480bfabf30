package io.gatehouse.server.cli;

import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.server.ConnectionInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * How the client commands reach a running gateway: its REST endpoint, the CA to trust, and a service
 * connection string. Defaults come from the {@code gatehouse.json} a gateway writes into its data directory.
 */
final class ServiceConnection {

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory of a local gateway (default ./data).")
    Path dataDir = Path.of("data");

    @Option(names = "--url", paramLabel = "URL", description = "REST endpoint, e.g. https://localhost:443.")
    String url;

    @Option(names = "--connection-string", paramLabel = "CS",
            description = "Service connection string (or GATEHOUSE_CONNECTION_STRING).")
    String connectionString;

    @Option(names = "--ca", paramLabel = "FILE", description = "PEM CA certificate to trust.")
    Path ca;

    /** The resolved endpoint: flags first, then environment, then the local gateway's gatehouse.json. */
    record Resolved(String url, String hostName, String policy, String key, Path ca) {
        String token() {
            return SasTokens.serviceToken(hostName, policy, key, Instant.now().plusSeconds(3600));
        }
    }

    Resolved resolve() throws IOException {
        ConnectionInfo info = null;
        if (url == null || connectionString == null || ca == null) {
            try {
                info = ConnectionInfo.read(dataDir);
            } catch (IOException e) {
                if (System.getenv("GATEHOUSE_CONNECTION_STRING") == null || url == null || ca == null) {
                    throw new IOException("no running gateway found in " + dataDir.toAbsolutePath()
                            + " (no " + ConnectionInfo.FILE_NAME + "); give --url, --connection-string and --ca");
                }
            }
        }
        String cs = connectionString != null ? connectionString
                : System.getenv("GATEHOUSE_CONNECTION_STRING") != null ? System.getenv("GATEHOUSE_CONNECTION_STRING")
                : info.serviceConnectionString();
        Map<String, String> parts = parse(cs);
        String host = parts.get("HostName");
        String policy = parts.get("SharedAccessKeyName");
        String key = parts.get("SharedAccessKey");
        if (host == null || policy == null || key == null) {
            throw new IOException("a service connection string needs HostName, SharedAccessKeyName and SharedAccessKey");
        }
        String endpoint = url != null ? url : "https://" + host + ":" + info.httpsPort();
        Path trust = ca != null ? ca : Path.of(info.trustFile());
        return new Resolved(endpoint, host, policy, key, trust);
    }

    static Map<String, String> parse(String connectionString) {
        Map<String, String> parts = new HashMap<>();
        for (String part : connectionString.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                parts.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
            }
        }
        return parts;
    }
}
