package dev.raftchat.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.chat.testkit.RaftChatCluster;
import java.nio.file.Path;
import java.time.Duration;
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
 *
 * <p>The nodes are {@link RaftChatCluster} processes started from this test's class path (the fat jar is built
 * after the tests run), so a node can be killed with SIGKILL like a crashed machine and started again on the
 * same ports and data, and the browser can come back to it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BrowserTestSupport {
    static final Path SCREENSHOTS = Path.of("target", "screenshots");
    static final Duration CLUSTER_WAIT = Duration.ofSeconds(60);
    /** The default tick: the test machine is often loaded, and shorter elections flap there. */
    static final long TICK_MILLIS = 100;

    static final long REQUEST_TIMEOUT_MILLIS = 4_000;
    static final int PASSWORD_HASH_ITERATIONS = 10_000;

    private Path temp;
    RaftChatCluster cluster;
    int leaderAtStart;
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
        cluster = RaftChatCluster.builder(temp.resolve("data"))
                .nodes(clusterSize())
                .classPath(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")))
                .jvmOptions(List.of("-Xmx160m", "-XX:+UseSerialGC", "-XX:CICompilerCount=2"))
                .logDir(Path.of("target", "e2e-logs", getClass().getSimpleName()))
                .arguments(
                        "--tick-ms",
                        Long.toString(TICK_MILLIS),
                        "--request-timeout-ms",
                        Long.toString(REQUEST_TIMEOUT_MILLIS),
                        // The production cost of a password hash only slows every login of the tests down.
                        "--password-hash-iterations",
                        Integer.toString(PASSWORD_HASH_ITERATIONS))
                .build();
        cluster.startAll();
    }

    /** How many nodes the class's cluster has: three, unless a class needs less. */
    int clusterSize() {
        return 3;
    }

    @BeforeEach
    void everyNodeRuns() {
        Chromium.assumeInstalled();
        cluster.startAll(); // a node a test killed, or one that died on its own
        leaderAtStart = awaitStableLeader();
    }

    /** Waits until every running node is ready and they agree on one leader; returns it. */
    int awaitStableLeader() {
        return cluster.awaitReady(CLUSTER_WAIT);
    }

    /** A running node other than {@code leader}. */
    int follower(int leader) {
        return cluster.running().stream().filter(id -> id != leader).findFirst().orElseThrow();
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
