package dev.raftchat.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * One three-node cluster (separate JVMs) per test class, shared by its tests, which keep apart by
 * using their own users and rooms; a test that kills a node starts it again, and before each test every
 * node is running and they agree on a leader. Each test opens its own browsers, all stopped after it.
 * Screenshots go to {@code target/screenshots}, node logs to {@code target/e2e-logs/<class>}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BrowserTestSupport {
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private Path temp;
    ChatProcessCluster cluster;
    long leaderAtStart;
    private final List<ChromeDriver> browsers = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    void startCluster(@TempDir Path classTemp) {
        temp = classTemp;
        if (!Chromium.installed()) {
            // Each test then reports itself skipped, with the install command (see everyNodeRuns).
            System.err.println("chat-e2e: " + Chromium.skipMessage());
            return;
        }
        cluster = new ChatProcessCluster(
                temp.resolve("data"), Path.of("target", "e2e-logs", getClass().getSimpleName()), clusterSize());
        cluster.startAll();
    }

    /** How many nodes the class's cluster has: three, unless a class needs less. */
    int clusterSize() {
        return 3;
    }

    @BeforeEach
    void everyNodeRuns() {
        Chromium.assumeInstalled();
        for (long id : cluster.ids()) {
            if (!cluster.running(id)) {
                cluster.kill(id); // forget a node that died on its own
                cluster.start(id);
            }
        }
        leaderAtStart = cluster.awaitStableLeader();
    }

    @AfterEach
    void stopBrowsers() throws Exception {
        for (ChromeDriver browser : browsers) {
            try {
                browser.quit();
            } catch (RuntimeException e) {
                // a browser that already died has nothing left to stop
            }
        }
        browsers.clear();
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
        closeables.clear();
    }

    @AfterAll
    void stopCluster() {
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

    /** A name no other test used, within the limits of user and room names. */
    static String unique(String prefix) {
        return prefix + "-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
    }

    /** Fails on uncaught script errors in the page (network failures the test caused on purpose are fine). */
    static void assertNoScriptErrors(ChatPage page) {
        List<String> errors = page.driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .map(LogEntry::getMessage)
                .filter(message -> message.contains("Uncaught")
                        || message.contains("SyntaxError")
                        || message.contains("TypeError")
                        || message.contains("ReferenceError")
                        || message.contains("Content Security Policy"))
                .toList();
        assertThat(errors).as("script errors in the page").isEmpty();
    }
}
