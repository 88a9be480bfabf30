package io.gatehouse.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The development PKI: a CA that clients trust ({@code ca.pem}) and a server certificate signed by it
 * whose subject alternative names cover {@code localhost}, {@code 127.0.0.1} and the hub's host names
 * (docs/tls-and-host-names.md: MQTT and HTTPS clients check the host name, so the SAN must match what they dial).
 *
 * <p>Created on first use in a directory and reused afterwards. The CA is kept; the server certificate is
 * issued again when the wanted names are not all in it or it is about to expire. Keys are EC P-256,
 * stored as unencrypted PKCS#8 PEM readable only by their owner where the file system allows.
 */
public final class DevelopmentPki {

    public static final String CA_CERT = "ca.pem";
    public static final String CA_KEY = "ca-key.pem";
    public static final String SERVER_CERT = "server.pem";
    public static final String SERVER_KEY = "server-key.pem";

    private static final Duration CA_LIFETIME = Duration.ofDays(3650);
    private static final Duration SERVER_LIFETIME = Duration.ofDays(825);
    private static final Duration RENEW_BEFORE = Duration.ofDays(30);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path directory;
    private final X509Certificate caCertificate;
    private final X509Certificate serverCertificate;
    private final PrivateKey serverKey;

    private DevelopmentPki(Path directory, X509Certificate ca, X509Certificate server, PrivateKey serverKey) {
        this.directory = directory;
        this.caCertificate = ca;
        this.serverCertificate = server;
        this.serverKey = serverKey;
    }

    /**
     * Loads the PKI from {@code directory}, creating what is missing. The server certificate names
     * {@code localhost}, {@code 127.0.0.1} and every one of {@code hostNames}.
     */
    public static DevelopmentPki loadOrCreate(Path directory, Collection<String> hostNames) throws IOException {
        Files.createDirectories(directory);
        try {
            Path caCert = directory.resolve(CA_CERT);
            Path caKeyFile = directory.resolve(CA_KEY);
            X509Certificate ca;
            PrivateKey caKey;
            if (Files.exists(caCert) && Files.exists(caKeyFile)) {
                ca = PemFiles.readCertificate(caCert);
                caKey = PemFiles.readKey(caKeyFile);
            } else {
                KeyPair pair = newKeyPair();
                ca = issueCa(pair);
                caKey = pair.getPrivate();
                PemFiles.write(caKeyFile, new JcaPKCS8Generator(caKey, null), true);
                PemFiles.write(caCert, ca, false);
            }
            Set<String> names = new LinkedHashSet<>(List.of("localhost", "127.0.0.1"));
            names.addAll(hostNames);
            Path serverCert = directory.resolve(SERVER_CERT);
            Path serverKeyFile = directory.resolve(SERVER_KEY);
            if (Files.exists(serverCert) && Files.exists(serverKeyFile)) {
                X509Certificate existing = PemFiles.readCertificate(serverCert);
                if (covers(existing, names) && isIssuedBy(existing, ca) && !expiresSoon(existing)) {
                    return new DevelopmentPki(directory, ca, existing, PemFiles.readKey(serverKeyFile));
                }
            }
            KeyPair pair = newKeyPair();
            X509Certificate server = issueServer(pair, ca, caKey, names);
            PemFiles.write(serverKeyFile, new JcaPKCS8Generator(pair.getPrivate(), null), true);
            PemFiles.write(serverCert, server, false);
            return new DevelopmentPki(directory, ca, server, pair.getPrivate());
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot create the development certificates in " + directory + ": " + e.getMessage(), e);
        }
    }

    public Path directory() {
        return directory;
    }

    public Path caCertificateFile() {
        return directory.resolve(CA_CERT).toAbsolutePath();
    }

    public Path serverCertificateFile() {
        return directory.resolve(SERVER_CERT).toAbsolutePath();
    }

    public Path serverKeyFile() {
        return directory.resolve(SERVER_KEY).toAbsolutePath();
    }

    public X509Certificate caCertificate() {
        return caCertificate;
    }

    /** The server certificate followed by the CA certificate. */
    public X509Certificate[] serverChain() {
        return new X509Certificate[] {serverCertificate, caCertificate};
    }

    public PrivateKey serverKey() {
        return serverKey;
    }

    /** A trust store holding only the CA: what a client that trusts this hub loads. */
    public KeyStore trustStore() {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry("gatehouse-ca", caCertificate);
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("an in-memory key store always loads", e);
        }
    }

    // ---------------------------------------------------------------- issuing

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    private static X509Certificate issueCa(KeyPair pair) throws GeneralSecurityException, OperatorCreationException, IOException {
        X500Name name = new X500Name("CN=Gatehouse Development CA " + Long.toHexString(RANDOM.nextLong()));
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(CA_LIFETIME)), name, pair.getPublic());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
        return sign(builder, pair.getPrivate());
    }

    private static X509Certificate issueServer(KeyPair pair, X509Certificate ca, PrivateKey caKey, Set<String> names)
            throws GeneralSecurityException, OperatorCreationException, IOException {
        Instant now = Instant.now();
        X500Name subject = new X500Name("CN=" + names.iterator().next());
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca, serial(),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(SERVER_LIFETIME)), subject, pair.getPublic());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        List<GeneralName> sans = new ArrayList<>();
        for (String n : names) {
            sans.add(isIpAddress(n) ? new GeneralName(GeneralName.iPAddress, n) : new GeneralName(GeneralName.dNSName, n));
        }
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        builder.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
        builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
        return sign(builder, caKey);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
            throws GeneralSecurityException, OperatorCreationException {
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(key);
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM).abs().add(BigInteger.ONE);
    }

    private static boolean covers(X509Certificate certificate, Set<String> names) throws GeneralSecurityException {
        Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
        if (sans == null) {
            return false;
        }
        Set<String> present = new LinkedHashSet<>();
        sans.forEach(entry -> present.add(String.valueOf(entry.get(1))));
        return present.containsAll(names);
    }

    private static boolean isIssuedBy(X509Certificate certificate, X509Certificate ca) {
        try {
            certificate.verify(ca.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static boolean expiresSoon(X509Certificate certificate) {
        return certificate.getNotAfter().toInstant().isBefore(Instant.now().plus(RENEW_BEFORE));
    }

    private static boolean isIpAddress(String name) {
        if (!name.matches("[0-9.]+") && !name.contains(":")) {
            return false;
        }
        try {
            InetAddress.getByName(name);
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
