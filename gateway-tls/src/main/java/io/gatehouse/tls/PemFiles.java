package io.gatehouse.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

/**
 * Reading and writing PEM certificates and keys (PKCS#8 and the traditional forms OpenSSL writes). Certificates and
 * PKCS#8 keys, all a hub's own development certificates use, are read with the JDK alone: a restart then loads 5 of
 * BouncyCastle's classes instead of 158. Other key forms go to BouncyCastle's parser.
 */
public final class PemFiles {

    private static final Pattern CERTIFICATE = Pattern.compile("-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----",
            Pattern.DOTALL);
    private static final Pattern PKCS8_KEY = Pattern.compile("-----BEGIN PRIVATE KEY-----(.+?)-----END PRIVATE KEY-----",
            Pattern.DOTALL);
    /** What a PKCS#8 key is tried as before BouncyCastle is asked: the development certificates' EC first. */
    private static final List<String> KEY_ALGORITHMS = List.of("EC", "RSA");

    private PemFiles() {
    }

    /** Every certificate in a PEM file, in order (a chain: leaf first); other PEM objects in it are passed over. */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        List<X509Certificate> certificates = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            Matcher block = CERTIFICATE.matcher(Files.readString(file, StandardCharsets.ISO_8859_1));
            while (block.find()) {
                byte[] pem = block.group().getBytes(StandardCharsets.ISO_8859_1);
                certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(pem)));
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the certificates in " + file + ": " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IOException(file + " holds no PEM certificate");
        }
        return certificates;
    }

    /** The first certificate of a PEM file. */
    public static X509Certificate readCertificate(Path file) throws IOException {
        return readCertificates(file).get(0);
    }

    /** An unencrypted private key (PKCS#8 {@code PRIVATE KEY}, or a traditional RSA/EC key pair). */
    public static PrivateKey readKey(Path file) throws IOException {
        String pem = Files.readString(file, StandardCharsets.ISO_8859_1);
        Matcher pkcs8 = PKCS8_KEY.matcher(pem);
        if (pkcs8.find()) {
            PKCS8EncodedKeySpec spec;
            try {
                spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(pkcs8.group(1)));
            } catch (IllegalArgumentException e) {
                throw new IOException(file + " holds a PEM private key that is not valid base64", e);
            }
            for (String algorithm : KEY_ALGORITHMS) {
                try {
                    return KeyFactory.getInstance(algorithm).generatePrivate(spec);
                } catch (GeneralSecurityException e) {
                    // another algorithm's key: try the next, then BouncyCastle
                }
            }
        }
        return readKeyWithBouncyCastle(file, pem);
    }

    private static PrivateKey readKeyWithBouncyCastle(Path file, String pem) throws IOException {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object object;
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            while ((object = parser.readObject()) != null) {
                if (object instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (object instanceof PEMKeyPair pair) {
                    return converter.getKeyPair(pair).getPrivate();
                }
            }
        } catch (IllegalStateException | IllegalArgumentException e) {
            // BouncyCastle's parser reports a corrupt object (bad base64, say) unchecked
            throw new IOException("cannot read the private key in " + file + ": " + e.getMessage(), e);
        }
        throw new IOException(file + " holds no unencrypted PEM private key");
    }

    /** Writes one PEM object atomically; {@code secret} files are made readable by their owner only. */
    public static void write(Path file, Object object, boolean secret) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer writer = Files.newBufferedWriter(temp, StandardCharsets.US_ASCII); JcaPEMWriter pem = new JcaPEMWriter(writer)) {
            pem.writeObject(object);
        }
        if (secret) {
            try {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the default permissions stay
            }
        }
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
