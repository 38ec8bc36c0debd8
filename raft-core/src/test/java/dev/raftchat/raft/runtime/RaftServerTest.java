package dev.raftchat.raft.runtime;

import static dev.raftchat.raft.runtime.CounterStateMachine.add;
import static dev.raftchat.raft.runtime.CounterStateMachine.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.raftchat.raft.core.ProposalRejectedException;
import dev.raftchat.raft.core.Role;
import dev.raftchat.raft.message.HeartbeatRequest;
import dev.raftchat.raft.message.InstallSnapshotRequest;
import dev.raftchat.raft.message.InstallSnapshotResponse;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.model.SnapshotMeta;
import dev.raftchat.raft.storage.StorageException;
import dev.raftchat.raft.transport.InMemoryNetwork;
import dev.raftchat.raft.transport.InMemoryTransport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One server that elects itself: limits, group commit, failure handling, life cycle. */
class RaftServerTest {

    private static final long FUTURE_WAIT_SECONDS = 20;

    private final InMemoryNetwork network = new InMemoryNetwork();
    private final InstrumentedLogStorage storage = new InstrumentedLogStorage();
    private final CounterStateMachine machine = new CounterStateMachine();
    private final CountingMetrics metrics = new CountingMetrics();
    private RaftServer server;

    @AfterEach
    void closeServer() {
        if (server != null) {
            server.close();
        }
    }

    private RaftServer startSingleNode(UnaryOperator<RaftServerConfig.Builder> customize) {
        RaftServerConfig config = customize
                .apply(ServerCluster.baseConfig(1, ConfState.ofVoters(1)))
                .build();
        server = RaftServer.builder(config, storage, network.transport(1), machine)
                .metrics(metrics)
                .start();
        await().atMost(ServerCluster.WAIT)
                .until(() -> server.status().isLeader() && server.status().appliedIndex() >= 1);
        return server;
    }

    @Test
    void aSingleNodeElectsItselfAndAppliesProposals() throws Exception {
        startSingleNode(b -> b);

        assertThat(text(server.propose(add("n", 4)).get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS)))
                .isEqualTo("4");
        assertThat(text(server.propose(add("n", -1)).get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS)))
                .isEqualTo("3");
        // A command the state machine cannot parse is answered, not thrown: the server keeps running.
        assertThat(text(server.propose("bogus".getBytes(StandardCharsets.UTF_8))
                        .get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS)))
                .startsWith("error:");

        ServerStatus status = server.status();
        assertThat(status.role()).isEqualTo(Role.LEADER);
        assertThat(status.appliedIndex()).isEqualTo(4); // the no-op and three commands
        assertThat(status.pendingProposals()).isZero();
        assertThat(metrics.syncs.get()).isPositive();
        assertThat(metrics.applied.get()).isEqualTo(4);
        assertThat(metrics.completed.get()).isEqualTo(3);
    }

    @Test
    void aBurstOfProposalsCostsFarFewerSyncsThanProposals() throws Exception {
        int proposals = 1_000;
        startSingleNode(b -> b.pendingProposalsMax(proposals + 1)
                .proposalBatchMax(256)
                .overlapSyncs(false)); // so that a held sync holds the Raft thread

        // Hold the Raft thread inside a sync so that the whole burst is queued before it looks again:
        // this makes batching deterministic instead of a race against the submitting thread.
        storage.closeGate();
        CompletableFuture<byte[]> first = server.propose(add("g", 1));
        await().atMost(ServerCluster.WAIT).until(storage::blockedInSync);
        int syncsBefore = storage.syncCount();
        List<CompletableFuture<byte[]>> futures = new ArrayList<>();
        for (int i = 0; i < proposals; i++) {
            futures.add(server.propose(add("g", 1)));
        }
        storage.openGate();

        first.get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS);
        for (int i = 0; i < proposals; i++) {
            assertThat(text(futures.get(i).get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS)))
                    .isEqualTo("" + (i + 2));
        }
        int syncs = storage.syncCount() - syncsBefore;
        System.out.printf("group commit, 1 node: %d proposals cost %d syncs%n", proposals, syncs);
        // ceil(1000 / 256) = 4 batches; each costs a sync for its entries and one for the commit index.
        assertThat(syncs).isLessThanOrEqualTo(12);
        assertThat(metrics.largestBatch.get()).isEqualTo(256);
    }

    @Test
    void proposalBatchesAreBoundedInBytesButAlwaysTakeOneProposal() throws Exception {
        startSingleNode(b -> b.commandBytesMax(1000)
                .proposalBatchBytesMax(2_500)
                .overlapSyncs(false)); // so that a held sync holds the Raft thread
        storage.closeGate();
        CompletableFuture<byte[]> first = server.propose(add("w", 1));
        await().atMost(ServerCluster.WAIT).until(storage::blockedInSync);
        List<CompletableFuture<byte[]>> futures = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            futures.add(server.propose(new byte[1000]));
        }
        storage.openGate();

        first.get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS);
        for (CompletableFuture<byte[]> future : futures) {
            assertThat(text(future.get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS))).startsWith("error:");
        }
        // Each envelope is 1000 bytes plus its header, so two fit in 2,500 bytes and three do not.
        assertThat(metrics.largestBatch.get()).isEqualTo(2);
    }

    @Test
    void aCommandOverCommandBytesMaxIsRejectedWithAClearMessage() {
        startSingleNode(b -> b.commandBytesMax(16));

        CompletableFuture<byte[]> future = server.propose(new byte[17]);

        assertThatThrownBy(() -> future.get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS))
                .hasCauseInstanceOf(ProposalRejectedException.class)
                .cause()
                .hasMessageContaining("17 bytes")
                .hasMessageContaining("commandBytesMax=16");
        assertThat(metrics.rejected.get()).isEqualTo(1);
    }

    @Test
    void proposalsOverPendingProposalsMaxAreRejectedUntilSomeComplete() throws Exception {
        startSingleNode(b -> b.pendingProposalsMax(4).overlapSyncs(false)); // so that a held sync holds the Raft thread
        storage.closeGate();
        List<CompletableFuture<byte[]>> accepted = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            accepted.add(server.propose(add("p", 1)));
        }

        CompletableFuture<byte[]> overLimit = server.propose(add("p", 1));

        assertThatThrownBy(() -> overLimit.get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS))
                .hasCauseInstanceOf(ProposalRejectedException.class)
                .cause()
                .hasMessageContaining("pendingProposalsMax");
        assertThat(server.status().pendingProposals()).isEqualTo(4);
        assertThat(server.status().pendingReads()).isZero();
        storage.openGate();
        for (CompletableFuture<byte[]> future : accepted) {
            future.get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS);
        }
        await().atMost(ServerCluster.WAIT).until(() -> server.status().pendingProposals() == 0);
        assertThat(text(server.propose(add("p", 1)).get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS)))
                .isEqualTo("5");
    }

    @Test
    void proposalsOverPendingProposalBytesMaxAreRejected() throws Exception {
        startSingleNode(b -> b.commandBytesMax(100)
                .pendingProposalBytesMax(250)
                .overlapSyncs(false)); // so that a held sync holds the Raft thread
        storage.closeGate();
        CompletableFuture<byte[]> first = server.propose(new byte[100]);
        CompletableFuture<byte[]> second = server.propose(new byte[100]);

        CompletableFuture<byte[]> third = server.propose(new byte[100]);

        assertThatThrownBy(() -> third.get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS))
                .hasCauseInstanceOf(ProposalRejectedException.class)
                .cause()
                .hasMessageContaining("pendingProposalBytesMax=250");
        storage.openGate();
        first.get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS);
        second.get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS);
    }

    @Test
    void aFailedSyncStopsTheServerAndFailsPendingProposals() throws Exception {
        startSingleNode(b -> b);
        AtomicReference<Throwable> stoppedWith = new AtomicReference<>();
        server.addListener(new RaftServerListener() {
            @Override
            public void onStopped(Throwable failure) {
                stoppedWith.set(failure);
            }
        });
        StorageException diskFailure = new StorageException("test: fsync failed");
        storage.failNextSync(diskFailure);

        CompletableFuture<byte[]> future = server.propose(add("f", 1));

        assertThatThrownBy(() -> future.get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS))
                .hasCauseInstanceOf(RaftShutdownException.class)
                .cause()
                .hasMessageContaining("fatal failure")
                .hasRootCauseMessage("test: fsync failed");
        ServerStatus status = server.status();
        assertThat(status.state()).isEqualTo(ServerStatus.State.FAILED);
        assertThat(status.failure()).isSameAs(diskFailure);
        await().atMost(ServerCluster.WAIT).until(() -> stoppedWith.get() == diskFailure);
        // Nothing after the failed sync was applied, and the server accepts nothing more.
        assertThat(machine.appliedCommands()).isEmpty();
        assertThatThrownBy(() -> server.propose(add("f", 1)).get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS))
                .hasCauseInstanceOf(RaftShutdownException.class);
    }

    @Test
    void aStateMachineExceptionStopsTheServer() throws Exception {
        startSingleNode(b -> b);
        assertThat(text(server.propose(add("s", 1)).get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS)))
                .isEqualTo("1");
        machine.throwOn("add s 2");

        CompletableFuture<byte[]> failing = server.propose(add("s", 2));

        assertThatThrownBy(() -> failing.get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS))
                .hasCauseInstanceOf(RaftShutdownException.class)
                .cause()
                .hasMessageContaining("state machine failed to apply entry");
        assertThat(server.status().state()).isEqualTo(ServerStatus.State.FAILED);
        assertThat(server.status().failure()).hasRootCauseInstanceOf(IllegalArgumentException.class);
    }

    /**
     * A proposal that waited in the queue past its deadline (here: behind a sync held at a gate) times out
     * when the Raft thread takes it, and is never proposed, so never applied; the one already in the log
     * commits normally. The wait is for time to pass, which is what the test is about. Syncs are not
     * overlapped here, so that the held sync holds the Raft thread and the proposal stays queued.
     */
    @Test
    void aProposalQueuedPastItsDeadlineTimesOutAndIsNeverApplied() throws Exception {
        long timeoutMillis = 300;
        startSingleNode(b -> b.proposalTimeoutMillis(timeoutMillis).overlapSyncs(false));
        storage.closeGate();
        CompletableFuture<byte[]> heldInSync;
        CompletableFuture<byte[]> queued;
        try {
            heldInSync = server.propose(add("q", 1));
            await().atMost(ServerCluster.WAIT).until(storage::blockedInSync);
            queued = server.propose(add("q", 10));
            long queuedAtNanos = System.nanoTime();
            await().atMost(ServerCluster.WAIT)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> System.nanoTime() - queuedAtNanos > TimeUnit.MILLISECONDS.toNanos(2 * timeoutMillis));
        } finally {
            storage.openGate();
        }

        assertThatThrownBy(() -> queued.get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS))
                .hasCauseInstanceOf(RaftTimeoutException.class)
                .cause()
                .hasMessageContaining("proposalTimeoutMillis=300");
        // The held proposal was in the log before its deadline; whether it is answered before the expiry
        // check or times out, it is applied, and the queued one never is.
        await().atMost(ServerCluster.WAIT).until(heldInSync::isDone);
        assertThat(text(server.propose(add("q", 0)).get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS)))
                .isEqualTo("1");
        assertThat(machine.counter("q")).isEqualTo(1);
        assertThat(server.status().pendingProposals()).isZero();
    }

    @Test
    void closeFailsQueuedProposalsAndLaterOnesWithShutdown() throws Exception {
        startSingleNode(b -> b.shutdownTimeoutMillis(200));
        storage.closeGate();
        CompletableFuture<byte[]> heldInSync = server.propose(add("c", 1));
        await().atMost(ServerCluster.WAIT).until(storage::blockedInSync);
        CompletableFuture<byte[]> queued = server.propose(add("c", 2));

        // The Raft thread is stuck in a sync: close() gives up waiting after shutdownTimeoutMillis but
        // still fails every pending future rather than leaving callers hanging.
        server.close();

        for (CompletableFuture<byte[]> future : List.of(heldInSync, queued)) {
            assertThatThrownBy(() -> future.get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(RaftShutdownException.class)
                    .cause()
                    .hasMessageContaining("node 1 is closed")
                    .hasMessageContaining("outcome");
        }
        assertThat(server.status().state()).isEqualTo(ServerStatus.State.CLOSED);
        assertThatThrownBy(() -> server.propose(add("c", 3)).get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS))
                .hasCauseInstanceOf(RaftShutdownException.class);
        storage.openGate();
        server.close(); // idempotent
    }

    @Test
    void aFullInboxDropsAndCountsMessagesWithoutBlockingTheSender() throws Exception {
        startSingleNode(b -> b.inboxMessagesMax(4).overlapSyncs(false)); // so that a held sync holds the Raft thread
        InMemoryTransport peer = network.transport(2);
        peer.start(message -> {});
        storage.closeGate();
        CompletableFuture<byte[]> heldInSync = server.propose(add("i", 1));
        await().atMost(ServerCluster.WAIT).until(storage::blockedInSync);

        // A stale-term heartbeat from a stranger: harmless to the leader, and enough to fill the inbox.
        for (int i = 0; i < 10; i++) {
            peer.send(new HeartbeatRequest(2, 1, 0, 0, 0));
        }

        assertThat(server.status().inboundMessagesDropped()).isEqualTo(6);
        assertThat(metrics.inboundDropped.get()).isEqualTo(6);
        storage.openGate();
        assertThat(text(heldInSync.get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS))).isEqualTo("1");
        assertThat(server.status().state()).isEqualTo(ServerStatus.State.RUNNING);
    }

    @Test
    void aSnapshotItCannotInstallStopsTheServerInsteadOfBeingAcknowledged() {
        RaftServerConfig config =
                ServerCluster.baseConfig(1, ConfState.ofVoters(1, 2)).build();
        server = RaftServer.builder(config, storage, network.transport(1), machine)
                .metrics(metrics)
                .start();
        InMemoryTransport leader = network.transport(2);
        List<Message> answers = new CopyOnWriteArrayList<>();
        leader.start(answers::add);

        leader.send(new InstallSnapshotRequest(
                2, 1, 5, new SnapshotMeta(10, 5, ConfState.ofVoters(1, 2)), 0, new byte[] {1, 2, 3}, true));

        await().atMost(ServerCluster.WAIT).until(() -> server.status().state() == ServerStatus.State.FAILED);
        assertThat(server.status().failure()).hasMessageContaining("has no snapshot store");
        assertThat(answers).noneMatch(answer -> answer instanceof InstallSnapshotResponse);
    }

    @Test
    void aCommittedEntryThatIsNotAnEnvelopeIsRejectedAndReplaysWithoutStopping() throws Exception {
        // Issue 18: forged bytes that reached the log used to stop the node at apply, and again at every
        // restart while replaying them. The log holds one such entry from term 1; this node commits it in
        // term 2 through its no-op.
        storage.append(List.of(
                Entry.normal(1, 1, "not an envelope".getBytes(StandardCharsets.UTF_8)),
                Entry.normal(1, 2, new byte[0])));
        storage.saveHardState(new HardState(1, 0, 0));
        storage.sync();

        startSingleNode(b -> b);
        await().atMost(ServerCluster.WAIT).until(() -> server.status().appliedIndex() >= 3);
        assertThat(text(server.propose(add("n", 4)).get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS)))
                .isEqualTo("4");
        assertThat(server.status().state()).isEqualTo(ServerStatus.State.RUNNING);
        assertThat(metrics.undecodable).containsExactly(1L, 2L);
        assertThat(machine.appliedCommands()).containsExactly("add n 4");

        server.close();
        CounterStateMachine replayed = new CounterStateMachine();
        CountingMetrics replayMetrics = new CountingMetrics();
        server = RaftServer.builder(
                        ServerCluster.baseConfig(1, ConfState.ofVoters(1)).build(),
                        storage,
                        network.transport(1),
                        replayed)
                .metrics(replayMetrics)
                .build()
                .start();
        await().atMost(ServerCluster.WAIT).until(() -> replayed.counter("n") == 4);
        assertThat(server.status().state()).isEqualTo(ServerStatus.State.RUNNING);
        assertThat(replayMetrics.undecodable).containsExactly(1L, 2L);
        assertThat(text(server.propose(add("n", 1)).get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS)))
                .isEqualTo("5");
    }

    @Test
    void closeFromAFutureCallbackDoesNotDeadlock() throws Exception {
        startSingleNode(b -> b);
        CompletableFuture<Void> closedInCallback = server.propose(add("cb", 1)).thenRun(server::close);

        closedInCallback.get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(server.status().state()).isEqualTo(ServerStatus.State.CLOSED);
        assertThatThrownBy(() -> server.propose(add("cb", 1)).get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS))
                .hasCauseInstanceOf(RaftShutdownException.class);
    }

    @Test
    void proposalsBeforeStartFailAndStartTwiceIsRefused() throws Exception {
        RaftServerConfig config =
                ServerCluster.baseConfig(1, ConfState.ofVoters(1)).build();
        server = RaftServer.builder(config, storage, network.transport(1), machine)
                .build();

        assertThatThrownBy(() -> server.propose(add("b", 1)).get(FUTURE_WAIT_SECONDS, TimeUnit.SECONDS))
                .hasCauseInstanceOf(RaftShutdownException.class)
                .cause()
                .hasMessageContaining("not started");
        assertThat(server.status().state()).isEqualTo(ServerStatus.State.NEW);
        server.start();
        assertThatThrownBy(server::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("RUNNING");
        assertThatThrownBy(() -> server.propose(null)).isInstanceOf(NullPointerException.class);
    }

    /** Counts what the metrics SPI reports. */
    static final class CountingMetrics implements RaftMetrics {
        final AtomicLong syncs = new AtomicLong();
        final AtomicLong applied = new AtomicLong();
        final AtomicLong completed = new AtomicLong();
        final AtomicLong rejected = new AtomicLong();
        final AtomicLong largestBatch = new AtomicLong();
        final AtomicLong inboundDropped = new AtomicLong();
        final List<Long> undecodable = new CopyOnWriteArrayList<>();

        @Override
        public void undecodableEntryApplied(long index) {
            undecodable.add(index);
        }

        @Override
        public void inboundMessageDropped() {
            inboundDropped.incrementAndGet();
        }

        @Override
        public void proposalsBatched(int count) {
            largestBatch.accumulateAndGet(count, Math::max);
        }

        @Override
        public void proposalRejected(Class<? extends Throwable> reason) {
            rejected.incrementAndGet();
        }

        @Override
        public void proposalCompleted(long latencyNanos) {
            completed.incrementAndGet();
        }

        @Override
        public void entriesApplied(int count, long lastIndex) {
            applied.addAndGet(count);
        }

        @Override
        public void syncCompleted(long durationNanos, int entries) {
            syncs.incrementAndGet();
        }
    }
}
