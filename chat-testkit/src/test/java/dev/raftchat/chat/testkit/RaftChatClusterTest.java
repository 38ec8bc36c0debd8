package dev.raftchat.chat.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixture's own behaviour, with {@link FakeNode} in place of raft-chat (this module cannot depend on
 * chat-server, whose tests use it): the command line each node gets, the shared secret, the directories and
 * logs, and process control by pid. The fixture against real raft-chat processes is exercised by its users:
 * chat-server's {@code *IT}, chat-e2e, jepsen-tests' {@code *IT} and the chat benchmarks.
 */
class RaftChatClusterTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path root;

    /** Runs {@link FakeNode} with the arguments the fixture gives raft-chat. */
    private static final RaftChatCluster.Launcher FAKE = new RaftChatCluster.Launcher() {
        @Override
        public List<String> command(RaftChatCluster.Node node, List<String> java) {
            int main = java.indexOf(RaftChatCluster.MAIN_CLASS);
            List<String> command = new ArrayList<>(java.subList(0, main));
            command.add(FakeNode.class.getName());
            command.addAll(java.subList(main + 1, java.size()));
            return command;
        }
    };

    private RaftChatCluster.Builder fake() {
        return RaftChatCluster.builder(root)
                .classPath(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")))
                .launcher(FAKE)
                .environment("RAFT_CHAT_EXTRA", "given");
    }

    private static void awaitOutput(RaftChatCluster cluster, int id, String text) {
        await().atMost(WAIT).until(() -> cluster.output(id).contains(text));
    }

    @Test
    void eachNodeGetsItsPortsTheInitialClusterTheSecretAndItsOwnDirectory() throws Exception {
        try (RaftChatCluster cluster =
                fake().nodes(3).arguments("--tick-ms", "100").build()) {
            RaftChatCluster.Node joiner = cluster.define(4, true);
            cluster.startAll();
            String initial = "http://127.0.0.1:" + cluster.node(1).peerPort() + ",http://127.0.0.1:"
                    + cluster.node(2).peerPort() + ",http://127.0.0.1:"
                    + cluster.node(3).peerPort();
            assertThat(cluster.clusterArgument()).isEqualTo(initial);
            assertThat(cluster.ids()).containsExactly(1, 2, 3, 4);

            awaitOutput(cluster, 2, "tmpdir: ");
            assertThat(cluster.output(2))
                    .contains("args: --id 2 --cluster " + initial + " --port " + cluster.httpPort(2)
                            + " --http-host 127.0.0.1 --tick-ms 100\n")
                    .contains("secret: " + root.resolve("cluster.secret"))
                    .contains("extra: given")
                    .contains("cwd: " + root.resolve("node-2"))
                    .contains("tmpdir: " + root.resolve("node-2"))
                    .contains("==== raft-chat-cluster: starting node 2 (start 1): ");
            awaitOutput(cluster, 4, "args: ");
            assertThat(cluster.output(4))
                    .contains("args: --id 4 --cluster " + initial + "," + joiner.peerUrl() + " --port "
                            + joiner.httpPort() + " --http-host 127.0.0.1 --join --tick-ms 100\n");
            assertThat(cluster.logFile(4)).isEqualTo(root.resolve("node-4.log"));
            assertThat(cluster.dataDir(4)).isEqualTo(root.resolve("node-4").resolve("raft-chat-4"));
            assertThat(Files.readString(root.resolve("cluster.secret"))).hasSizeGreaterThan(40);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("cluster.secret"))))
                    .isEqualTo("rw-------");
            assertThat(cluster.httpPort(1)).isNotEqualTo(cluster.httpPort(2));
        }
    }

    @Test
    void nodesAreKilledPausedStoppedAndRestartedByPidAndCloseEndsThemAll() throws Exception {
        RaftChatCluster cluster = fake().nodes(2).build();
        try {
            cluster.startAll();
            awaitOutput(cluster, 1, "tmpdir: ");
            awaitOutput(cluster, 2, "tmpdir: ");
            long first = cluster.pid(1);
            assertThatThrownBy(() -> cluster.start(1)).hasMessageContaining("already running");

            cluster.pause(1);
            assertThat(cluster.paused(1)).isTrue();
            await().atMost(WAIT).until(() -> state(first) == 'T');
            cluster.resume(1);
            await().atMost(WAIT).until(() -> state(first) != 'T');

            cluster.kill(1);
            assertThat(cluster.alive(1)).isFalse();
            assertThat(cluster.exitCode(1)).hasValue(128 + 9);
            assertThat(cluster.running()).containsExactly(2);
            cluster.start(1);
            assertThat(cluster.pid(1)).isNotEqualTo(first);
            awaitOutput(cluster, 1, "(start 2)");

            assertThat(cluster.stop(2)).as("SIGTERM").isEqualTo(128 + 15);
            assertThat(cluster.logTails())
                    .contains("===== node 1 (pid " + cluster.pid(1) + ", running)")
                    .contains("===== node 2 (pid ")
                    .contains("exited 143");
        } finally {
            cluster.close();
        }
        assertThat(cluster.alive(1)).isFalse();
        assertThat(ProcessHandle.of(cluster.pid(1)).filter(ProcessHandle::isAlive))
                .isEmpty();
    }

    /** The state letter of {@code /proc/<pid>/stat} ('T' when stopped). */
    private static char state(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return stat.charAt(stat.lastIndexOf(')') + 2);
    }
}
