package dev.raftchat.raft.runtime;

import static dev.raftchat.raft.runtime.CounterStateMachine.add;
import static dev.raftchat.raft.runtime.CounterStateMachine.get;
import static dev.raftchat.raft.runtime.CounterStateMachine.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.raftchat.raft.message.ReadIndexRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What must differ between two runs of one node started with the same {@code NodeConfig.randomSeed}
 * (issue 17, bugs 2 and 4), and a lease across a stall of the Raft thread (bug 1).
 */
class RunUniquenessAndStallTest {

    private static final long WAIT_SECONDS = 20;

    @Test
    @DisplayName(
            "a follower restarted with the same seed forwards proposals that the leader does not drop as duplicates")
    void forwardedProposalsAfterARestartWithTheSameSeedAreNotDuplicates() throws Exception {
        try (ServerCluster cluster = new ServerCluster(3, builder -> builder.proposalTimeoutMillis(3_000))) {
            RaftServer leader = cluster.awaitLeader();
            long followerId = cluster.anotherThan(leader).id();
            for (int i = 1; i <= 3; i++) {
                cluster.server(followerId).propose(add("f", 1)).get(WAIT_SECONDS, TimeUnit.SECONDS);
            }
            cluster.server(followerId).close();
            RaftServer restarted = cluster.start(followerId); // same config, so the same seed
            await().atMost(ServerCluster.WAIT).until(() -> restarted.status().leaderId() == leader.id());
            assertThat(leader.status().term())
                    .as("same leader, same term")
                    .isEqualTo(restarted.status().term());
            for (int i = 4; i <= 6; i++) {
                assertThat(text(restarted.propose(add("f", 1)).get(WAIT_SECONDS, TimeUnit.SECONDS)))
                        .as("forward %s, the %sth of the new run", i, i - 3)
                        .isEqualTo("" + i);
            }
        }
    }

    @Test
    @DisplayName("a follower restarted with the same seed asks with read contexts its previous run never used")
    void readContextsDifferBetweenRunsWithTheSameSeed() throws Exception {
        try (ServerCluster cluster = new ServerCluster(3)) {
            RaftServer leader = cluster.awaitLeader();
            long followerId = cluster.anotherThan(leader).id();
            ConcurrentLinkedQueue<Long> contexts = new ConcurrentLinkedQueue<>();
            cluster.network.dropIf(m -> {
                if (m instanceof ReadIndexRequest request && request.from() == followerId) {
                    contexts.add(request.context());
                }
                return false;
            });
            for (int i = 0; i < 3; i++) {
                cluster.server(followerId).read(get("x")).get(WAIT_SECONDS, TimeUnit.SECONDS);
            }
            List<Long> firstRun = new ArrayList<>(contexts);
            assertThat(firstRun).hasSize(3);
            contexts.clear();
            cluster.server(followerId).close();
            RaftServer restarted = cluster.start(followerId);
            await().atMost(ServerCluster.WAIT).until(() -> restarted.status().leaderId() == leader.id());
            for (int i = 0; i < 3; i++) {
                restarted.read(get("x")).get(WAIT_SECONDS, TimeUnit.SECONDS);
            }
            // A late answer to a context of the first run would otherwise confirm a read of the second.
            assertThat(contexts).hasSize(3).doesNotContainAnyElementsOf(firstRun);
        }
    }

    @Test
    @DisplayName("thesis §6.4.1: a leader stalled past its lease and cut off meanwhile does not serve from the lease")
    void aStalledLeaderDoesNotServeFromALeaseThatExpiredDuringTheStall() throws Exception {
        try (ServerCluster cluster = new ServerCluster(
                3,
                builder -> builder.readTimeoutMillis(10_000)
                        .node(builder.build().node().withLeaseReads(true, 2)))) {
            RaftServer oldLeader = cluster.awaitLeader();
            oldLeader.propose(add("x", 1)).get(WAIT_SECONDS, TimeUnit.SECONDS);

            // Stall the old leader's Raft thread inside a query, then cut it off while it is stalled.
            CountDownLatch stalled = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            cluster.machine(oldLeader.id()).stallNextQuery(stalled, release);
            CompletableFuture<byte[]> beforeStall = oldLeader.read(get("x"));
            assertThat(stalled.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
            cluster.network.isolate(oldLeader.id());

            List<Long> majority = new ArrayList<>(cluster.ids());
            majority.remove(oldLeader.id());
            RaftServer newLeader = cluster.awaitLeaderAmong(majority);
            assertThat(text(newLeader.propose(add("x", 5)).get(WAIT_SECONDS, TimeUnit.SECONDS)))
                    .isEqualTo("6");

            CompletableFuture<byte[]> afterStall = oldLeader.read(get("x"));
            release.countDown();
            assertThat(text(beforeStall.get(WAIT_SECONDS, TimeUnit.SECONDS))).isEqualTo("1");
            // The stall lasted many election timeouts: the followers' promise ended long ago, and a new
            // leader has committed x=6. Serving this read from the lease would answer 1.
            // It fails: not confirmed (CheckQuorum deposes the cut-off leader), or past its deadline when
            // the stall outlasted it on a loaded machine. Either way nothing was read.
            assertThatThrownBy(() -> afterStall.get(WAIT_SECONDS, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOfAny(ReadNotConfirmedException.class, RaftTimeoutException.class);
        }
    }
}
