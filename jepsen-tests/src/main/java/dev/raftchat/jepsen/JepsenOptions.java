package dev.raftchat.jepsen;

import java.nio.file.Path;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Everything one fault-test run needs; every limit with its unit in the name.
 *
 * @param nodes                     initial voters (3 or 5)
 * @param timeSeconds               how long clients and the nemesis run before healing (at least: the first
 *                                  round, each selected fault once, always completes)
 * @param nemeses                   the faults to schedule (each alone once, then combinations)
 * @param clientsPerNode            client processes per initial node
 * @param opsPerSecondMax           all clients together start at most this many operations per second
 * @param opsMax                    all clients together start at most this many operations
 * @param faultMillis               how long each fault step lasts before it is healed
 * @param quietMillis               the pause between fault steps
 * @param recoverSeconds            after healing, how long nodes get to converge before the final read
 * @param resultsDir                where history, node logs and the summary go
 * @param jar                       the chat-server fat jar
 * @param networkMode               {@code auto}, {@code iptables} or {@code proxy}
 * @param retryOnOtherNode          retry an indeterminate post with the same idempotency key on another node
 *                                  (only sound when the server deduplicates by that key)
 * @param paginated                 {@code auto} (when the server has /api/v1), {@code on} or {@code off}
 * @param seed                      the nemesis' and the clients' choices
 * @param heapMegabytes             each node's -Xmx
 * @param tickMillis                the nodes' Raft tick
 * @param nodeRequestTimeoutMillis  the nodes' --request-timeout-ms
 * @param clientTimeoutMillis       a client's wait for one HTTP answer
 * @param snapshotCount             the nodes' --snapshot-count (small, so snapshots happen under faults)
 */
public record JepsenOptions(
        int nodes,
        int timeSeconds,
        Set<Fault> nemeses,
        int clientsPerNode,
        int opsPerSecondMax,
        int opsMax,
        long faultMillis,
        long quietMillis,
        long recoverSeconds,
        Path resultsDir,
        Path jar,
        String networkMode,
        boolean retryOnOtherNode,
        String paginated,
        long seed,
        int heapMegabytes,
        long tickMillis,
        long nodeRequestTimeoutMillis,
        long clientTimeoutMillis,
        long snapshotCount) {

    public JepsenOptions {
        require(nodes >= 1 && nodes <= 9, "--nodes must be in [1, 9], got " + nodes);
        require(timeSeconds >= 1, "--time must be >= 1 second, got " + timeSeconds);
        require(
                clientsPerNode >= 1 && clientsPerNode <= 32,
                "--clients-per-node must be in [1, 32], got " + clientsPerNode);
        require(
                opsPerSecondMax >= 1 && opsPerSecondMax <= 10_000,
                "--rate must be in [1, 10000] ops/s, got " + opsPerSecondMax);
        require(opsMax >= 1 && opsMax <= 1_000_000, "--ops-max must be in [1, 1000000], got " + opsMax);
        require(faultMillis >= 100, "--fault-ms must be >= 100, got " + faultMillis);
        require(quietMillis >= 0, "--quiet-ms must be >= 0, got " + quietMillis);
        require(recoverSeconds >= 5, "--recover-seconds must be >= 5, got " + recoverSeconds);
        require(
                Set.of("auto", "iptables", "proxy").contains(networkMode),
                "--network must be auto, iptables or proxy, got " + networkMode);
        require(
                Set.of("auto", "on", "off").contains(paginated),
                "--paginated must be auto, on or off, got " + paginated);
        require(heapMegabytes >= 32, "--heap-mb must be >= 32, got " + heapMegabytes);
        require(
                clientTimeoutMillis > nodeRequestTimeoutMillis,
                "--client-timeout-ms must exceed the nodes' request timeout (" + nodeRequestTimeoutMillis + "), got "
                        + clientTimeoutMillis);
        nemeses = Set.copyOf(nemeses);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The defaults of {@code bin/raft-jepsen}: 3 nodes, 60 s, every nemesis. */
    public static JepsenOptions defaults(Path resultsDir, Path jar) {
        return new JepsenOptions(
                3,
                60,
                Set.of(Fault.values()),
                2,
                40,
                100_000,
                5_000,
                2_000,
                60,
                resultsDir,
                jar,
                "auto",
                false,
                "auto",
                1,
                96,
                100,
                2_000,
                4_000,
                200);
    }

    public JepsenOptions withTime(int seconds, long faultMs, long quietMs) {
        return with(b -> {
            b.timeSeconds = seconds;
            b.faultMillis = faultMs;
            b.quietMillis = quietMs;
        });
    }

    public JepsenOptions withNodes(int count) {
        return with(b -> b.nodes = count);
    }

    public JepsenOptions withNetworkMode(String mode) {
        return with(b -> b.networkMode = mode);
    }

    public JepsenOptions withRetryOnOtherNode(boolean retry) {
        return with(b -> b.retryOnOtherNode = retry);
    }

    public JepsenOptions withNemeses(Set<Fault> faults) {
        return with(b -> b.nemeses = faults);
    }

    public JepsenOptions withSeed(long value) {
        return with(b -> b.seed = value);
    }

    /** Applies {@code change} to a copy of these fields; the canonical constructor validates the result again. */
    private JepsenOptions with(Consumer<Builder> change) {
        Builder builder = new Builder(this);
        change.accept(builder);
        return builder.build();
    }

    /** The mutable copy that the {@code with...} methods change, so that each names only what it changes. */
    private static final class Builder {
        private int nodes;
        private int timeSeconds;
        private Set<Fault> nemeses;
        private int clientsPerNode;
        private int opsPerSecondMax;
        private int opsMax;
        private long faultMillis;
        private long quietMillis;
        private long recoverSeconds;
        private Path resultsDir;
        private Path jar;
        private String networkMode;
        private boolean retryOnOtherNode;
        private String paginated;
        private long seed;
        private int heapMegabytes;
        private long tickMillis;
        private long nodeRequestTimeoutMillis;
        private long clientTimeoutMillis;
        private long snapshotCount;

        Builder(JepsenOptions c) {
            nodes = c.nodes;
            timeSeconds = c.timeSeconds;
            nemeses = c.nemeses;
            clientsPerNode = c.clientsPerNode;
            opsPerSecondMax = c.opsPerSecondMax;
            opsMax = c.opsMax;
            faultMillis = c.faultMillis;
            quietMillis = c.quietMillis;
            recoverSeconds = c.recoverSeconds;
            resultsDir = c.resultsDir;
            jar = c.jar;
            networkMode = c.networkMode;
            retryOnOtherNode = c.retryOnOtherNode;
            paginated = c.paginated;
            seed = c.seed;
            heapMegabytes = c.heapMegabytes;
            tickMillis = c.tickMillis;
            nodeRequestTimeoutMillis = c.nodeRequestTimeoutMillis;
            clientTimeoutMillis = c.clientTimeoutMillis;
            snapshotCount = c.snapshotCount;
        }

        JepsenOptions build() {
            return new JepsenOptions(
                    nodes,
                    timeSeconds,
                    nemeses,
                    clientsPerNode,
                    opsPerSecondMax,
                    opsMax,
                    faultMillis,
                    quietMillis,
                    recoverSeconds,
                    resultsDir,
                    jar,
                    networkMode,
                    retryOnOtherNode,
                    paginated,
                    seed,
                    heapMegabytes,
                    tickMillis,
                    nodeRequestTimeoutMillis,
                    clientTimeoutMillis,
                    snapshotCount);
        }
    }
}
