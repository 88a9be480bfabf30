package io.gatehouse.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.tls.DevelopmentPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The development certificates the test hubs of one machine share. */
class TestCertificatesTest {

    @TempDir
    Path dir;

    @Test
    void theSharedSetIsMadeOnceAndKeptWhole() throws Exception {
        Path shared = dir.resolve("shared");
        byte[] ca = Files.readAllBytes(TestCertificates.shared(shared).resolve(DevelopmentPki.CA_CERT));

        assertThat(Files.readAllBytes(TestCertificates.shared(shared).resolve(DevelopmentPki.CA_CERT))).isEqualTo(ca);
        assertThat(DevelopmentPki.loadOrCreate(shared, List.of()).caCertificate().getEncoded()).isNotEmpty();
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).as("no half-made set left beside it").containsExactly(shared);
        }
    }

    @Test
    void jvmsMakingItAtOnceEndWithOneSet() throws Exception {
        Path shared = dir.resolve("shared");
        int racers = 4;
        CountDownLatch start = new CountDownLatch(1);
        Callable<byte[]> race = () -> {
            start.await();
            return Files.readAllBytes(TestCertificates.shared(shared).resolve(DevelopmentPki.CA_KEY));
        };
        ExecutorService pool = Executors.newFixedThreadPool(racers);
        try {
            List<Future<byte[]>> results = Stream.generate(() -> pool.submit(race)).limit(racers).toList();
            start.countDown();
            byte[] first = results.get(0).get();
            for (Future<byte[]> result : results) {
                assertThat(result.get()).isEqualTo(first);
            }
        } finally {
            pool.shutdownNow();
        }
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).containsExactly(shared);
        }
    }

    @Test
    void aHubGetsACopyWithItsKeysReadableByTheOwnerOnly() throws Exception {
        Path tls = dir.resolve("data").resolve("tls");
        TestCertificates.seed(tls);

        DevelopmentPki pki = DevelopmentPki.loadOrCreate(tls, List.of("127.0.0.1"));
        Path shared = Path.of(System.getProperty("java.io.tmpdir"), "gatehouse-test-certificates-" + System.getProperty("user.name"));
        assertThat(Files.readAllBytes(pki.caCertificateFile())).isEqualTo(Files.readAllBytes(shared.resolve(DevelopmentPki.CA_CERT)));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tls.resolve(DevelopmentPki.SERVER_KEY))))
                .isEqualTo("rw-------");
    }
}
