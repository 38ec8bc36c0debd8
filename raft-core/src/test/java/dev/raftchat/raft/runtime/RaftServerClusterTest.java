package dev.raftchat.raft.runtime;

import static dev.raftchat.raft.runtime.CounterStateMachine.add;
import static dev.raftchat.raft.runtime.CounterStateMachine.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.raftchat.raft.core.NotLeaderException;
import dev.raftchat.raft.core.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Three real servers over the in-memory network: election, replication, forwarding, faults. */
class RaftServerClusterTest {

    private static final long FUTURE_WAIT_SECONDS = 20;

    @Test
    void electsOneLeaderAndReplicatesProposalsWithTheStateMachinesResults() throws Exception {
        try (ServerCluster cluster = new ServerCluster(3)) {
            RaftServer leader = cluster.awaitLeader();

            List<CompletableFuture<byte[]>> futures = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                futures.add(leader.propose(add("x", 1)));
            }
            // The state machine returns the running total, so each future must see its own position.
            for (int i = 0; i < futures.size(); i++) {
                assertThat(text(futures.get(i).get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS)))
                        .isEqualTo("" + (i + 1));
            }
            cluster.awaitSameAppliedCommands(cluster.ids(), 20);
            for (long id : cluster.ids()) {
                assertThat(cluster.machine(id).counter("x")).isEqualTo(20);
            }
            await().atMost(ServerCluster.WAIT).untilAsserted(() -> {
                for (long id : cluster.ids()) {
                    ServerStatus status = cluster.server(id).status();
                    assertThat(status.leaderId()).isEqualTo(leader.id());
                    assertThat(cluster.server(id).isLeader()).isEqualTo(id == leader.id());
                    // 20 commands plus the leader's no-op.
                    assertThat(status.appliedIndex()).isGreaterThanOrEqualTo(21);
                    assertThat(status.commitIndex()).isGreaterThanOrEqualTo(status.appliedIndex());
                }
            });
            assertThat(leader.status().raft().conf().voters()).containsExactly(1L, 2L, 3L);
        }
    }

    @Test
    void proposalsAtAFollowerAreForwardedAndCompleteWithTheResult() throws Exception {
        try (ServerCluster cluster = new ServerCluster(3)) {
            RaftServer leader = cluster.awaitLeader();
            RaftServer follower = cluster.anotherThan(leader);

            assertThat(text(follower.propose(add("y", 5)).get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS)))
                    .isEqualTo("5");
            assertThat(text(leader.propose(add("y", 2)).get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS)))
                    .isEqualTo("7");
            assertThat(text(follower.propose(add("y", 3)).get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS)))
                    .isEqualTo("10");

            cluster.awaitSameAppliedCommands(cluster.ids(), 3);
            assertThat(cluster.machine(follower.id()).appliedCommands())
                    .containsExactly("add y 5", "add y 2", "add y 3");
        }
    }

    @Test
    void withForwardingOffAFollowerRejectsWithTheLeaderHint() throws Exception {
        try (ServerCluster cluster = new ServerCluster(
                3, builder -> builder.node(builder.build().node().withForwardProposals(false)))) {
            RaftServer leader = cluster.awaitLeader();
            RaftServer follower = cluster.anotherThan(leader);

            CompletableFuture<byte[]> future = follower.propose(add("z", 1));

            assertThatThrownBy(() -> future.get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(NotLeaderException.class)
                    .cause()
                    .hasMessageContaining("the leader is node " + leader.id());
            NotLeaderException notLeader = (NotLeaderException) causeOf(future);
            assertThat(notLeader.leaderHint()).isEqualTo(leader.id());
            assertThat(cluster.machine(leader.id()).appliedCommands()).isEmpty();
        }
    }

    @Test
    void aPartitionedMinorityTimesOutWhileTheMajorityProgresses() throws Exception {
        try (ServerCluster cluster = new ServerCluster(3, builder -> builder.proposalTimeoutMillis(1_500))) {
            RaftServer oldLeader = cluster.awaitLeader();
            long oldTerm = oldLeader.status().term();
            cluster.network.isolate(oldLeader.id());

            // The old leader still believes it leads (CheckQuorum needs an election timeout to notice),
            // so it appends the command; without a quorum it can never commit it.
            CompletableFuture<byte[]> stranded = oldLeader.propose(add("lost", 1));

            List<Long> majority = new ArrayList<>(cluster.ids());
            majority.remove(oldLeader.id());
            RaftServer newLeader = cluster.awaitLeaderAmong(majority);
            assertThat(newLeader.id()).isNotEqualTo(oldLeader.id());
            assertThat(newLeader.isLeader()).isTrue();
            assertThat(newLeader.status().term()).isGreaterThan(oldTerm);
            assertThat(text(newLeader.propose(add("kept", 1)).get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS)))
                    .isEqualTo("1");

            assertThatThrownBy(() -> stranded.get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(RaftTimeoutException.class)
                    .cause()
                    .hasMessageContaining("proposalTimeoutMillis=1500")
                    .hasMessageContaining("outcome is unknown");

            // After healing, the old leader's uncommitted entry is overwritten and never applied anywhere.
            cluster.network.heal();
            cluster.awaitSameAppliedCommands(cluster.ids(), 1);
            for (long id : cluster.ids()) {
                assertThat(cluster.machine(id).appliedCommands()).containsExactly("add kept 1");
            }
            assertThat(cluster.network.droppedByFaultCount()).isPositive();
        }
    }

    @Test
    void aDeposedLeadersOverwrittenProposalFailsAsNotCommittedRatherThanTimingOut() throws Exception {
        try (ServerCluster cluster = new ServerCluster(3, builder -> builder.proposalTimeoutMillis(60_000))) {
            RaftServer oldLeader = cluster.awaitLeader();
            cluster.network.isolate(oldLeader.id());
            CompletableFuture<byte[]> stranded = oldLeader.propose(add("lost", 1));
            List<Long> majority = new ArrayList<>(cluster.ids());
            majority.remove(oldLeader.id());
            RaftServer newLeader = cluster.awaitLeaderAmong(majority);
            newLeader.propose(add("kept", 1)).get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS);

            cluster.network.heal();

            // The new leader's entries replace the stranded one at its index: the outcome is certain.
            assertThatThrownBy(() -> stranded.get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ProposalNotCommittedException.class)
                    .cause()
                    .hasMessageContaining("was not committed")
                    .hasMessageContaining("newer leader");
            cluster.awaitSameAppliedCommands(cluster.ids(), 1);
            assertThat(cluster.machine(oldLeader.id()).appliedCommands()).containsExactly("add kept 1");
        }
    }

    @Test
    void aNewLeaderIsElectedWhenTheLeaderIsClosedAndItsPendingProposalsFailWithShutdown() throws Exception {
        try (ServerCluster cluster = new ServerCluster(3)) {
            RaftServer oldLeader = cluster.awaitLeader();
            long oldTerm = oldLeader.status().term();
            // Cut it off first so that this proposal is certainly still pending when it closes.
            cluster.network.isolate(oldLeader.id());
            CompletableFuture<byte[]> pending = oldLeader.propose(add("a", 1));

            oldLeader.close();

            assertThatThrownBy(() -> pending.get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(RaftShutdownException.class)
                    .cause()
                    .hasMessageContaining("is closed");
            assertThat(oldLeader.status().state()).isEqualTo(ServerStatus.State.CLOSED);
            assertThat(oldLeader.isLeader()).as("a closed server leads nothing").isFalse();
            assertThatThrownBy(() -> oldLeader.propose(add("a", 1)).get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(RaftShutdownException.class);

            cluster.network.heal();
            RaftServer newLeader = cluster.awaitLeader();
            assertThat(newLeader.id()).isNotEqualTo(oldLeader.id());
            assertThat(newLeader.isLeader()).isTrue();
            assertThat(newLeader.status().term()).isGreaterThan(oldTerm);
            assertThat(text(newLeader.propose(add("a", 10)).get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS)))
                    .isEqualTo("10");
        }
    }

    @Test
    void aRestartedNodeReplaysItsLogCatchesUpAndServesProposalsAgain() throws Exception {
        try (ServerCluster cluster = new ServerCluster(3)) {
            RaftServer leader = cluster.awaitLeader();
            RaftServer follower = cluster.anotherThan(leader);
            for (int i = 0; i < 5; i++) {
                leader.propose(add("r", 1)).get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS);
            }
            cluster.awaitSameAppliedCommands(cluster.ids(), 5);

            follower.close();
            leader.propose(add("r", 1)).get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS);
            RaftServer restarted = cluster.start(follower.id());
            // Until it hears from the leader it knows none, and would refuse with NotLeaderException.
            cluster.awaitLeader();

            // Entries proposed by the previous incarnation are replayed, but cannot complete new
            // requests: the envelope's session differs.
            assertThat(text(restarted.propose(add("r", 100)).get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS)))
                    .isEqualTo("106");
            cluster.awaitSameAppliedCommands(cluster.ids(), 7);
            assertThat(cluster.machine(restarted.id()).counter("r")).isEqualTo(106);
        }
    }

    @Test
    void leaderChangeListenersAreCalledOffTheRaftThread() throws Exception {
        try (ServerCluster cluster = new ServerCluster(3)) {
            List<LeaderChange> changes = new CopyOnWriteArrayList<>();
            List<String> threads = new CopyOnWriteArrayList<>();
            RaftServer observer = cluster.server(1);
            observer.addListener(RaftServerListener.onLeaderChange(change -> {
                changes.add(change);
                threads.add(Thread.currentThread().getName());
            }));

            RaftServer leader = cluster.awaitLeader();
            await().atMost(ServerCluster.WAIT)
                    .until(() -> !changes.isEmpty()
                            && changes.get(changes.size() - 1).leaderId() == leader.id());
            LeaderChange last = changes.get(changes.size() - 1);
            assertThat(last.nodeId()).isEqualTo(1);
            assertThat(last.term()).isEqualTo(leader.status().term());
            assertThat(last.localRole()).isEqualTo(leader.id() == 1 ? Role.LEADER : Role.FOLLOWER);
            assertThat(threads).allMatch(name -> name.equals("raft-1-notify"));
        }
    }

    @Test
    void aBurstOfConcurrentProposalsIsGroupCommittedAcrossTheCluster() throws Exception {
        int proposals = 2_000;
        try (ServerCluster cluster = new ServerCluster(3)) {
            RaftServer leader = cluster.awaitLeader();
            InstrumentedLogStorage leaderStorage = cluster.storages.get(leader.id());
            int syncsBefore = leaderStorage.syncCount();

            long startNanos = System.nanoTime();
            List<CompletableFuture<byte[]>> futures = new ArrayList<>();
            for (int i = 0; i < proposals; i++) {
                futures.add(leader.propose(add("burst", 1)));
            }
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                    .get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS);
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);

            int syncs = leaderStorage.syncCount() - syncsBefore;
            // Informational only (speed is measured in raft-bench): the assertion is about syncs.
            System.out.printf(
                    "group commit, 3 nodes: %d proposals cost %d leader syncs, all applied in %d ms%n",
                    proposals, syncs, elapsedMillis);
            assertThat(syncs).isLessThan(proposals / 4);
            cluster.awaitSameAppliedCommands(cluster.ids(), proposals);
            assertThat(cluster.machine(leader.id()).counter("burst")).isEqualTo(proposals);
        }
    }

    /**
     * Pins the leader-side latency optimisation: a proposal whose commit is learned in the same Ready as
     * the next batch's entries is applied and answered before that batch's sync, not one sync later. The
     * leader's syncs are held at a gate: batch A's acknowledgements reach the leader while it is still in
     * A's sync, B is queued behind it, and exactly one sync (A's) is let through.
     */
    @Test
    void aCommittedProposalIsAnsweredBeforeTheNextBatchIsSynced() throws Exception {
        try (ServerCluster cluster = new ServerCluster(3, builder -> builder.overlapSyncs(false))) {
            RaftServer leader = cluster.awaitLeader();
            InstrumentedLogStorage leaderStorage = cluster.storages.get(leader.id());
            long indexOfA = awaitAllAppliedThenNextIndex(leader);

            leaderStorage.closeGate();
            try {
                proposeAWhileHeldThenB(cluster, leader, leaderStorage, indexOfA);
            } finally {
                leaderStorage.openGate();
            }
            cluster.awaitSameAppliedCommands(cluster.ids(), 2);
        }
    }

    /** Waits until {@code leader} has applied its whole log (its term's first entry included); the next index. */
    private static long awaitAllAppliedThenNextIndex(RaftServer leader) {
        await().atMost(ServerCluster.WAIT)
                .until(() -> leader.status().appliedIndex() > 0
                        && leader.status().appliedIndex()
                                == leader.status().raft().lastIndex());
        return leader.status().raft().lastIndex() + 1;
    }

    /** Waits until every follower of {@code leader} holds the entry at {@code index}. */
    private static void awaitFollowersHold(ServerCluster cluster, RaftServer leader, long index) {
        for (long follower : cluster.ids()) {
            if (follower != leader.id()) {
                await().atMost(ServerCluster.WAIT)
                        .until(() -> cluster.server(follower).status().raft().lastIndex() >= index);
            }
        }
    }

    private static void proposeAWhileHeldThenB(
            ServerCluster cluster, RaftServer leader, InstrumentedLogStorage leaderStorage, long indexOfA)
            throws Exception {
        CompletableFuture<byte[]> a = leader.propose(add("a", 1));
        await().atMost(ServerCluster.WAIT).until(leaderStorage::blockedInSync);
        // A follower publishes its status only after its loop iteration, i.e. after it sent its
        // acknowledgement of A, which the in-memory network hands to the leader's inbox synchronously.
        awaitFollowersHold(cluster, leader, indexOfA);
        CompletableFuture<byte[]> b = leader.propose(add("b", 1));
        leaderStorage.letThrough(1);

        // A completes although the leader is held in B's sync (the gate lets nothing more through).
        assertThat(a.get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS)).isNotNull();
        await().atMost(ServerCluster.WAIT).until(leaderStorage::blockedInSync);
        assertThat(b).isNotDone();
        assertThat(cluster.machine(leader.id()).counter("a")).isEqualTo(1);

        leaderStorage.openGate();
        assertThat(b.get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS)).isNotNull();
    }

    /**
     * Pins overlapped syncs: while the leader's sync of batch A is held at the gate, its Raft thread keeps
     * going — B is proposed, written and replicated to the followers — but A is applied and answered on
     * the leader only once A's sync completes (followers alone commit it; applying waits for the leader's
     * own copy to be durable). Without overlapped syncs B would not leave the leader until A's sync ended.
     */
    @Test
    void theLeaderReplicatesTheNextBatchWhileItsSyncIsInFlight() throws Exception {
        try (ServerCluster cluster = new ServerCluster(3)) {
            RaftServer leader = cluster.awaitLeader();
            InstrumentedLogStorage leaderStorage = cluster.storages.get(leader.id());
            long indexOfA = awaitAllAppliedThenNextIndex(leader);

            leaderStorage.closeGate();
            try {
                CompletableFuture<byte[]> a = leader.propose(add("a", 1));
                await().atMost(ServerCluster.WAIT).until(leaderStorage::blockedInSync);
                CompletableFuture<byte[]> b = leader.propose(add("b", 1));
                awaitFollowersHold(cluster, leader, indexOfA + 1);
                await().atMost(ServerCluster.WAIT)
                        .until(() -> leader.status().raft().commitIndex() >= indexOfA + 1);
                assertThat(leaderStorage.blockedInSync())
                        .as("still in A's sync")
                        .isTrue();
                assertThat(a)
                        .as("committed by the followers, but not yet durable on the leader")
                        .isNotDone();
                assertThat(cluster.machine(leader.id()).counter("a")).isZero();

                leaderStorage.letThrough(1);
                assertThat(a.get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS)).isNotNull();
                await().atMost(ServerCluster.WAIT).until(leaderStorage::blockedInSync);
                assertThat(b).as("held in B's sync").isNotDone();

                leaderStorage.openGate();
                assertThat(b.get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS)).isNotNull();
            } finally {
                leaderStorage.openGate();
            }
            cluster.awaitSameAppliedCommands(cluster.ids(), 2);
        }
    }

    @Test
    void theMinoritySideOfASplitCannotElectALeader() {
        try (ServerCluster cluster = new ServerCluster(3)) {
            RaftServer leader = cluster.awaitLeader();
            RaftServer follower = cluster.anotherThan(leader);
            cluster.network.isolate(follower.id());

            // PreVote keeps the isolated follower from bumping its term; it never becomes leader.
            long termBefore = follower.status().term();
            await().atMost(ServerCluster.WAIT).until(() -> follower.status().leaderId() == 0);
            assertThat(follower.status().role()).isNotEqualTo(Role.LEADER);
            assertThat(follower.status().term()).isEqualTo(termBefore);
            assertThat(cluster.network.droppedByFaultCount()).isPositive();
            assertThat(leader.status().role()).isEqualTo(Role.LEADER);
        }
    }

    private static Throwable causeOf(CompletableFuture<?> future) {
        try {
            future.get();
            throw new AssertionError("expected the future to fail");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
