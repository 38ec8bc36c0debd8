package dev.raftchat.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.raftchat.raft.core.Role;
import dev.raftchat.raft.transport.netty.TransportTls;
import dev.raftchat.testsupport.TestCertificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 3- and 5-node clusters in one JVM ({@link NettyFileCluster}): {@code RaftServer}s over real Netty on loopback
 * and real files.
 * Every wait is an Awaitility condition. Commands are acknowledged by the leader of the moment; a
 * command whose outcome was unknown (timeout) may be retried, so the checks are that every node
 * applied the same sequence and that it holds every acknowledged command in acknowledgement order.
 */
class ClusterIntegrationTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    Path directory;

    private NettyFileCluster cluster;
    private final List<String> acknowledged = new ArrayList<>();

    @AfterEach
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static ConditionFactory eventually() {
        return await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20));
    }

    private long awaitStableLeader() {
        eventually().until(cluster::hasStableLeader);
        return cluster.leader().orElseThrow();
    }

    /** Proposes {@code command} through the current leader until one acknowledges it. */
    private void commit(String command) {
        eventually().ignoreExceptions().until(() -> {
            long leader = cluster.leader().orElseThrow();
            cluster.propose(leader, command).get(5, TimeUnit.SECONDS);
            return true;
        });
        acknowledged.add(command);
    }

    /** Every running node applied the same commands, including every acknowledged one, in order. */
    private void awaitSameHistoryEverywhere() {
        eventually().untilAsserted(() -> {
            List<Long> running = cluster.running();
            List<String> reference = cluster.applied(running.get(0));
            assertThat(reference).containsSubsequence(acknowledged);
            for (long id : running) {
                assertThat(cluster.applied(id)).as("node %s", id).isEqualTo(reference);
            }
        });
    }

    private List<String> commitMany(String prefix, int count) {
        List<String> commands = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            commit(prefix + i);
            commands.add(prefix + i);
        }
        return commands;
    }

    @Test
    void threeNodesElectReplicateAndReplaceAKilledLeaderWhichThenCatchesUp() throws Exception {
        cluster = new NettyFileCluster(directory, 3).startAll();
        long firstLeader = awaitStableLeader();
        commitMany("a", 20);
        long follower = cluster.running().stream()
                .filter(id -> id != firstLeader)
                .findFirst()
                .orElseThrow();
        // Followers forward proposals to the leader.
        cluster.propose(follower, "via-follower").get(10, TimeUnit.SECONDS);
        acknowledged.add("via-follower");
        awaitSameHistoryEverywhere();
        long firstTerm = cluster.term(firstLeader);

        cluster.kill(firstLeader);
        long secondLeader = awaitStableLeader();
        assertThat(secondLeader).isNotEqualTo(firstLeader);
        assertThat(cluster.term(secondLeader)).isGreaterThan(firstTerm);
        commitMany("b", 20);
        awaitSameHistoryEverywhere();

        cluster.start(firstLeader);
        awaitSameHistoryEverywhere();
        assertThat(cluster.applied(firstLeader))
                .containsSubsequence(acknowledged)
                .hasSizeGreaterThanOrEqualTo(41);
        assertThat(awaitStableLeader()).isNotEqualTo(0);
    }

    @Test
    void aPartitionedLeaderStepsDownAndItsUncommittedEntriesAreDiscarded() {
        cluster = new NettyFileCluster(directory, 3).startAll();
        long oldLeader = awaitStableLeader();
        commit("before");
        awaitSameHistoryEverywhere();

        cluster.isolate(oldLeader);
        CompletableFuture<byte[]> lost = cluster.propose(oldLeader, "lost-write");
        // CheckQuorum: without hearing from a majority for an election timeout, the leader steps down.
        eventually().until(() -> cluster.server(oldLeader).status().role() != Role.LEADER);
        eventually().until(() -> cluster.leader().filter(id -> id != oldLeader).isPresent());
        commit("after");

        cluster.heal();
        awaitSameHistoryEverywhere();
        eventually().until(lost::isDone);
        assertThat(lost).isCompletedExceptionally();
        for (long id : cluster.running()) {
            assertThat(cluster.applied(id))
                    .as("node %s", id)
                    .containsSubsequence("before", "after")
                    .doesNotContain("lost-write");
        }
        assertThat(awaitStableLeader()).isNotEqualTo(0);
    }

    @Test
    void threeNodesReplicateOverMutualTls() {
        TestCertificates.Authority ca = TestCertificates.newAuthority("cluster-ca");
        Map<Long, TestCertificates.NodeCertificate> certificates = new TreeMap<>();
        for (long id = 1; id <= 3; id++) {
            certificates.put(id, ca.issue("node-" + id, id));
        }
        cluster = new NettyFileCluster(directory, 3, 3, b -> b, id -> {
                    TestCertificates.NodeCertificate node = certificates.get(id);
                    return TransportTls.mutual(node.key(), node.chain(), ca.certificate());
                })
                .startAll();
        long leader = awaitStableLeader();
        commitMany("secure", 10);

        awaitSameHistoryEverywhere();
        cluster.kill(leader);
        awaitStableLeader();
        commit("after-failover");
        awaitSameHistoryEverywhere();
    }

    @Test
    void aNodeJoinsAtRuntimeOnceTheOthersKnowItsAddress() throws Exception {
        cluster = new NettyFileCluster(directory, 3).startAll();
        long leader = awaitStableLeader();
        commitMany("a", 5);
        awaitSameHistoryEverywhere();

        long newcomer = cluster.addNode();
        cluster.server(leader).addLearner(newcomer).get(20, TimeUnit.SECONDS);
        // The learner receives the whole log, including what was written before it joined.
        awaitSameHistoryEverywhere();
        cluster.server(leader).addVoter(newcomer).get(20, TimeUnit.SECONDS);
        commitMany("b", 5);

        awaitSameHistoryEverywhere();
        assertThat(cluster.running()).hasSize(4);
        assertThat(cluster.server(newcomer).status().raft().conf().voters()).contains(newcomer);
    }

    @Test
    void fiveNodesKeepGoingWithTwoDownAndTheRestartedOnesCatchUpFromTheirFiles() {
        cluster = new NettyFileCluster(directory, 5).startAll();
        long leader = awaitStableLeader();
        commitMany("a", 10);
        awaitSameHistoryEverywhere();

        long follower = cluster.running().stream()
                .filter(id -> id != leader)
                .findFirst()
                .orElseThrow();
        cluster.kill(follower);
        cluster.kill(leader);
        awaitStableLeader();
        commitMany("b", 10);
        awaitSameHistoryEverywhere();

        cluster.start(follower);
        cluster.start(leader);
        awaitSameHistoryEverywhere();
        assertThat(cluster.running()).hasSize(5);
        assertThat(cluster.applied(leader)).containsSubsequence(acknowledged).hasSizeGreaterThanOrEqualTo(20);
    }
}
