package dev.raftchat.bench.chat;

import dev.raftchat.chat.testkit.RaftChatCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The chat benchmarks' 3-node cluster (chat-testkit's {@link RaftChatCluster}: one {@code java -jar} process per
 * node on loopback, working directory {@code <dir>/node-<id>}, log {@code <dir>/node-<id>.log}, every process
 * ended on close or JVM exit) and what the benchmarks measure of its processes: resident set, heap after a full
 * collection, bytes on disk.
 */
final class ChatNodes {
    /**
     * Node options every chat benchmark passes: a load generator's clients all come from 127.0.0.1, and the
     * default write limit per client address (600 per minute, burst included) would answer most of its posts
     * with 429 after the first second. The limit is raised to its maximum, not switched off, so the limiter's
     * own cost stays in the measurement. For the same reason the connections one address may hold are raised to
     * the node's total (4096): a scale run opens more than the default 256 per address.
     */
    static final List<String> BENCH_NODE_OPTIONS = List.of(
            "--writes-per-minute-per-address",
            "100000000",
            "--writes-per-minute-per-user",
            "100000000",
            "--http-connections-per-address-max",
            "4096");

    static final int NODES = 3;

    private ChatNodes() {}

    /** A cluster of {@link #NODES} nodes, none started (see the other overload). */
    static RaftChatCluster cluster(Path jar, Path directory, List<String> jvmOptions, List<String> nodeOptions) {
        return cluster(jar, directory, NODES, jvmOptions, nodeOptions);
    }

    /**
     * A cluster of {@code nodes} nodes, none started.
     *
     * @param jvmOptions  options for each node's JVM (heap, GC)
     * @param nodeOptions raft-chat options for each node, after {@link #BENCH_NODE_OPTIONS}
     */
    static RaftChatCluster cluster(
            Path jar, Path directory, int nodes, List<String> jvmOptions, List<String> nodeOptions) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(
                    "no chat-server jar at " + jar + " (build it: ./mvnw -pl chat-server -am package)");
        }
        return RaftChatCluster.builder(directory)
                .nodes(nodes)
                .jar(jar)
                .jvmOptions(jvmOptions)
                .arguments(BENCH_NODE_OPTIONS)
                .arguments(nodeOptions)
                .build();
    }

    /** Resident set size of process {@code pid} in KiB (VmRSS of /proc/pid/status), -1 if unknown. */
    static long residentKibibytes(long pid) {
        try {
            for (String line :
                    Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Heap in use by process {@code pid} after a full collection, in KiB, from {@code jcmd <pid> GC.run} and
     * {@code GC.heap_info}; -1 if jcmd is missing or its output cannot be read.
     */
    static long heapUsedAfterGcKibibytes(long pid) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            run(jcmd.toString(), Long.toString(pid), "GC.run");
            String info = run(jcmd.toString(), Long.toString(pid), "GC.heap_info");
            // e.g. " def new generation   total 9792K, used 123K [..." per generation; sum the "used".
            Matcher m = Pattern.compile("(?:generation|space|heap)\\s+total \\d+K, used (\\d+)K")
                    .matcher(info);
            long used = 0;
            boolean found = false;
            while (m.find()) {
                used += Long.parseLong(m.group(1));
                found = true;
            }
            return found ? used : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        return output;
    }

    /** Total size in bytes of the regular files under {@code directory}. */
    static long bytesUnder(Path directory) {
        if (!Files.exists(directory)) {
            return 0;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            return paths.filter(Files::isRegularFile)
                    .mapToLong(p -> {
                        try {
                            return Files.size(p);
                        } catch (IOException e) {
                            return 0; // deleted meanwhile (compaction)
                        }
                    })
                    .sum();
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }
}
