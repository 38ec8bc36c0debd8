package dev.raftchat.jepsen;

import dev.raftchat.chat.testkit.RaftChatCluster;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How a fault run starts its raft-chat nodes: chat-testkit's {@link RaftChatCluster} (one JVM per node from the
 * chat-server fat jar, ports, working directories, pids, kill -9, SIGSTOP) set up for {@link NetworkFaults}: each
 * node binds to the network's address for it, names its peers as the network says (a proxy may sit between), and,
 * when the network gives it a user id ({@link IptablesFaults}), runs as that user through {@code setpriv}.
 *
 * @param jar                  the raft-chat fat jar
 * @param dataRoot             the nodes' working and data directories (and the cluster secret)
 * @param logDir               the node logs ({@code node-<id>.log})
 * @param heapMegabytes        each node's {@code -Xmx}
 * @param tickMillis           {@code --tick-ms}
 * @param requestTimeoutMillis {@code --request-timeout-ms}
 * @param snapshotCount        {@code --snapshot-count}
 */
public record JepsenNodes(
        Path jar,
        Path dataRoot,
        Path logDir,
        int heapMegabytes,
        long tickMillis,
        long requestTimeoutMillis,
        long snapshotCount) {
    private static final Duration STATUS_TIMEOUT = Duration.ofMillis(1_500);
    private static final int WRITES_PER_MINUTE_MAX = 10_000_000;

    public JepsenNodes {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("the raft-chat jar " + jar + " does not exist; build it with "
                    + "./mvnw -B -pl chat-server -am package -DskipTests");
        }
        if (heapMegabytes < 32 || tickMillis < 1 || requestTimeoutMillis < 1 || snapshotCount < 1) {
            throw new IllegalArgumentException("bad node settings: " + this);
        }
    }

    /** A cluster with no node defined yet: define every initial node before starting any. */
    public RaftChatCluster cluster(NetworkFaults network, HttpClient http) {
        return RaftChatCluster.builder(dataRoot)
                .jar(jar)
                .logDir(logDir)
                .jvmOptions(List.of(
                        "-Xmx" + heapMegabytes + "m",
                        "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1",
                        "-Xss512k",
                        "-XX:-UsePerfData",
                        // raft-storage-file writes each segment's synced length to a sidecar, for LOSE_UNSYNCED
                        "-Ddev.raftchat.storage.syncedLengthFile=true"))
                .arguments(
                        "--tick-ms",
                        Long.toString(tickMillis),
                        "--request-timeout-ms",
                        Long.toString(requestTimeoutMillis),
                        "--snapshot-count",
                        Long.toString(snapshotCount),
                        // Every client connects from this machine's one address: the per-address write limit
                        // (a defence against abusive clients) would turn the workload into 429s.
                        "--writes-per-minute-per-address",
                        Integer.toString(WRITES_PER_MINUTE_MAX),
                        "--writes-per-minute-per-user",
                        Integer.toString(WRITES_PER_MINUTE_MAX))
                .host(network::host)
                .peerUrls((from, to, hostOfTo, peerPortOfTo) -> network.peerUrl(from, to, peerPortOfTo))
                // Node processes may run as different users (IptablesFaults): the secret is readable by all.
                .secretPermissions("rw-r--r--")
                .launcher(new AsNetworkUser(network))
                .httpClient(http)
                .statusTimeout(STATUS_TIMEOUT)
                .build();
    }

    /** Runs a node as the user id the network gives it (if any), owning its working directory. */
    private record AsNetworkUser(NetworkFaults network) implements RaftChatCluster.Launcher {
        @Override
        public void prepare(RaftChatCluster.Node node) throws IOException {
            int uid = network.uid(node.id());
            if (uid >= 0) {
                List<String> chown =
                        List.of("chown", "-R", uid + ":" + uid, node.workDir().toString());
                IptablesFaults.Result result = IptablesFaults.runCommand(chown);
                if (result.exitCode() != 0) {
                    throw new IllegalStateException(String.join(" ", chown) + " failed: "
                            + result.output().strip());
                }
            }
        }

        @Override
        public List<String> command(RaftChatCluster.Node node, List<String> java) {
            int uid = network.uid(node.id());
            if (uid < 0) {
                return java;
            }
            List<String> command = new ArrayList<>(List.of(
                    IptablesFaults.executable("setpriv"), "--reuid=" + uid, "--regid=" + uid, "--clear-groups"));
            command.addAll(java);
            return command;
        }
    }
}
