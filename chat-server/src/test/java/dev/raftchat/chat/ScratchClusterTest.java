package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.raftchat.raft.transport.netty.PeerAddress;
import dev.raftchat.testsupport.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The scratch cluster behind the startup exercise and the launcher's class data sharing training. */
class ScratchClusterTest {
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);

    @TempDir
    Path temp;

    @BeforeEach
    void captureTheLog() {
        logged.start();
        root.addAppender(logged);
    }

    @AfterEach
    void releaseTheLog() {
        root.detachAppender(logged);
        logged.stop();
    }

    @Test
    void answersPostsWithinItsBoundsSaysNothingAndLeavesNothingBehind() throws IOException {
        Set<Path> before = scratchDirectories();
        // Something logged at INFO by the test's own thread outside the run does reach the log (the capture works).
        LoggerFactory.getLogger(ScratchClusterTest.class).info("before the scratch run");

        ScratchCluster.Result result = ScratchCluster.run(60_000, 30_000, 40);

        assertThat(result.posts())
                .as("posts stop at postsMax; each connection may have one more in flight when the count is reached")
                .isBetween(40L, 40L + ScratchCluster.CONNECTIONS - 1);
        assertThat(result.leaderMillis()).isBetween(0L, result.elapsedMillis());
        assertThat(scratchDirectories())
                .as("its temporary directory is deleted")
                .isEqualTo(before);
        List<String> lines =
                logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(lines).as("the capture works").contains("before the scratch run");
        assertThat(lines)
                .as("the scratch nodes' lines below ERROR (they name their nodes 1 to 3) are kept out of the log")
                .noneMatch(line -> line.matches("(?s).*\\bnode [123]\\b.*"));
        LoggerFactory.getLogger(ScratchClusterTest.class).info("after the scratch run");
        assertThat(logged.list)
                .as("nothing is filtered once it is over")
                .extracting(ILoggingEvent::getFormattedMessage)
                .contains("after the scratch run");
    }

    @Test
    void givesUpAtItsBudgetWhenNoLeaderCanBeElectedInTime() {
        // 1 ms cannot elect a leader: the run stops posting at once, closes its nodes and reports no post.
        ScratchCluster.Result result = ScratchCluster.run(1, 1_000, 1_000);
        assertThat(result.posts()).isZero();
        assertThat(result.leaderMillis()).isEqualTo(-1);
    }

    @Test
    void aNodeRunsItsStartupExerciseBeforeServingAndSaysSo() throws Exception {
        TreeMap<Long, PeerAddress> members = new TreeMap<>();
        members.put(1L, new PeerAddress("127.0.0.1", FreePorts.loopback()));
        ChatNodeConfig config = ChatNodeConfig.defaults(1, members)
                .withHttp("127.0.0.1", 0)
                .withDataDir(temp.resolve("raft-chat-1"))
                .withTiming(50, 2_500)
                .withStartupExerciseMillis(10_000);
        ChatNode node = ChatNode.start(config);
        try {
            List<String> exercise = logged.list.stream()
                    .filter(event -> event.getLevel() == Level.INFO)
                    .map(ILoggingEvent::getFormattedMessage)
                    .filter(message -> message.contains("startup exercise"))
                    .toList();
            assertThat(exercise)
                    .singleElement(InstanceOfAssertFactories.STRING)
                    .startsWith("node 1: startup exercise (--startup-exercise-ms 10000): a scratch 3-node cluster")
                    .containsPattern("answered [1-9][0-9]* posts in");
            HttpResponse<String> posted = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + "/rooms/general"))
                                    .timeout(Duration.ofSeconds(20))
                                    .POST(HttpRequest.BodyPublishers.ofString("{\"Message\":\"hi\",\"User\":\"u\"}"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(posted.statusCode()).as(posted.body()).isEqualTo(201);
            // The scratch cluster posted hundreds of messages to its own "general": none is in the node's state.
            HttpResponse<String> read = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + "/rooms/general"))
                                    .timeout(Duration.ofSeconds(20))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(read.body().split("\"Message\"", -1)).as(read.body()).hasSize(2);
            assertThat(read.body()).doesNotContain("exercise");
        } finally {
            node.close();
        }
    }

    @Test
    void theExerciseIsBoundedInTheConfiguration() {
        TreeMap<Long, PeerAddress> members = new TreeMap<>();
        members.put(1L, new PeerAddress("127.0.0.1", 1));
        ChatNodeConfig config = ChatNodeConfig.defaults(1, members);
        assertThat(config.startupExerciseMillis())
                .as("off for an embedded node")
                .isZero();
        assertThatThrownBy(() -> config.withStartupExerciseMillis(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("startupExerciseMillis");
        assertThatThrownBy(() -> config.withStartupExerciseMillis(ChatNodeConfig.STARTUP_EXERCISE_MILLIS_MAX + 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("startupExerciseMillis");
        assertThat(ParsedFlags.parse(Map.of()).toConfig().startupExerciseMillis())
                .as("off by default from the command line too, until a measurement shows it helps")
                .isEqualTo(ChatNodeConfig.DEFAULT_STARTUP_EXERCISE_MILLIS)
                .isZero();
        assertThat(ParsedFlags.parse(Map.of(), "--startup-exercise-ms", "8000")
                        .toConfig()
                        .startupExerciseMillis())
                .isEqualTo(8_000);
        assertThat(ParsedFlags.parse(Map.of("RAFT_CHAT_STARTUP_EXERCISE_MS", "5000"))
                        .toConfig()
                        .startupExerciseMillis())
                .isEqualTo(5_000);
    }

    private static Set<Path> scratchDirectories() throws IOException {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.filter(path -> path.getFileName().toString().startsWith("raft-chat-scratch-"))
                    .collect(Collectors.toSet());
        }
    }
}
