package dev.raftchat.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * Each test gets a fresh three-node cluster (separate JVMs) and as many browsers as it opens; all are
 * stopped after it. Screenshots go to {@code target/screenshots}, node logs to {@code target/e2e-logs}.
 */
abstract class BrowserTestSupport {
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    @TempDir
    Path temp;
    ChatProcessCluster cluster;
    long leaderAtStart;
    private final List<ChromeDriver> browsers = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void startCluster(TestInfo test) {
        Chromium.assumeInstalled();
        String name = test.getTestMethod().orElseThrow().getName();
        cluster = new ChatProcessCluster(temp.resolve("data"), Path.of("target", "e2e-logs", name), 3);
        cluster.startAll();
        leaderAtStart = cluster.awaitStableLeader();
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (ChromeDriver browser : browsers) {
            try {
                browser.quit();
            } catch (RuntimeException e) {
                // a browser that already died has nothing left to stop
            }
        }
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** A new browser showing the client served by {@code baseUrl}. */
    ChatPage browserAt(String baseUrl) {
        ChromeDriver driver = Chromium.start(temp.resolve("profiles"));
        browsers.add(driver);
        return new ChatPage(driver, baseUrl, SCREENSHOTS).open();
    }

    <T extends AutoCloseable> T closeAfterTest(T closeable) {
        closeables.add(closeable);
        return closeable;
    }

    /** A name no earlier run used, within the limits of user and room names. */
    static String unique(String prefix) {
        return prefix + "-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
    }

    /** Fails on uncaught script errors in the page (network failures the test caused on purpose are fine). */
    static void assertNoScriptErrors(ChatPage page) {
        List<String> errors = page.driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .map(LogEntry::getMessage)
                .filter(message -> message.contains("Uncaught") || message.contains("SyntaxError")
                        || message.contains("TypeError") || message.contains("ReferenceError")
                        || message.contains("Content Security Policy"))
                .toList();
        assertThat(errors).as("script errors in the page").isEmpty();
    }
}
