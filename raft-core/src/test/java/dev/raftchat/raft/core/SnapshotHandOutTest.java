package dev.raftchat.raft.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.message.InstallSnapshotRequest;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.SnapshotChunk;
import dev.raftchat.raft.model.SnapshotMeta;
import dev.raftchat.raft.storage.MemoryLogStorage;
import org.junit.jupiter.api.Test;

/**
 * A follower that completed one snapshot must hand it out before it stages another: the runtime stages a
 * Ready's chunks in order and then installs {@link Ready#snapshot()} from what it staged, so chunks of a
 * newer snapshot in the same Ready would be committed under the older snapshot's name (found by the
 * simulator running the runtime's SnapshotManager, seed 932: "snapshot 24@1 vanished before it could be
 * restored" — the staged bytes were the newer snapshot's first chunk).
 */
class SnapshotHandOutTest {

    private static final ConfState VOTERS = ConfState.ofVoters(1, 2, 3);

    @Test
    void aCompletedSnapshotIsHandedOutBeforeChunksOfAnotherAreAccepted() {
        RaftNode follower = new RaftNode(NodeConfig.defaults(3, 7), new MemoryLogStorage(), VOTERS);
        SnapshotMeta older = new SnapshotMeta(24, 1, VOTERS);
        SnapshotMeta newer = new SnapshotMeta(48, 2, VOTERS);

        follower.step(new InstallSnapshotRequest(1, 3, 2, older, 0, new byte[] {1, 2, 3}, true));
        // Before the runtime takes the Ready that installs `older`, the first chunk of `newer` arrives.
        follower.step(new InstallSnapshotRequest(1, 3, 2, newer, 0, new byte[] {4, 5}, false));

        Ready ready = follower.ready();
        assertThat(ready.snapshot()).isEqualTo(older);
        assertThat(ready.snapshotChunks())
                .as("every chunk in the Ready that installs a snapshot belongs to that snapshot")
                .allSatisfy(chunk -> assertThat(chunk.meta()).isEqualTo(older));
        follower.advance(ready);

        // Once handed out, the newer transfer starts over from offset 0 and is accepted.
        follower.step(new InstallSnapshotRequest(1, 3, 2, newer, 0, new byte[] {4, 5}, false));
        Ready next = follower.ready();
        assertThat(next.snapshotChunks()).extracting(SnapshotChunk::meta).containsExactly(newer);
    }
}
