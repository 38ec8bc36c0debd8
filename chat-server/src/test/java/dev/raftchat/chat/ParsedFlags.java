package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import picocli.CommandLine;

/** raft-chat's command line parsed as {@code main} parses it (environment, {@code --config} file, flags), for tests. */
final class ParsedFlags {
    private ParsedFlags() {}

    /** The parsed command; @throws IllegalArgumentException for an unreadable config file, picocli's exceptions for bad flags */
    static RaftChatMain parse(Map<String, String> environment, String... args) {
        CommandLine commandLine = RaftChatMain.commandLine(args, environment);
        commandLine.parseArgs(args);
        return commandLine.getCommand();
    }

    /** The node config of {@link #parse}; @throws IllegalArgumentException naming a bad setting */
    static ChatNodeConfig config(Map<String, String> environment, String... args) {
        return parse(environment, args).toConfig();
    }

    /** Asserts that {@code flag value} alone makes no node config, with a message containing {@code message}. */
    static void assertRefused(String flag, String value, String message) {
        assertThatThrownBy(() -> config(Map.of(), flag, value)).hasMessageContaining(message);
    }
}
