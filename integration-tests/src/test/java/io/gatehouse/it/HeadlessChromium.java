package io.gatehouse.it;

import io.gatehouse.tls.PemFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/** Debian's chromium and chromium-driver (apt packages), headless, for the console's browser test. */
final class HeadlessChromium {

    static final Path BROWSER = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    private HeadlessChromium() {
    }

    /** Why the browser cannot run here, or empty when it can. */
    static Optional<String> missing() {
        for (Path binary : List.of(BROWSER, DRIVER)) {
            if (!Files.isExecutable(binary)) {
                return Optional.of(binary + " is missing: apt-get install chromium chromium-driver");
            }
        }
        return Optional.empty();
    }

    /**
     * A browser with a fresh profile in {@code profile} that accepts the TLS certificate in {@code serverCertificate}
     * (by its public key: {@code --ignore-certificate-errors-spki-list}), and no other untrusted one.
     */
    static ChromeDriver start(Path profile, Path serverCertificate) throws Exception {
        ChromeOptions options = new ChromeOptions().setBinary(BROWSER.toFile()).addArguments(
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile,
                "--ignore-certificate-errors-spki-list=" + spkiHash(serverCertificate));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().window().setSize(new Dimension(1280, 1000));
        return driver;
    }

    /** Base64 of the SHA-256 of the certificate's SubjectPublicKeyInfo, the form Chromium's flag takes. */
    private static String spkiHash(Path certificate) throws Exception {
        byte[] spki = PemFiles.readCertificate(certificate).getPublicKey().getEncoded();
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(spki));
    }
}
