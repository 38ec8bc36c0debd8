package dev.raftchat.raft.runtime;

import static dev.raftchat.raft.runtime.CounterStateMachine.add;
import static dev.raftchat.raft.runtime.CounterStateMachine.get;
import static dev.raftchat.raft.runtime.CounterStateMachine.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.raftchat.raft.core.NotLeaderException;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.transport.InMemoryNetwork;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link RaftServer#read}: linearizable reads by ReadIndex, on leaders and followers. */
class LinearizableReadTest {

    private static final long WAIT_SECONDS = 20;

    @Test
    void aReadOnAnyNodeSeesEveryWriteThatCompletedBeforeIt() throws Exception {
        try (ServerCluster cluster = new ServerCluster(3)) {
            RaftServer leader = cluster.awaitLeader();
            for (int i = 1; i <= 15; i++) {
                leader.propose(add("x", 1)).get(WAIT_SECONDS, TimeUnit.SECONDS);
                // Followers may lag in applying, but a linearizable read waits until it has caught up.
                for (long id : cluster.ids()) {
                    assertThat(text(cluster.server(id).read(get("x")).get(WAIT_SECONDS, TimeUnit.SECONDS)))
                            .as("read at node %s after write %s", id, i)
                            .isEqualTo("" + i);
                }
            }
        }
    }

    @Test
    void manyConcurrentReadsAreServed() throws Exception {
        try (ServerCluster cluster = new ServerCluster(3)) {
            RaftServer leader = cluster.awaitLeader();
            leader.propose(add("y", 7)).get(WAIT_SECONDS, TimeUnit.SECONDS);
            List<CompletableFuture<byte[]>> reads = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                reads.add(cluster.server(1 + (i % 3)).read(get("y")));
            }
            for (CompletableFuture<byte[]> read : reads) {
                assertThat(text(read.get(WAIT_SECONDS, TimeUnit.SECONDS))).isEqualTo("7");
            }
        }
    }

    @Test
    void anIsolatedLeaderNeverServesAStaleRead() throws Exception {
        try (ServerCluster cluster = new ServerCluster(3, builder -> builder.readTimeoutMillis(1_500))) {
            RaftServer oldLeader = cluster.awaitLeader();
            cluster.network.isolate(oldLeader.id());
            List<Long> majority = new ArrayList<>(cluster.ids());
            majority.remove(oldLeader.id());
            RaftServer newLeader = cluster.awaitLeaderAmong(majority);
            newLeader.propose(add("z", 1)).get(WAIT_SECONDS, TimeUnit.SECONDS);

            CompletableFuture<byte[]> read = oldLeader.read(get("z"));

            // The old leader still has z = 0; answering would be a stale read. It must refuse instead.
            Throwable failure = failureOf(read);
            assertThat(failure)
                    .isInstanceOfAny(
                            ReadNotConfirmedException.class, RaftTimeoutException.class, NotLeaderException.class);
            assertThat(text(newLeader.read(get("z")).get(WAIT_SECONDS, TimeUnit.SECONDS)))
                    .isEqualTo("1");
        }
    }

    @Test
    void aQueryThatThrowsFailsOnlyThatRead() throws Exception {
        try (ServerCluster cluster = new ServerCluster(1)) {
            RaftServer server = cluster.awaitLeader();

            assertThat(failureOf(server.read(get("throw"))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("told to fail this query");
            assertThat(text(server.read(get("w")).get(WAIT_SECONDS, TimeUnit.SECONDS)))
                    .isEqualTo("0");
            assertThat(server.status().state()).isEqualTo(ServerStatus.State.RUNNING);
        }
    }

    @Test
    // "try": the server is closed inside its try-with-resources on purpose, to see the held reads fail; the
    // try's own close is then a no-op. FutureReturnValueIgnored: the proposal only holds the Raft thread in a sync.
    @SuppressWarnings({"try", "FutureReturnValueIgnored"})
    void readsOverTheLimitsAreRejectedAndCloseFailsPendingReads() throws Exception {
        InMemoryNetwork network = new InMemoryNetwork();
        InstrumentedLogStorage storage = new InstrumentedLogStorage();
        RaftServerConfig config = ServerCluster.baseConfig(1, ConfState.ofVoters(1))
                .pendingReadsMax(3)
                .queryBytesMax(8)
                .shutdownTimeoutMillis(200)
                .overlapSyncs(false) // so that a held sync holds the Raft thread
                .build();
        try (RaftServer server = RaftServer.builder(config, storage, network.transport(1), new CounterStateMachine())
                .build()) {
            server.start();
            await().atMost(ServerCluster.WAIT)
                    .until(() -> server.status().isLeader() && server.status().appliedIndex() >= 1);
            assertThat(failureOf(server.read(new byte[9])))
                    .isInstanceOf(ReadRejectedException.class)
                    .hasMessageContaining("queryBytesMax=8");

            // Hold the Raft thread in a sync so that reads pile up.
            storage.closeGate();
            server.propose(add("v", 1));
            await().atMost(ServerCluster.WAIT).until(storage::blockedInSync);
            List<CompletableFuture<byte[]>> held =
                    List.of(server.read(get("v")), server.read(get("v")), server.read(get("v")));
            assertThat(failureOf(server.read(get("v"))))
                    .isInstanceOf(ReadRejectedException.class)
                    .hasMessageContaining("pendingReadsMax");
            assertThat(server.status().pendingReads()).isEqualTo(3);

            server.close();
            for (CompletableFuture<byte[]> read : held) {
                assertThat(failureOf(read)).isInstanceOf(RaftShutdownException.class);
            }
            storage.openGate();
        }
    }

    private static Throwable failureOf(CompletableFuture<byte[]> future) throws Exception {
        try {
            byte[] value = future.get(WAIT_SECONDS, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, got '" + text(value) + "'");
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }
}
