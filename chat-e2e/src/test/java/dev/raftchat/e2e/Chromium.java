package dev.raftchat.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.logging.Level;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Headless Chromium from the machine's packages (Debian's {@code chromium} and {@code chromium-driver}),
 * driven over chromedriver. When either binary is missing the calling test is skipped (a JUnit
 * assumption) with the command that installs them; {@code .ci/run} installs them, so CI always runs.
 *
 * <p>Paths can be overridden with {@code -Dchat.e2e.chromium=...} and {@code -Dchat.e2e.chromedriver=...}.
 * Each browser gets a fresh profile directory, and the flags keep Chromium from reaching out to the
 * network on its own (the test machine's closed network refuses those connections, slowly).
 */
final class Chromium {
    static final String INSTALL_HINT = "apt-get install -y chromium chromium-driver";
    static final Path BROWSER = Path.of(System.getProperty("chat.e2e.chromium", "/usr/bin/chromium"));
    static final Path DRIVER = Path.of(System.getProperty("chat.e2e.chromedriver", "/usr/bin/chromedriver"));
    static final Dimension DESKTOP = new Dimension(1280, 860);
    static final Dimension PHONE = new Dimension(390, 780);
    /** The page sizes of the screenshots in docs/screenshots: a laptop and a phone (iPhone 12–15 class). */
    static final Dimension DESKTOP_VIEWPORT = new Dimension(1280, 800);

    static final Dimension PHONE_VIEWPORT = new Dimension(390, 844);

    private Chromium() {}

    /** Skips the calling test when the browser or its driver is not installed. */
    static void assumeInstalled() {
        assumeTrue(installed(), Chromium::skipMessage);
    }

    static boolean installed() {
        return Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER);
    }

    static String skipMessage() {
        return "browser tests skipped: " + BROWSER + " or " + DRIVER + " is missing; install them with `" + INSTALL_HINT
                + "` (as root; .ci/run does this)";
    }

    /** A new headless browser with its own empty profile under {@code profileRoot}. */
    static ChromeDriver start(Path profileRoot) {
        assumeInstalled();
        Path profile;
        try {
            profile = Files.createTempDirectory(Files.createDirectories(profileRoot), "chromium-profile-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--disable-extensions",
                "--disable-default-apps",
                "--user-data-dir=" + profile.toAbsolutePath(),
                "--window-size=" + DESKTOP.width + "," + DESKTOP.height);
        // The browser console, so a test can fail on an uncaught error in the client.
        LoggingPreferences logging = new LoggingPreferences();
        logging.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logging);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
        driver.manage().window().setSize(DESKTOP);
        return driver;
    }
}
