package io.gatehouse.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real browser (Debian's headless chromium) against the packaged gateway: a wrong key is
 * refused, sign-in, a device seen connecting, live telemetry, a C2D message and its feedback, and nothing
 * served without a token. Takes the screenshots of docs/console.md. Skipped where chromium is not installed.
 */
class ConsoleBrowserIT {

    private static final String DEVICE = "console-1";
    private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

    @TempDir
    static Path dir;

    private static GatewayProcess gateway;
    private static ChromeDriver browser;
    private static WebDriverWait wait;
    private static RestClient rest;
    private static Mqtt3AsyncClient device;
    private static final List<Mqtt3Publish> received = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(HeadlessChromium.missing().isEmpty(), () -> "no browser: " + HeadlessChromium.missing().orElseThrow());
        gateway = GatewayProcess.configured(dir.resolve("data"), """
                bindAddress: 127.0.0.1
                mqtt: {port: 0, plainPort: 0}
                amqp: {port: 0, plainPort: 0}
                https: {port: 0}
                health: {port: 0}
                devices: [console-1, console-2, thermostat-7]
                """, "--set", "cloudToDevice.feedback.batchWindowAsIso8601=PT0S").start();
        rest = new RestClient(gateway);
        browser = HeadlessChromium.start(dir.resolve("profile"), gateway.caCertificate().resolveSibling("server.pem"));
        wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (device != null) {
            device.disconnect().exceptionally(e -> null).join();
        }
        if (browser != null) {
            browser.quit();
        }
        if (gateway != null) {
            gateway.stop();
        }
    }

    @Test
    void signInWatchADeviceSendAMessageAndSeeTelemetry() throws Exception {
        long cold = load();
        long revalidated = load();
        browser.executeCdpCommand("Network.clearBrowserCache", Map.of());
        long uncached = load();
        System.out.printf("console page load: %d ms the first time (cold gateway and browser), %d ms uncached, "
                + "%d ms revalidated%n", cold, uncached, revalidated);
        assertThat(uncached).as("page load in ms, nothing cached").isLessThan(1000);
        screenshot("sign-in");

        wrongKeyIsRefused();
        signIn();
        dataNeedsAToken();

        click(By.cssSelector("#nav a[href='#devices']"));
        By deviceRow = By.cssSelector("#devices-table tr[data-device='" + DEVICE + "']");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(deviceRow, "Disconnected"));
        connectDevice();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(deviceRow, "Connected"));
        assertThat(browser.findElement(deviceRow).findElement(By.className("protocol")).getText()).isEqualTo("MQTT");
        browser.findElement(By.id("device-search")).sendKeys("console");
        wait.until(d -> d.findElements(By.cssSelector("#devices-table tbody tr")).size() == 2);
        screenshot("devices");
        createDisableAndDeleteADevice();

        click(By.cssSelector("#nav a[href='#messages']"));
        liveTelemetryArrives();
        c2dMessageAndItsFeedback();
        screenshot("messages");
        purgeAQueue();

        click(By.cssSelector("#nav a[href='#connection']"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("device-cs"), "DeviceId=" + DEVICE));
        assertThat(browser.findElement(By.id("service-cs")).getText())
                .isEqualTo("HostName=127.0.0.1;SharedAccessKeyName=iothubowner;SharedAccessKey={SharedAccessKey}");
        assertThat(browser.findElement(By.id("event-hub-cs")).getText()).startsWith("Endpoint=sb://127.0.0.1/;")
                .endsWith(";EntityPath=" + hubName());
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("ca-pem"), "BEGIN CERTIFICATE"));
        screenshot("connection");
        browser.findElement(By.id("policy-key")).sendKeys(ownerKey());
        assertThat(browser.findElement(By.id("service-cs")).getText()).endsWith("SharedAccessKey=" + ownerKey());

        browser.get("http://127.0.0.1:" + gateway.port("health") + "/console");
        wait.until(ExpectedConditions.urlToBe(consoleUrl()));
        click(By.cssSelector("#nav a[href='#overview']"));
        wait.until(ExpectedConditions.textToBe(By.id("figure-connected"), "1"));
        ScheduledExecutorService traffic = Executors.newSingleThreadScheduledExecutor();
        try {
            traffic.scheduleAtFixedRate(ConsoleBrowserIT::someTraffic, 0, 250, TimeUnit.MILLISECONDS);
            // rates are differences between scrapes two seconds apart: some history of non-zero D2C and C2D lines
            new WebDriverWait(browser, Duration.ofSeconds(45)).until(d -> pointsOf(d, "#chart-d2c polyline.s0") >= 8
                    && positive(d, "#chart-d2c .legend strong") && positive(d, "#chart-c2d .legend strong"));
        } finally {
            traffic.shutdownNow();
        }
        screenshot("overview");
    }

    private static int pointsOf(WebDriver page, String line) {
        return page.findElement(By.cssSelector(line)).getAttribute("points").split(" ").length;
    }

    /** Whether the first legend value of a chart is above zero ("13/s", "0.5/s"). */
    private static boolean positive(WebDriver page, String legendValue) {
        return page.findElement(By.cssSelector(legendValue)).getText().matches("[1-9].*|0\\.\\d*[1-9].*");
    }

    /** Telemetry events and C2D messages at varying rates, for the overview's charts. */
    private static void someTraffic() {
        try {
            int events = ThreadLocalRandom.current().nextInt(1, 6);
            for (int i = 0; i < events; i++) {
                device.publishWith().topic("devices/" + DEVICE + "/messages/events/").qos(MqttQos.AT_LEAST_ONCE)
                        .payload("{\"reading\":20}".getBytes(StandardCharsets.UTF_8)).send();
            }
            if (ThreadLocalRandom.current().nextInt(3) == 0) {
                HttpResponse<String> sent = rest.send("POST", "/gatehouse/devices/" + DEVICE + "/messages", "ping");
                assertThat(sent.statusCode()).isEqualTo(201);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the test is done with the traffic
        } catch (Exception | AssertionError e) {
            // a scheduled task that throws is silently cancelled: say why the charts stay flat
            e.printStackTrace();
            throw new IllegalStateException(e);
        }
    }

    /** Opens the console; returns the milliseconds from navigation to the load event. */
    private static long load() {
        browser.get(consoleUrl());
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("key")));
        return ((Number) browser.executeScript(
                "const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime;")).longValue();
    }

    private static void wrongKeyIsRefused() {
        byte[] wrong = new byte[32];
        new SecureRandom().nextBytes(wrong);
        signInWith(Base64.getEncoder().encodeToString(wrong));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("sign-in-message"), "Sign-in refused"));
        assertThat(browser.findElement(By.id("nav")).isDisplayed()).isFalse();
        assertThat(browser.executeScript("return sessionStorage.length")).isEqualTo(0L);
    }

    private static void signIn() {
        signInWith(ownerKey());
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("nav")));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Overview"));
        String stored = (String) browser.executeScript("return JSON.stringify(sessionStorage) + JSON.stringify(localStorage)");
        assertThat(stored).contains("SharedAccessSignature sr=127.0.0.1&sig=").doesNotContain(ownerKey());
        assertThat(browser.findElements(By.id("key"))).as("the sign-in form is gone").isEmpty();
    }

    private static void signInWith(String key) {
        WebElement keyField = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("key")));
        keyField.clear();
        keyField.sendKeys(key);
        click(By.id("sign-in"));
    }

    /** The page's own fetch without the token: every data route refuses, the event stream too. */
    private static void dataNeedsAToken() {
        Object statuses = browser.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                Promise.all(['/devices', '/gatehouse/statistics', '/gatehouse/connection-info',
                             '/gatehouse/events/stream', '/gatehouse/feedback']
                    .map(p => fetch(p).then(r => r.status))).then(done);
                """);
        assertThat(statuses).isEqualTo(List.of(401L, 401L, 401L, 401L, 401L));
    }

    private static void createDisableAndDeleteADevice() throws Exception {
        browser.findElement(By.id("device-search")).clear();
        browser.findElement(By.id("new-device-id")).sendKeys("made-in-console");
        click(By.id("create-device"));
        By row = By.cssSelector("#devices-table tr[data-device='made-in-console']");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(row, "enabled"));
        assertThat(rest.send("GET", "/devices/made-in-console", null).statusCode()).isEqualTo(200);

        click(By.cssSelector("#devices-table tr[data-device='made-in-console'] button[aria-label='Disable made-in-console']"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(row, "disabled"));
        assertThat(rest.json("GET", "/devices/made-in-console", null).get("status").asText()).isEqualTo("disabled");

        click(By.cssSelector("#devices-table tr[data-device='made-in-console'] button[aria-label='Delete made-in-console']"));
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(row));
        assertThat(rest.send("GET", "/devices/made-in-console", null).statusCode()).isEqualTo(404);
    }

    private static void connectDevice() throws Exception {
        String key = rest.json("GET", "/devices/" + DEVICE, null)
                .path("authentication").path("symmetricKey").path("primaryKey").asText();
        device = MqttDevices.client(gateway, DEVICE, key);
        device.publishes(MqttGlobalPublishFilter.ALL, received::add);
        device.connectWith().cleanSession(true).send().get(30, TimeUnit.SECONDS);
        device.subscribeWith().topicFilter("devices/" + DEVICE + "/messages/devicebound/#").qos(MqttQos.AT_LEAST_ONCE)
                .send().get(30, TimeUnit.SECONDS);
    }

    private static void liveTelemetryArrives() throws Exception {
        WebElement telemetryDevice = wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#telemetry-device option[value='" + DEVICE + "']")));
        new Select(browser.findElement(By.id("telemetry-device"))).selectByValue(telemetryDevice.getAttribute("value"));
        click(By.id("telemetry-toggle"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("telemetry-state"), "live"));
        for (int i = 1; i <= 3; i++) {
            device.publishWith().topic("devices/" + DEVICE + "/messages/events/temperature=2" + i + "&unit=C")
                    .qos(MqttQos.AT_LEAST_ONCE).payload(("{\"reading\":" + i + "}").getBytes(StandardCharsets.UTF_8))
                    .send().get(10, TimeUnit.SECONDS);
        }
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("telemetry-table"), "{\"reading\":3}"));
        String table = browser.findElement(By.id("telemetry-table")).getText();
        assertThat(table).contains("{\"reading\":1}", "{\"reading\":2}", "temperature=23", "unit=C", DEVICE);
    }

    private static void c2dMessageAndItsFeedback() throws Exception {
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#c2d-device option[value='" + DEVICE + "']")));
        new Select(browser.findElement(By.id("c2d-device"))).selectByValue(DEVICE);
        browser.findElement(By.id("c2d-body")).sendKeys("reboot");
        browser.findElement(By.id("c2d-properties")).sendKeys("priority=high");
        new Select(browser.findElement(By.id("c2d-ack"))).selectByValue("full");
        browser.findElement(By.id("c2d-expiry")).sendKeys("3600");
        click(By.id("c2d-send"));

        WebElement sent = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#sent-table tr[data-message]")));
        String messageId = sent.getAttribute("data-message");
        wait.until(ExpectedConditions.textToBePresentInElement(sent.findElement(By.className("feedback")), "Success"));
        assertThat(browser.findElement(By.id("feedback-log")).getText()).contains("Success", messageId);
        Mqtt3Publish c2d = received.stream().filter(p -> messageId.equals(MqttDevices.messageId(p.getTopic().toString())))
                .findFirst().orElseThrow();
        assertThat(new String(c2d.getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("reboot");
        assertThat(c2d.getTopic().toString()).contains("priority=high");
    }

    private static void purgeAQueue() throws Exception {
        for (int i = 0; i < 2; i++) {
            assertThat(rest.send("POST", "/gatehouse/devices/console-2/messages", "never delivered").statusCode()).isEqualTo(201);
        }
        new Select(browser.findElement(By.id("purge-device"))).selectByValue("console-2");
        click(By.id("purge"));
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("toast"), "Purged 2 messages of console-2"));
        assertThat(rest.json("GET", "/gatehouse/statistics", null).at("/queues/console-2/depth").asInt()).isZero();
    }

    private static void click(By by) {
        wait.until(ExpectedConditions.elementToBeClickable(by)).click();
    }

    private static String consoleUrl() {
        return "https://127.0.0.1:" + gateway.port("https") + "/console/";
    }

    private static String ownerKey() {
        return GatewayProcess.parts(gateway.serviceConnectionString()).get("SharedAccessKey");
    }

    private static String hubName() throws Exception {
        return rest.json("GET", "/health", null).get("hubName").asText();
    }

    private static void screenshot(String page) throws Exception {
        browser.executeScript("const t = document.getElementById('toast'); t.style.transition = 'none'; t.className = 'toast'");
        Path file = browser.getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(file, SCREENSHOTS.resolve("console-" + page + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
