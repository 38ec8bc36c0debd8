package dev.raftchat.bench.chat;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The node JVM options of {@link ChatBench} and {@link ChatFanout}, as a picocli mixin: a small heap with the serial
 * collector by default (the nodes share the machine with the load generator), and any more options.
 */
final class NodeJvmOptions {
    @Option(
            names = "--heap",
            paramLabel = "SIZE",
            defaultValue = "256m",
            description = "Each node's -Xmx (default: ${DEFAULT-VALUE}).")
    String heap;

    @Option(
            names = "--node-jvm-options",
            paramLabel = "OPTIONS",
            defaultValue = "",
            description = "More JVM options for the nodes, space-separated.")
    String moreOptions;

    /** {@code -Xmx<heap> -XX:+UseSerialGC}, then the {@code --node-jvm-options} in order. */
    List<String> list() {
        List<String> options = new ArrayList<>(List.of("-Xmx" + heap, "-XX:+UseSerialGC"));
        for (String option : moreOptions.trim().split("\\s+")) {
            if (!option.isEmpty()) {
                options.add(option);
            }
        }
        return options;
    }
}
