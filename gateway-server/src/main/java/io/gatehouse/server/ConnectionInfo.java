package io.gatehouse.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * What a client needs to reach a running gateway, written to {@code gatehouse.json} in its data directory
 * (readable by its owner only: it holds the owner connection string) so the CLI works with no flags from
 * the same place.
 */
public record ConnectionInfo(String hostName, Map<String, Integer> ports, String serviceConnectionString,
                             String eventHubConnectionString, String trustFile) {

    /** The REST port, or -1 when the gateway has no REST listener. */
    public int httpsPort() {
        return ports.getOrDefault("https", -1);
    }

    public static final String FILE_NAME = "gatehouse.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public void write(Path dataDir) throws IOException {
        Path target = dataDir.resolve(FILE_NAME);
        Path temp = dataDir.resolve(FILE_NAME + ".tmp");
        Files.write(temp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(this));
        try {
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static ConnectionInfo read(Path dataDir) throws IOException {
        return JSON.readValue(dataDir.resolve(FILE_NAME).toFile(), ConnectionInfo.class);
    }
}
