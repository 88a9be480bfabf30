package io.gatehouse.bench.load;

import io.gatehouse.bench.broker.GatehouseDialect;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * C2D through Gatehouse's own REST route ({@code POST /gatehouse/devices/{id}/messages}, service SAS token, the
 * development CA trusted), used only when the gateway has no AMQP listener: the scenario then says so in its notes.
 */
public final class RestC2dService implements C2dService {

    private static final int WINDOW = 64;

    private final HttpClient http;
    private final String base;
    private final GatehouseDialect dialect;
    private final Semaphore window = new Semaphore(WINDOW);
    private final AtomicLong failures = new AtomicLong();
    private final String token;

    private RestC2dService(HttpClient http, String base, GatehouseDialect dialect) {
        this.http = http;
        this.base = base;
        this.dialect = dialect;
        this.token = dialect.serviceToken();
    }

    public static RestC2dService open(GatehouseDialect dialect) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(dialect.trustFile())) {
            trust.setCertificateEntry("gatehouse-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        HttpClient http = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(30)).build();
        return new RestC2dService(http, "https://localhost:" + dialect.httpsPort(), dialect);
    }

    @Override
    public void send(String deviceId, int sequence, byte[] body) throws Exception {
        window.acquire();
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/gatehouse/devices/" + deviceId + "/messages"))
                .header("Authorization", token).header("iothub-messageid", "c2d-" + sequence)
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, e) -> {
            if (e != null || response.statusCode() / 100 != 2) {
                failures.incrementAndGet();
            }
            window.release();
        });
    }

    @Override
    public long failures() {
        return failures.get();
    }

    @Override
    public boolean awaitAcknowledged(Duration timeout) throws Exception {
        if (!window.tryAcquire(WINDOW, timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            return false;
        }
        window.release(WINDOW);
        return true;
    }

    @Override
    public String describe() {
        return "service over Gatehouse's REST route (this build of the gateway has no AMQP listener)";
    }

    @Override
    public void close() {
        // the JDK client's connections close with it when unreferenced
    }
}
