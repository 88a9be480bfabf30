package io.gatehouse.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * The server's TLS identity: either the generated development certificate (whose CA clients trust) or a
 * certificate and key the user supplies. One {@link SslContext} serves every TLS listener.
 */
public final class TlsMaterial {

    /** The in-memory key store's password: it never leaves this process, but the store needs one. */
    private static final char[] STORE_PASSWORD = "gatehouse".toCharArray();

    private final SslContext serverContext;
    private final Path trustFile;
    private final boolean development;

    private TlsMaterial(SslContext serverContext, Path trustFile, boolean development) {
        this.serverContext = serverContext;
        this.trustFile = trustFile;
        this.development = development;
    }

    /** The development PKI in {@code directory}, its server certificate naming {@code hostName}. */
    public static TlsMaterial development(Path directory, String hostName) throws IOException {
        DevelopmentPki pki = DevelopmentPki.loadOrCreate(directory, List.of(hostName));
        return new TlsMaterial(serverContext(pki.serverKey(), pki.serverChain()), pki.caCertificateFile(), true);
    }

    /** A user-supplied PEM certificate chain (leaf first) and unencrypted PEM key. */
    public static TlsMaterial supplied(Path certificateFile, Path keyFile) throws IOException {
        X509Certificate[] chain = PemFiles.readCertificates(certificateFile).toArray(X509Certificate[]::new);
        PrivateKey key = PemFiles.readKey(keyFile);
        try {
            return new TlsMaterial(serverContext(key, chain), certificateFile.toAbsolutePath(), false);
        } catch (SSLException | IllegalArgumentException e) {
            throw new IOException("cannot use " + certificateFile + " with " + keyFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * The JDK's TLS with {@code key} and {@code chain}, wrapped for Netty. Netty's {@code SslContextBuilder} would do
     * the same, but its JDK server context's class initializer first parses a certificate and key of its own (and
     * looks for BouncyCastle's PEM reader): about 0.3 s of every start, a fifth of a test's first hub.
     */
    private static SslContext serverContext(PrivateKey key, X509Certificate[] chain) throws SSLException {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("server", key, STORE_PASSWORD, chain);
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, STORE_PASSWORD);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return new JdkSslContext(context, false, null, IdentityCipherSuiteFilter.INSTANCE,
                    ApplicationProtocolConfig.DISABLED, ClientAuth.NONE, new String[] {"TLSv1.3", "TLSv1.2"}, false);
        } catch (GeneralSecurityException | IOException e) {
            throw new SSLException("cannot set up TLS with this certificate and key: " + e.getMessage(), e);
        }
    }

    public SslContext serverContext() {
        return serverContext;
    }

    /** The file clients should trust: the development CA, or the supplied certificate. */
    public Path trustFile() {
        return trustFile;
    }

    public boolean isDevelopment() {
        return development;
    }
}
