package io.gatehouse.junit;

import io.gatehouse.tls.DevelopmentPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Development certificates shared by the test hubs of one user on one machine. Creating a CA and a server
 * certificate (key generation, signing, loading BouncyCastle) was about 0.4 s of a test JVM's first hub; reading
 * existing ones takes the JDK a few milliseconds. The set is made once, in the temporary directory, and each hub
 * gets a copy in its own data directory, where it would otherwise create its own.
 */
final class TestCertificates {

    private static final List<String> FILES = List.of(DevelopmentPki.CA_CERT, DevelopmentPki.CA_KEY,
            DevelopmentPki.SERVER_CERT, DevelopmentPki.SERVER_KEY);

    private TestCertificates() {
    }

    /** Copies the shared set into {@code tlsDirectory}; without it (any error) the hub creates its own, as before. */
    static void seed(Path tlsDirectory) {
        try {
            Path shared = shared(Path.of(System.getProperty("java.io.tmpdir"),
                    "gatehouse-test-certificates-" + System.getProperty("user.name")));
            Files.createDirectories(tlsDirectory);
            for (String file : FILES) {
                // the keys keep their owner-only permissions
                Files.copy(shared.resolve(file), tlsDirectory.resolve(file), StandardCopyOption.COPY_ATTRIBUTES);
            }
        } catch (IOException | RuntimeException e) {
            deleteQuietly(tlsDirectory);
        }
    }

    /** The shared set in {@code directory}, created there first if missing: whole or not at all, whatever runs at once. */
    static Path shared(Path directory) throws IOException {
        if (FILES.stream().allMatch(file -> Files.isRegularFile(directory.resolve(file)))) {
            return directory;
        }
        Path fresh = Files.createTempDirectory(directory.getParent(), directory.getFileName() + ".");
        try {
            DevelopmentPki.loadOrCreate(fresh, List.of());
            Files.move(fresh, directory, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (!Files.isDirectory(directory)) {
                throw e;
            }
            // another test JVM's set was moved in while this one was being made: theirs is used
        } finally {
            deleteQuietly(fresh);
        }
        return directory;
    }

    private static void deleteQuietly(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temporary directory: left for the system to clear
        }
    }
}
