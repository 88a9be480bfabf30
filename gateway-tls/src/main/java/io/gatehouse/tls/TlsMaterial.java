package io.gatehouse.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * The server's TLS identity: either the generated development certificate (whose CA clients trust) or a
 * certificate and key the user supplies. One {@link SslContext} serves every TLS listener.
 */
public final class TlsMaterial {

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

    private static SslContext serverContext(PrivateKey key, X509Certificate[] chain) throws SSLException {
        return SslContextBuilder.forServer(key, chain)
                .sslProvider(SslProvider.JDK)
                .protocols("TLSv1.3", "TLSv1.2")
                .applicationProtocolConfig(ApplicationProtocolConfig.DISABLED)
                .build();
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
