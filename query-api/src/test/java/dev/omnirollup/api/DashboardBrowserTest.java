package dev.omnirollup.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.omnirollup.sim.Instance;
import dev.omnirollup.sim.OmniEvent;
import dev.omnirollup.sim.Publisher;
import dev.omnirollup.sim.ReferencePersistence;
import dev.omnirollup.sim.ScratchDatabase;
import dev.omnirollup.sim.ScratchNats;
import dev.omnirollup.sim.TrafficGenerator;
import dev.omnirollup.store.RollupDatabase;
import io.nats.client.Connection;
import io.nats.client.Nats;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The dashboard page in a real headless Chromium (Debian's {@code chromium} driven through its
 * {@code chromium-driver}): it asks for the key, renders the summary, then follows the live stream — tiles, the 24-hour
 * sparkline and the activity feed change without a reload. Saves a screenshot to {@code target/dashboard.png}, and to
 * {@code docs/dashboard.png} when {@code -Ddashboard.screenshot=update} is given or that file does not exist yet.
 *
 * <p>Fails (never skips) when Chromium or its driver is missing, saying how to install them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardBrowserTest {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final String SCREENSHOT_PROPERTY = "dashboard.screenshot";
    private static final Logger SELENIUM_LOG = Logger.getLogger("org.openqa.selenium");

    ChromeDriverService service;
    WebDriver browser;
    Path profile;

    @BeforeAll
    void startBrowser() throws IOException {
        Path chromium = executable("CHROMIUM_BIN", "/usr/bin/chromium", "chromium");
        Path driver = executable("CHROMEDRIVER_BIN", "/usr/bin/chromedriver", "chromedriver");
        SELENIUM_LOG.setLevel(Level.SEVERE); // e.g. "no CDP implementation matching 156": CDP is not used here
        profile = Files.createTempDirectory("omni-rollup-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1",
                "--window-size=1440,1000", "--user-data-dir=" + profile);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        service = new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().window().setSize(new Dimension(1440, 1000));
    }

    @AfterAll
    void stopBrowser() throws IOException {
        if (browser != null) {
            browser.quit();
        }
        if (service != null) {
            service.stop();
        }
        if (profile != null) {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    /** The executable from the environment variable, the Debian path or PATH; fails saying how to install it. */
    static Path executable(String variable, String debianPath, String name) {
        List<Path> candidates = new ArrayList<>();
        Optional.ofNullable(System.getenv(variable)).filter(v -> !v.isBlank()).map(Path::of).ifPresent(candidates::add);
        candidates.add(Path.of(debianPath));
        for (String dir : Optional.ofNullable(System.getenv("PATH")).orElse("").split(File.pathSeparator)) {
            if (!dir.isBlank()) {
                candidates.add(Path.of(dir, name));
            }
        }
        return candidates.stream().filter(Files::isExecutable).findFirst().orElseThrow(() -> new AssertionError(
                name + " is missing: the dashboard browser test needs Debian's Chromium and its WebDriver. Install them"
                        + " with `apt-get install -y chromium chromium-driver` (.ci/run does), or point " + variable
                        + " at the executable."));
    }

    // ------------------------------------------------------------------ page helpers

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    String attribute(String css, String name) {
        List<WebElement> found = browser.findElements(By.cssSelector(css));
        return found.isEmpty() ? "" : Optional.ofNullable(found.get(0).getDomAttribute(name)).orElse("");
    }

    String text(String css) {
        return browser.findElement(By.cssSelector(css)).getText();
    }

    void await(String what, Supplier<Boolean> condition) {
        Poll.until(WAIT, () -> "the page did not show " + what + "\nconsole: " + console(), condition::get);
    }

    List<String> console() {
        return browser.manage().logs().get(LogType.BROWSER).getAll().stream().map(LogEntry::toString).toList();
    }

    void assertNoErrors() {
        List<String> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).map(LogEntry::toString).toList();
        assertTrue(errors.isEmpty(), "browser console errors: " + errors);
    }

    void logIn(TestApi api, String key) {
        browser.get(api.server.localUri() + "/");
        if (key.equals(TestApi.STATIC_KEY)) {
            console(); // start with an empty console (reading it empties it)
        }
        await("the key prompt", () -> browser.findElement(By.id("login")).isDisplayed());
        WebElement input = browser.findElement(By.id("key-input"));
        input.clear();
        input.sendKeys(key);
        browser.findElement(By.id("key-submit")).click();
    }

    // ------------------------------------------------------------------ tests

    @Test
    void anEmptyInstallationShowsHonestZeros() throws IOException {
        try (TestApi api = TestApi.start(TestApi.freshDatabase(), true, InstantSource.system(), Map.of(),
                Optional.empty())) {
            logIn(api, "omni_sk_" + "W".repeat(32));
            await("the rejection of a wrong key", () -> text("#login-error").contains("not accepted"));
            assertTrue(browser.findElement(By.id("login")).isDisplayed());
            console(); // reading the console empties it: the 401 just provoked is not an error of the page
            logIn(api, TestApi.STATIC_KEY);
            await("the board", () -> !browser.findElement(By.id("login")).isDisplayed()
                    && attribute("#tile-day .value", "data-value").equals("0"));
            assertEquals("0", text("#tile-hour .value"));
            assertEquals("–", text("#tile-failure .value"), "no failure rate without events");
            assertEquals("no events yet", text("#tile-failure .sub"));
            assertEquals("–", text("#tile-automation .value"), "no success rate without executions");
            assertEquals("0", attribute("#spark-day", "data-total"));
            assertTrue(List.of("24", "25").contains(attribute("#timeline", "data-buckets")), "every hour of the day");
            assertTrue(browser.findElement(By.id("channels-empty")).isDisplayed());
            assertEquals("metrics-only", attribute("#connection", "data-state"), "no NATS: the page says so");
            assertTrue(text("#feed-empty").contains("no NATS connection"));
            assertEquals("0/0", text("#instance-count"));
            assertNoErrors();
            Files.write(Files.createDirectories(Path.of("target")).resolve("dashboard-empty.png"),
                    ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
            browser.get("about:blank"); // leave before the server stops, or the page's reconnects are logged
        }
    }

    @Test
    void tilesSparklineAndFeedFollowTheStreamWithoutReload() throws Exception {
        Instant now = Instant.now();
        List<Instance> instances = TrafficGenerator.defaultInstances(6, 21);
        try (ScratchNats nats = ScratchNats.connect(); ScratchDatabase scratch = TestApi.freshDatabase();
             Connection apiConnection = Nats.connect(nats.url());
             RollupDatabase database = TestApi.open(scratch, 2)) {
            nats.messageStream();
            nats.instanceStream();
            seedOmniTables(scratch, instances);
            RollupLoader loader = new RollupLoader(database, now.minus(Duration.ofHours(25)), InstantSource.system());
            loader.apply(TrafficGenerator.generate(TrafficGenerator.Config.of(21, now, Duration.ofHours(24), 12_000,
                    instances)));
            Publisher publisher = Publisher.on(nats);
            try (TestApi api = TestApi.start(scratch, false, InstantSource.system(), Map.of(
                    "nats-subject-prefix", nats.prefix(), "sse-metrics-interval", "1s"), Optional.of(apiConnection))) {
                logIn(api, TestApi.STATIC_KEY);
                JsonNode before = api.get("/api/v2/dashboard").json().get("events");
                await("the summary's numbers", () -> attribute("#tile-day .value", "data-value")
                        .equals(before.get("last24h").asText()));
                await("the stream to connect", () -> attribute("#connection", "data-state").equals("live"));
                js("window.__sameDocument = 'yes';");
                long hourBefore = Long.parseLong(attribute("#tile-hour .value", "data-value"));
                String sparkBefore = attribute("#spark-day", "data-points");
                int metricsBefore = Integer.parseInt(attribute("body", "data-metrics-frames"));

                Iterator<OmniEvent> live = TrafficGenerator.live(22, instances, now, 50, TrafficGenerator.Mix.defaults());
                String lastShown = "";
                int applied = 0;
                for (int round = 0; round < 6; round++) {
                    // six rounds of the last minute's traffic, oldest first, published as it would have been
                    List<OmniEvent> batch = new ArrayList<>();
                    long at = Instant.now().toEpochMilli() - (5 - round) * 9_000L;
                    while (batch.size() < 40) {
                        batch.add(live.next().withTimestamp(at - 8_000 + batch.size() * 200L));
                    }
                    if (round == 3) {
                        Instance flaky = instances.get(1);
                        batch.add(OmniEvent.instanceDisconnected("flaky-" + round, at,
                                OmniEvent.Meta.plugin("c-" + round, flaky.id(), flaky.channel(), "t-" + round), flaky.id(),
                                flaky.channel(), Optional.of("stream errored"), true));
                    }
                    loader.apply(batch);
                    applied += batch.size();
                    publisher.publishFast(batch);
                    Optional<String> shown = EventStreamTest.expected(batch, f -> f.event().equals("event.received"))
                            .stream().reduce((a, b) -> b).map(f -> f.data().substring(7, f.data().indexOf('"', 7)));
                    if (shown.isPresent()) {
                        lastShown = shown.get();
                        String id = lastShown;
                        await("event " + id + " in the feed", () -> !attribute("#feed li[data-id='" + id + "']", "data-id")
                                .isEmpty());
                    }
                }
                JsonNode after = api.get("/api/v2/dashboard").json().get("events");
                assertTrue(after.get("lastHour").asLong() > hourBefore, "the rollups took the new events");
                await("the last-hour tile to update", () -> attribute("#tile-hour .value", "data-value")
                        .equals(after.get("lastHour").asText()));
                await("the sparkline to update", () -> !attribute("#spark-day", "data-points").equals(sparkBefore));
                await("an instance.status change", () -> !browser.findElements(By.cssSelector("#status-list li")).isEmpty());
                assertTrue(text("#status-list").contains("disconnected"));
                await("metrics frames to keep coming", () -> Integer.parseInt(attribute("body", "data-metrics-frames"))
                        > metricsBefore + 1);
                assertEquals("yes", js("return window.__sameDocument;"), "no reload happened");
                int feedItems = browser.findElements(By.cssSelector("#feed li")).size();
                assertTrue(feedItems > 100 && feedItems <= 200, "the feed shows the newest events, capped: " + feedItems);
                assertTrue(Long.parseLong(attribute("#feed", "data-streamed")) >= 120);
                assertFalse(text("#tile-failure .value").isEmpty());
                assertTrue(applied >= 240);
                assertNoErrors();
                screenshot();
                browser.get("about:blank");
            }
        }
    }

    /** Instances (most of them connected) and a few dead letters, so every tile has something true to show. */
    private static void seedOmniTables(ScratchDatabase scratch, List<Instance> instances) throws Exception {
        try (Handle h = scratch.jdbi().open()) {
            var c = h.getConnection();
            new ReferencePersistence(h).ensureInstances(instances);
            try (PreparedStatement active = c.prepareStatement("UPDATE instances SET is_active = true WHERE id = ?")) {
                for (Instance instance : instances.subList(0, instances.size() - 1)) {
                    active.setObject(1, instance.id());
                    active.executeUpdate();
                }
            }
            try (Statement s = c.createStatement()) {
                for (int i = 0; i < 7; i++) {
                    s.executeUpdate("INSERT INTO dead_letter_events (event_id, event_type, subject, payload, error, status)"
                            + " VALUES ('dl-" + i + "', 'message.sent', 'message.sent', '{}', 'send failed', '"
                            + (i < 3 ? "pending" : "resolved") + "')");
                }
            }
        }
    }

    private void screenshot() throws IOException {
        js("window.scrollTo(0, 0);");
        long content = ((Number) js("return document.documentElement.scrollHeight;")).longValue();
        long chrome = ((Number) js("return window.outerHeight - window.innerHeight;")).longValue();
        browser.manage().window().setSize(new Dimension(1440, (int) Math.min(2000, content + chrome)));
        await("the resized page to settle", () -> ((Number) js("return window.innerHeight;")).longValue() >= content
                || ((Number) js("return window.innerHeight;")).longValue() >= 2000 - chrome);
        byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
        Path target = Path.of("target", "dashboard.png");
        Files.createDirectories(target.getParent());
        Files.write(target, png);
        Path docs = Path.of("..", "docs", "dashboard.png").toAbsolutePath().normalize();
        if ("update".equals(System.getProperty(SCREENSHOT_PROPERTY)) || !Files.exists(docs)) {
            Files.createDirectories(docs.getParent());
            Files.write(docs, png);
        }
    }
}
