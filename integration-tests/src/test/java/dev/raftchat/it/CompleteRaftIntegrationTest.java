package dev.raftchat.it;

import static dev.raftchat.it.NettyFileCluster.WAIT;
import static dev.raftchat.it.NettyFileCluster.call;
import static dev.raftchat.it.NettyFileCluster.query;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.raftchat.raft.confchange.ConfChange;
import dev.raftchat.raft.confchange.ConfChange.Op;
import dev.raftchat.raft.confchange.ConfChange.OpType;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.runtime.RaftServer;
import dev.raftchat.raft.runtime.RaftServerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5's features on a real cluster: Netty on loopback, files on disk. Each test waits with
 * Awaitility, never sleeps.
 */
class CompleteRaftIntegrationTest {

    @TempDir
    Path directory;

    private NettyFileCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Starts nodes 1..{@code nodes}, of which 1, 2 and 3 are the voters, and waits for their leader. */
    private RaftServer startAll(int nodes, UnaryOperator<RaftServerConfig.Builder> configure) {
        cluster = new NettyFileCluster(directory, 3, nodes, configure);
        for (long id = 1; id <= nodes; id++) {
            cluster.start(id);
        }
        return cluster.awaitLeader(List.of(1L, 2L, 3L));
    }

    private static List<String> items(String prefix, int count) {
        List<String> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(prefix + i);
        }
        return list;
    }

    @Test
    void aWipedFollowerCatchesUpFromASnapshot() {
        RaftServer leader = startAll(3, b -> b.snapshotIntervalEntries(20).snapshotLogTailEntries(5));
        long follower = leader.id() == 3 ? 2 : 3;
        cluster.kill(follower);
        cluster.wipe(follower);
        for (String item : items("m", 60)) {
            call(leader, item);
        }
        await().atMost(WAIT)
                .until(() -> leader.status().raft().lastIndex() > 0
                        && cluster.machine(leader.id()).items().size() == 60);
        cluster.start(follower);
        await().atMost(WAIT)
                .untilAsserted(
                        () -> assertThat(cluster.machine(follower).items()).isEqualTo(items("m", 60)));
        assertThat(cluster.machine(follower).nothingAppliedTwice()).isTrue();
        assertThat(cluster.machine(follower).firstAppliedIndex())
                .as("the early entries came in the snapshot")
                .isGreaterThan(20);
        assertThat(directory
                        .resolve("node-" + follower)
                        .resolve("snapshots")
                        .toFile()
                        .list())
                .as("the follower holds the leader's snapshot")
                .anyMatch(name -> name.endsWith(".snap"));
    }

    @Test
    void aJointChangeReplacesTwoOfThreeVoters() throws Exception {
        // nodes 4 and 5 run and know the cluster but are not members yet
        RaftServer leader = startAll(5, b -> b);
        call(leader, "before");
        List<Long> others = new ArrayList<>(List.of(1L, 2L, 3L));
        others.remove(leader.id());
        ConfState result = leader.changeMembership(ConfChange.of(
                        new Op(OpType.ADD_VOTER, 4),
                        new Op(OpType.ADD_VOTER, 5),
                        new Op(OpType.REMOVE, others.get(0)),
                        new Op(OpType.REMOVE, others.get(1))))
                .get(20, TimeUnit.SECONDS);
        assertThat(result.voters()).containsExactlyInAnyOrder(leader.id(), 4L, 5L);
        assertThat(result.isJoint()).isFalse();
        await().atMost(WAIT)
                .until(() -> cluster.server(others.get(0)).status().isRemoved()
                        && cluster.server(others.get(1)).status().isRemoved());
        cluster.kill(others.get(0));
        cluster.kill(others.get(1));
        call(leader, "after");
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(cluster.machine(5).items()).containsExactly("before", "after"));
    }

    @Test
    void aLearnerIsPromotedOnceCaughtUp() throws Exception {
        RaftServer leader = startAll(4, b -> b);
        for (String item : items("x", 20)) {
            call(leader, item);
        }
        ConfState withLearner = leader.addLearner(4).get(20, TimeUnit.SECONDS);
        assertThat(withLearner.learners()).containsExactly(4L);
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(cluster.machine(4).items()).isEqualTo(items("x", 20)));
        ConfState promoted = leader.addVoter(4).get(20, TimeUnit.SECONDS);
        assertThat(promoted.voters()).containsExactly(1L, 2L, 3L, 4L);
        assertThat(promoted.learners()).isEmpty();
        await().atMost(WAIT)
                .until(() -> cluster.server(4).status().raft().conf().isVoter(4));
    }

    @Test
    void removingTheLeaderHandsOverAndTheOldLeaderLearnsItWasRemoved() throws Exception {
        RaftServer leader = startAll(3, b -> b);
        call(leader, "one");
        ConfState after = leader.removeMember(leader.id()).get(20, TimeUnit.SECONDS);
        assertThat(after.voters()).doesNotContain(leader.id()).hasSize(2);
        await().atMost(WAIT)
                .until(() -> leader.status().isRemoved() && !leader.status().isLeader());
        List<Long> rest = new ArrayList<>(after.voters());
        RaftServer next = cluster.awaitLeader(rest);
        assertThat(next.id()).isNotEqualTo(leader.id());
        call(next, "two");
        await().atMost(WAIT)
                .untilAsserted(
                        () -> assertThat(cluster.machine(rest.get(0)).items()).containsExactly("one", "two"));
    }

    @Test
    void aFollowerReadSeesAWriteAcknowledgedJustBeforeIt() {
        RaftServer leader = startAll(3, b -> b);
        List<Long> followers = new ArrayList<>(List.of(1L, 2L, 3L));
        followers.remove(leader.id());
        for (int i = 0; i < 20; i++) {
            String item = "w" + i;
            call(leader, item);
            // Acknowledged on the leader; a linearizable read on any follower must see it at once.
            RaftServer follower = cluster.server(followers.get(i % 2));
            assertThat(query(follower, "contains " + item))
                    .as("read of %s on node %s", item, follower.id())
                    .isEqualTo("true");
        }
    }
}
