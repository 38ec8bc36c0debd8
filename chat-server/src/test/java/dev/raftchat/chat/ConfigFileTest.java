package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --config FILE}: flag > environment > file > default, unknown names refused, secrets never printed. */
class ConfigFileTest {

    @TempDir
    Path directory;

    private Path file(String text) throws Exception {
        Path file = directory.resolve("raft-chat.properties");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void precedenceIsFlagThenEnvironmentThenFileThenDefault() throws Exception {
        Path config = file("""
                # node 2 of three
                id = 2
                cluster = http://127.0.0.1:1001,http://127.0.0.1:1002,http://127.0.0.1:1003
                port = 7000
                snapshot-count = 500
                request-timeout-ms = 1234
                admin-token = s3cret-from-file-0123456789
                """);
        ChatNodeConfig fromFile =
                ParsedFlags.parse(Map.of(), "--config", config.toString()).toConfig();
        assertThat(fromFile.nodeId()).isEqualTo(2);
        assertThat(fromFile.httpPort()).isEqualTo(7000);
        assertThat(fromFile.snapshotCount()).isEqualTo(500);
        assertThat(fromFile.requestTimeoutMillis()).isEqualTo(1234);
        assertThat(fromFile.tickMillis())
                .as("not in the file: the default")
                .isEqualTo(ChatNodeConfig.DEFAULT_TICK_MILLIS);
        assertThat(fromFile.adminToken()).isEqualTo("s3cret-from-file-0123456789");

        Map<String, String> environment = Map.of("RAFT_CHAT_PORT", "7100", "RAFT_CHAT_SNAPSHOT_COUNT", "600");
        ChatNodeConfig environmentWins =
                ParsedFlags.parse(environment, "--config=" + config).toConfig();
        assertThat(environmentWins.httpPort()).isEqualTo(7100);
        assertThat(environmentWins.snapshotCount()).isEqualTo(600);
        assertThat(environmentWins.requestTimeoutMillis()).isEqualTo(1234);

        ChatNodeConfig flagWins = ParsedFlags.parse(environment, "--config", config.toString(), "--port", "7200")
                .toConfig();
        assertThat(flagWins.httpPort()).isEqualTo(7200);
        assertThat(flagWins.snapshotCount()).isEqualTo(600);

        ChatNodeConfig fileFromEnvironment =
                ParsedFlags.parse(Map.of("RAFT_CHAT_CONFIG", config.toString())).toConfig();
        assertThat(fileFromEnvironment.httpPort()).isEqualTo(7000);
    }

    @Test
    void anUnknownNameOrAMissingFileIsAClearError() throws Exception {
        Path typo = file("snapshot-cuont = 5\n");
        assertThatThrownBy(() -> ParsedFlags.parse(Map.of(), "--config", typo.toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown option 'snapshot-cuont'")
                .hasMessageContaining("snapshot-count");
        assertThatThrownBy(() -> ParsedFlags.parse(
                        Map.of(),
                        "--config",
                        directory.resolve("absent.properties").toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot read the configuration file");
    }

    @Test
    void theEffectiveConfigurationRedactsTheAdminToken() throws Exception {
        Path config = file("admin-token = s3cret-from-file-0123456789\n");
        ChatNodeConfig node =
                ParsedFlags.parse(Map.of(), "--config", config.toString()).toConfig();
        String described = RaftChatMain.describe(node);
        assertThat(described).doesNotContain("s3cret").contains("admin-token=(redacted)");
        assertThat(node.toString()).doesNotContain("s3cret");
        PrintStream previous = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            RaftChatMain.commandLine(new String[0], Map.of()).execute("--help");
        } finally {
            System.setOut(previous);
        }
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("--config", "--tls-cert", "--peer-tls-ca");
    }
}
