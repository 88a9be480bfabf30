package io.gatehouse.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.util.List;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PEM files as users and the development certificates write them. */
class PemFilesTest {

    @TempDir
    Path dir;

    @Test
    void aChainIsReadInOrderPassingOverOtherObjectsInTheFile() throws Exception {
        DevelopmentPki pki = DevelopmentPki.loadOrCreate(dir.resolve("pki"), List.of("hub.gatehouse.test"));
        Path combined = dir.resolve("combined.pem");
        Files.writeString(combined, "issued for a test\n" + Files.readString(pki.serverCertificateFile())
                + Files.readString(pki.serverKeyFile()) + Files.readString(pki.caCertificateFile()), StandardCharsets.US_ASCII);

        assertThat(PemFiles.readCertificates(combined)).containsExactly(pki.serverChain());
        assertThat(PemFiles.readCertificate(combined)).isEqualTo(pki.serverChain()[0]);
    }

    @Test
    void pkcs8KeysOfEitherAlgorithmAndTraditionalRsaKeysAreRead() throws Exception {
        PrivateKey ec = generate("EC");
        PrivateKey rsa = generate("RSA");
        Path ecFile = dir.resolve("ec.pem");
        Path rsaFile = dir.resolve("rsa.pem");
        Path traditionalFile = dir.resolve("rsa-traditional.pem");
        PemFiles.write(ecFile, new JcaPKCS8Generator(ec, null), true);
        PemFiles.write(rsaFile, new JcaPKCS8Generator(rsa, null), true);
        PemFiles.write(traditionalFile, rsa, true);

        assertThat(Files.readString(rsaFile)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Files.readString(traditionalFile)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(PemFiles.readKey(ecFile)).isEqualTo(ec);
        assertThat(PemFiles.readKey(rsaFile)).isEqualTo(rsa);
        assertThat(PemFiles.readKey(traditionalFile)).isEqualTo(rsa);
    }

    @Test
    void aFileWithoutTheObjectAskedForIsAClearError() throws Exception {
        DevelopmentPki pki = DevelopmentPki.loadOrCreate(dir, List.of("hub.gatehouse.test"));
        Path corrupt = dir.resolve("corrupt.pem");
        Files.writeString(corrupt, "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n");

        assertThatThrownBy(() -> PemFiles.readKey(pki.caCertificateFile()))
                .isInstanceOf(IOException.class).hasMessageEndingWith("holds no unencrypted PEM private key");
        assertThatThrownBy(() -> PemFiles.readCertificates(pki.serverKeyFile()))
                .isInstanceOf(IOException.class).hasMessageEndingWith("holds no PEM certificate");
        assertThatThrownBy(() -> PemFiles.readKey(corrupt))
                .isInstanceOf(IOException.class).hasMessageStartingWith("cannot read the private key in " + corrupt);
    }

    private static PrivateKey generate(String algorithm) throws Exception {
        return KeyPairGenerator.getInstance(algorithm).generateKeyPair().getPrivate();
    }
}
