package dev.raftchat.bench.chat;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options of the commands that run raft-chat node processes ({@link ChatBench}, {@link ChatScale},
 * {@link ChatFanout}), as a picocli mixin: which fat jar, and where the nodes run.
 */
final class NodeProcessOptions {
    @Option(
            names = "--jar",
            paramLabel = "PATH",
            defaultValue = "chat-server/target/chat-server-0.1.0-SNAPSHOT-all.jar",
            description = "The raft-chat fat jar (default: ${DEFAULT-VALUE}).")
    Path jar;

    @Option(
            names = "--dir",
            paramLabel = "DIR",
            description = "Where the nodes run (default: raft-bench/target/${COMMAND-NAME}/<UTC time>).")
    Path dirOption;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** {@code --dir}, or a new directory named after the command and the current UTC time; absolute. */
    Path dir() {
        if (dirOption != null) {
            return dirOption.toAbsolutePath();
        }
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                .withZone(ZoneOffset.UTC)
                .format(Instant.now());
        return Path.of("raft-bench/target", command.name(), stamp).toAbsolutePath();
    }
}
