package io.gatehouse.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's TLS context: the certificate it presents, the protocols it offers, a handshake clients complete. */
class TlsMaterialTest {

    private static final String HOST = "hub.gatehouse.test";

    @TempDir
    Path dir;

    @Test
    void aClientTrustingTheDevelopmentCaCompletesAHandshakeAndSeesTheServerCertificate() throws Exception {
        TlsMaterial tls = TlsMaterial.development(dir, HOST);
        DevelopmentPki pki = DevelopmentPki.loadOrCreate(dir, List.of(HOST));
        SSLEngine server = tls.serverContext().newEngine(ByteBufAllocator.DEFAULT);
        SSLEngine client = clientTrusting(pki.trustStore(), HOST);

        handshake(client, server);

        assertThat(client.getSession().getPeerCertificates()[0]).isEqualTo(pki.serverChain()[0]);
        assertThat(client.getSession().getProtocol()).isEqualTo("TLSv1.3");
        assertThat(tls.trustFile()).isEqualTo(pki.caCertificateFile());
        assertThat(tls.isDevelopment()).isTrue();
    }

    @Test
    void onlyTls12AndTls13AreOffered() throws Exception {
        SSLEngine server = TlsMaterial.development(dir, HOST).serverContext().newEngine(ByteBufAllocator.DEFAULT);

        assertThat(server.getEnabledProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        assertThat(server.getUseClientMode()).isFalse();
        assertThat(server.getNeedClientAuth()).isFalse();
    }

    @Test
    void aSuppliedCertificateAndKeyServeTls12ClientsToo() throws Exception {
        DevelopmentPki pki = DevelopmentPki.loadOrCreate(dir, List.of(HOST));
        TlsMaterial tls = TlsMaterial.supplied(pki.serverCertificateFile(), pki.serverKeyFile());
        SSLEngine server = tls.serverContext().newEngine(ByteBufAllocator.DEFAULT);
        SSLEngine client = clientTrusting(pki.trustStore(), HOST);
        client.setEnabledProtocols(new String[] {"TLSv1.2"});

        handshake(client, server);

        assertThat(client.getSession().getProtocol()).isEqualTo("TLSv1.2");
        assertThat(client.getSession().getPeerCertificates()[0]).isEqualTo(pki.serverChain()[0]);
        assertThat(tls.trustFile()).isEqualTo(pki.serverCertificateFile().toAbsolutePath());
        assertThat(tls.isDevelopment()).isFalse();
    }

    private static SSLEngine clientTrusting(KeyStore trust, String host) throws Exception {
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers.getTrustManagers(), null);
        SSLEngine client = context.createSSLEngine(host, 8883);
        client.setUseClientMode(true);
        SSLParameters parameters = client.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the host name must be in the certificate
        client.setSSLParameters(parameters);
        return client;
    }

    /** Runs both ends' handshakes in memory, each reading what the other wrote; throws if either refuses. */
    private static void handshake(SSLEngine client, SSLEngine server) throws SSLException {
        ByteBuffer toServer = ByteBuffer.allocate(64 * 1024);
        ByteBuffer toClient = ByteBuffer.allocate(64 * 1024);
        ByteBuffer application = ByteBuffer.allocate(64 * 1024);
        client.beginHandshake();
        server.beginHandshake();
        for (int step = 0; step < 200 && !(finished(client) && finished(server)); step++) {
            advance(client, toServer, toClient, application);
            advance(server, toClient, toServer, application);
        }
        assertThat(finished(client) && finished(server)).as("both ends finished the handshake").isTrue();
    }

    private static boolean finished(SSLEngine engine) {
        HandshakeStatus status = engine.getHandshakeStatus();
        return status == HandshakeStatus.NOT_HANDSHAKING || status == HandshakeStatus.FINISHED;
    }

    private static void advance(SSLEngine engine, ByteBuffer out, ByteBuffer in, ByteBuffer application) throws SSLException {
        switch (engine.getHandshakeStatus()) {
            case NEED_WRAP -> engine.wrap(ByteBuffer.allocate(0), out);
            case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                in.flip();
                engine.unwrap(in, application);
                in.compact();
            }
            case NEED_TASK -> {
                for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
                    task.run();
                }
            }
            default -> {
                // finished: nothing to do
            }
        }
    }
}
