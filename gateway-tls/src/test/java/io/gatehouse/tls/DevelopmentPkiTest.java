package io.gatehouse.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevelopmentPkiTest {

    @TempDir
    Path dir;

    private static Set<String> sans(X509Certificate certificate) throws Exception {
        return certificate.getSubjectAlternativeNames().stream().map(e -> String.valueOf(e.get(1))).collect(Collectors.toSet());
    }

    @Test
    void firstUseCreatesACaAndAServerCertificateSignedByIt() throws Exception {
        DevelopmentPki pki = DevelopmentPki.loadOrCreate(dir, List.of("hub.gatehouse.test"));

        X509Certificate server = pki.serverChain()[0];
        server.verify(pki.caCertificate().getPublicKey());
        assertThat(sans(server)).contains("localhost", "127.0.0.1", "hub.gatehouse.test");
        assertThat(pki.caCertificate().getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(pki.caCertificateFile()).exists().isAbsolute();
        assertThat(PemFiles.readKey(pki.serverKeyFile()).getAlgorithm()).isEqualTo("EC");
        assertThat(pki.trustStore().getCertificate("gatehouse-ca")).isEqualTo(pki.caCertificate());
    }

    @Test
    void laterStartsReuseTheSameCertificates() throws Exception {
        DevelopmentPki first = DevelopmentPki.loadOrCreate(dir, List.of("hub.gatehouse.test"));
        DevelopmentPki second = DevelopmentPki.loadOrCreate(dir, List.of("hub.gatehouse.test"));

        assertThat(second.caCertificate()).isEqualTo(first.caCertificate());
        assertThat(second.serverChain()[0]).isEqualTo(first.serverChain()[0]);
        assertThat(second.serverKey()).isEqualTo(first.serverKey());
    }

    @Test
    void aNewHostNameReissuesTheServerCertificateUnderTheSameCa() throws Exception {
        DevelopmentPki first = DevelopmentPki.loadOrCreate(dir, List.of("hub.gatehouse.test"));
        DevelopmentPki second = DevelopmentPki.loadOrCreate(dir, List.of("other.example"));

        assertThat(second.caCertificate()).isEqualTo(first.caCertificate());
        assertThat(second.serverChain()[0]).isNotEqualTo(first.serverChain()[0]);
        assertThat(sans(second.serverChain()[0])).contains("other.example", "localhost", "127.0.0.1");
        second.serverChain()[0].verify(first.caCertificate().getPublicKey());
    }
}
