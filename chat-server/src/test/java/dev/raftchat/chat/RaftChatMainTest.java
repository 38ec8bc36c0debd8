package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftchat.chat.ops.BuildInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class RaftChatMainTest {

    @Test
    void theSeedCommandLineGivesTheOriginalsLayout() {
        ChatNodeConfig config = ParsedFlags.parse(
                        Map.of(),
                        "--id",
                        "2",
                        "--cluster",
                        "http://127.0.0.1:12379,http://127.0.0.1:22379,http://127.0.0.1:32379",
                        "--port",
                        "22380")
                .toConfig();
        assertThat(config.nodeId()).isEqualTo(2);
        assertThat(config.peerAddress().port()).isEqualTo(22379);
        assertThat(config.cluster()).hasSize(3);
        assertThat(config.httpPort()).isEqualTo(22380);
        assertThat(config.dataDir()).isEqualTo(Path.of("raft-chat-2"));
        assertThat(config.join()).isFalse();
        assertThat(config.snapshotCount()).isEqualTo(10_000);
        assertThat(ParsedFlags.parse(Map.of(), "--join").toConfig().join()).isTrue();
    }

    @Test
    void theOriginalsDefaultsApplyWithoutFlags() {
        ChatNodeConfig config = ParsedFlags.parse(Map.of()).toConfig();
        assertThat(config.nodeId()).isEqualTo(1);
        assertThat(config.peerAddress().port()).isEqualTo(9021);
        assertThat(config.httpPort()).isEqualTo(9121);
    }

    @Test
    void everyFlagCanComeFromTheEnvironmentAndTheCommandLineWins() {
        Map<String, String> environment = Map.of(
                "RAFT_CHAT_ID", "3",
                "RAFT_CHAT_CLUSTER", "http://127.0.0.1:1001,http://127.0.0.1:1002,http://127.0.0.1:1003",
                "RAFT_CHAT_PORT", "4321",
                "RAFT_CHAT_JOIN", "true",
                "RAFT_CHAT_DATA_DIR", "/var/lib/chat",
                "RAFT_CHAT_SNAPSHOT_COUNT", "77");
        ChatNodeConfig fromEnvironment = ParsedFlags.parse(environment).toConfig();
        assertThat(fromEnvironment.nodeId()).isEqualTo(3);
        assertThat(fromEnvironment.httpPort()).isEqualTo(4321);
        assertThat(fromEnvironment.join()).isTrue();
        assertThat(fromEnvironment.dataDir()).isEqualTo(Path.of("/var/lib/chat"));
        assertThat(fromEnvironment.snapshotCount()).isEqualTo(77);
        assertThat(ParsedFlags.parse(environment, "--port", "5555").toConfig().httpPort())
                .isEqualTo(5555);
        assertThat(RaftChatMain.environmentVariable("--request-timeout-ms")).isEqualTo("RAFT_CHAT_REQUEST_TIMEOUT_MS");
    }

    @Test
    void badFlagsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> ParsedFlags.parse(
                                Map.of(), "--id", "4", "--cluster", "http://127.0.0.1:1,http://127.0.0.1:2")
                        .toConfig())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--id 4");
        assertThatThrownBy(() -> ParsedFlags.parse(Map.of(), "--cluster", "http://127.0.0.1:notaport")
                        .toConfig())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--cluster:");
        StringWriter errors = new StringWriter();
        CommandLine commandLine = RaftChatMain.commandLine(Map.of());
        commandLine.setErr(new PrintWriter(errors));
        assertThat(commandLine.execute("--port", "many")).isEqualTo(2);
        assertThat(errors.toString()).contains("--port");
        assertThat(RaftChatMain.commandLine(Map.of()).execute("--id", "0")).isEqualTo(2);
    }

    @Test
    void helpListsEveryFlag() {
        assertThat(outputOf("--help"))
                .contains("--id", "--cluster", "--port", "--join", "--data-dir", "--snapshot-count", "RAFT_CHAT_");
    }

    @Test
    void versionComesFromTheJarManifestAndSaysSoWithoutOne() {
        // Run from target/classes there is no manifest; DistributionIT checks the packaged jar's version.
        assertThat(outputOf("--version"))
                .startsWith("raft-chat " + BuildInfo.UNKNOWN_VERSION + "\n")
                .contains("Java 17");
    }

    @Test
    void anUnknownLogFormatIsABadFlag() {
        assertThat(RaftChatMain.commandLine(Map.of("RAFT_CHAT_LOG_FORMAT", "xml"))
                        .execute())
                .isEqualTo(2);
        assertThat(RaftChatMain.commandLine(Map.of()).execute("--log-format", "yaml"))
                .isEqualTo(2);
        assertThat(ParsedFlags.parse(Map.of("RAFT_CHAT_LOG_FORMAT", "json")).logFormat)
                .isEqualTo("json");
    }

    @Test
    void aFatalErrorIsOneLineWithItsCauses() {
        Exception failure = new IllegalStateException(
                "cannot open the log", new IOException("Permission denied", new RuntimeException()));
        assertThat(RaftChatMain.oneLine(failure))
                .isEqualTo("cannot open the log (cause: Permission denied) (cause: RuntimeException)")
                .doesNotContain("\n");
    }

    /** What {@code raft-chat flag} prints, once it exited 0. */
    private static String outputOf(String flag) {
        StringWriter out = new StringWriter();
        CommandLine commandLine = RaftChatMain.commandLine(Map.of());
        commandLine.setOut(new PrintWriter(out));
        assertThat(commandLine.execute(flag)).isZero();
        return out.toString();
    }
}
