package dev.raftchat.raft.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.message.InstallSnapshotRequest;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.SnapshotMeta;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SnapshotTest {

    private static TestCluster clusterWithLaggingFollower(int chunkBytes) {
        TestCluster c = new TestCluster(3, cfg -> cfg.withSnapshotChunkBytes(chunkBytes));
        c.elect(1);
        c.isolate(3);
        for (int i = 0; i < 30; i++) {
            c.node(1).propose(TestCluster.commands("message-" + i));
        }
        c.stabilize();
        c.tickAll(2);
        return c;
    }

    /** Heals the partition and lets node 1's transfer run until two chunks have reached the follower. */
    private static void startTransferOfTwoChunks(TestCluster c) {
        c.heal();
        c.tick(1, NodeConfig.DEFAULT_HEARTBEAT_INTERVAL_TICKS);
        int chunksDelivered = 0;
        while (chunksDelivered < 2) {
            var m = c.inFlight.poll();
            if (m instanceof InstallSnapshotRequest) {
                chunksDelivered++;
            }
            c.node(m.to()).step(m);
            c.processReady();
        }
    }

    private static List<String> expected(int count) {
        List<String> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add("message-" + i);
        }
        return list;
    }

    @Test
    @DisplayName("Raft §7: a follower behind the leader's compacted log catches up from a chunked snapshot")
    void laggingFollowerInstallsSnapshotInChunks() {
        TestCluster c = clusterWithLaggingFollower(32);
        SnapshotMeta meta = c.takeSnapshot(1, 2);
        assertThat(c.storages.get(1L).firstIndex()).isGreaterThan(1);
        c.heal();
        c.node(1).propose(TestCluster.commands("after-snapshot"));
        c.stabilize();
        c.tickAll(3);
        long chunks = c.trace.stream()
                .filter(t -> t.startsWith("InstallSnapshotRequest"))
                .count();
        assertThat(chunks).as("sent in several bounded chunks").isGreaterThan(3);
        assertThat(c.snapshotsInstalled).isEqualTo(1);
        List<String> all = expected(30);
        all.add("after-snapshot");
        assertThat(c.appliedCommands(3)).isEqualTo(all);
        assertThat(c.storages.get(3L).compactedThrough()).isEqualTo(meta.position());
        assertThat(c.node(3).status().appliedIndex())
                .isEqualTo(c.node(1).status().appliedIndex());
    }

    @Test
    @DisplayName("Raft §7: lost chunks are resent after a timeout and the transfer completes")
    void lostChunksAreResent() {
        TestCluster c = clusterWithLaggingFollower(16);
        c.takeSnapshot(1, 0);
        c.heal();
        c.tickAll(2); // heartbeat responses make the leader start the transfer
        // Drop every other queued chunk, then keep ticking: go-back-N recovers.
        int[] n = {0};
        c.dropMatching(m -> m instanceof InstallSnapshotRequest && n[0]++ % 2 == 0);
        c.stabilize();
        c.tickAll(4 * NodeConfig.DEFAULT_ELECTION_TIMEOUT_TICKS);
        assertThat(c.snapshotsInstalled).isEqualTo(1);
        assertThat(c.appliedCommands(3)).isEqualTo(expected(30));
    }

    @Test
    @DisplayName("a follower that restarts mid-transfer has the transfer restarted and finishes on the new state")
    void followerRestartMidTransfer() {
        TestCluster c = clusterWithLaggingFollower(16);
        c.takeSnapshot(1, 0);
        // Deliver until two chunks have reached node 3, then crash it (its staging area is lost).
        startTransferOfTwoChunks(c);
        c.restart(3);
        assertThat(c.snapshotsInstalled).as("not installed before the crash").isZero();
        c.stabilize();
        c.tickAll(4 * NodeConfig.DEFAULT_ELECTION_TIMEOUT_TICKS);
        assertThat(c.snapshotsInstalled).isEqualTo(1);
        assertThat(c.appliedCommands(3)).isEqualTo(expected(30));
    }

    @Test
    @DisplayName("a node restarts from its snapshot plus the log after it, and applies nothing twice")
    void restartFromSnapshotAppliesNothingTwice() {
        TestCluster c = new TestCluster(3);
        c.elect(1);
        for (int i = 0; i < 10; i++) {
            c.node(1).propose(TestCluster.commands("message-" + i));
        }
        c.stabilize();
        c.tickAll(2);
        SnapshotMeta meta = c.takeSnapshot(2, 3);
        c.node(1).propose(TestCluster.commands("message-10"));
        c.stabilize();
        c.tickAll(2);
        c.restart(2);
        c.tickAll(3);
        assertThat(c.applied.get(2L)).extracting(Entry::index).allMatch(i -> i > meta.index());
        assertThat(c.appliedCommands(2)).isEqualTo(expected(11));
    }

    @Test
    @DisplayName("a partial snapshot from one leader is never completed with another leader's bytes")
    void partialSnapshotIsNotResumedFromAnotherLeader() {
        TestCluster c = clusterWithLaggingFollower(16);
        SnapshotMeta fromOne = c.takeSnapshot(1, 0);
        SnapshotMeta fromTwo = c.takeSnapshot(2, 0);
        assertThat(fromTwo).as("equal metadata on both nodes").isEqualTo(fromOne);
        // The state machine contract asks for the same state, not the same bytes: node 2 serializes it
        // differently (here, in upper case, so that every byte differs from node 1's where letters are).
        byte[] bytesOne = c.snapshots.get(1L).data(fromOne);
        byte[] bytesTwo = new String(bytesOne, StandardCharsets.UTF_8)
                .toUpperCase(Locale.ROOT)
                .getBytes(StandardCharsets.UTF_8);
        c.snapshots.get(2L).put(fromTwo, bytesTwo);

        // Node 1 streams the first chunks to node 3; then node 1 is cut off before it can finish.
        startTransferOfTwoChunks(c);
        c.inFlight.clear();
        c.isolate(1);
        // Nodes 2 and 3 elect node 2 (node 3's log is too short to win), which streams its own snapshot.
        c.tickAll(4 * NodeConfig.DEFAULT_ELECTION_TIMEOUT_TICKS);
        assertThat(c.leader()).isEqualTo(2);
        assertThat(c.snapshotsInstalled).isEqualTo(1);
        byte[] installed = c.snapshots.get(3L).data(fromOne);
        assertThat(installed)
                .as("node 3 installed node 2's snapshot whole, not node 1's first chunks and node 2's rest")
                .isEqualTo(bytesTwo);
    }
}
