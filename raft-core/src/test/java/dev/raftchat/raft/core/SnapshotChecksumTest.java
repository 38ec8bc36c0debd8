package dev.raftchat.raft.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.message.InstallSnapshotRequest;
import dev.raftchat.raft.message.InstallSnapshotResponse;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.SnapshotChunk;
import dev.raftchat.raft.model.SnapshotMeta;
import dev.raftchat.raft.storage.MemoryLogStorage;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Snapshot chunks carry a CRC32C each, and the last one the CRC32C of the whole snapshot (issue 17, bug 5): a
 * follower refuses a damaged chunk and discards a staged snapshot that is not the one the leader checksummed,
 * before anything is installed. A frame of an older peer carries neither and is accepted as before.
 */
class SnapshotChecksumTest {

    private static final ConfState VOTERS = ConfState.ofVoters(1, 2, 3);
    private static final SnapshotMeta META = new SnapshotMeta(24, 1, VOTERS);

    private static InstallSnapshotRequest chunk(long offset, byte[] bytes, boolean done, long snapshotCrc) {
        return new InstallSnapshotRequest(
                1, 3, 2, META, offset, bytes, done, InstallSnapshotRequest.crc32c(bytes), snapshotCrc);
    }

    private static long crcOf(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            all.writeBytes(part);
        }
        return InstallSnapshotRequest.crc32c(all.toByteArray());
    }

    private static List<InstallSnapshotResponse> responses(Ready ready) {
        List<InstallSnapshotResponse> out = new ArrayList<>();
        for (Message m : ready.messagesAfterSync()) {
            if (m instanceof InstallSnapshotResponse r) {
                out.add(r);
            }
        }
        return out;
    }

    private static RaftNode follower() {
        return new RaftNode(NodeConfig.defaults(3, 7), new MemoryLogStorage(), VOTERS);
    }

    @Test
    void aChunkWithAFlippedByteIsRefusedAndNotStaged() {
        RaftNode follower = follower();
        byte[] sent = {1, 2, 3, 4};
        InstallSnapshotRequest intact = chunk(0, sent, false, InstallSnapshotRequest.NO_CHECKSUM);
        byte[] flipped = sent.clone();
        flipped[2] ^= 0x10;
        follower.step(new InstallSnapshotRequest(
                1, 3, 2, META, 0, flipped, false, intact.chunkCrc32c(), InstallSnapshotRequest.NO_CHECKSUM));

        Ready ready = follower.ready();
        assertThat(ready.snapshotChunks()).as("a damaged chunk is never staged").isEmpty();
        assertThat(responses(ready))
                .singleElement()
                .satisfies(r -> assertThat(r.nextOffset())
                        .as("resume where the damage was")
                        .isZero());
        follower.advance(ready);

        follower.step(intact);
        Ready resent = follower.ready();
        assertThat(resent.snapshotChunks()).extracting(SnapshotChunk::data).containsExactly(sent);
        assertThat(responses(resent))
                .singleElement()
                .satisfies(r -> assertThat(r.nextOffset()).isEqualTo(4));
    }

    @Test
    void aStagedSnapshotWhoseWholeChecksumFailsIsDiscardedBeforeInstall() {
        RaftNode follower = follower();
        byte[] first = {1, 2, 3};
        byte[] last = {4, 5};
        // Each chunk is intact on its own, but the first one is not from the snapshot the leader checksummed
        // (two nodes' snapshots with equal metadata may differ in bytes): the whole checksum tells.
        byte[] otherFirst = {3, 2, 1};
        follower.step(chunk(0, otherFirst, false, InstallSnapshotRequest.NO_CHECKSUM));
        follower.advance(follower.ready());
        follower.step(chunk(3, last, true, crcOf(first, last)));

        Ready ready = follower.ready();
        assertThat(ready.snapshot()).as("nothing is installed").isNull();
        assertThat(ready.snapshotChunks()).isEmpty();
        assertThat(responses(ready)).singleElement().satisfies(r -> {
            assertThat(r.done()).isFalse();
            assertThat(r.nextOffset()).as("the leader starts over").isZero();
        });
        assertThat(follower.status().commitIndex()).isZero();
        follower.advance(ready);

        // The leader starts over from offset 0 with the right bytes: now the snapshot is installed.
        follower.step(chunk(0, first, false, InstallSnapshotRequest.NO_CHECKSUM));
        follower.advance(follower.ready());
        follower.step(chunk(3, last, true, crcOf(first, last)));
        Ready installed = follower.ready();
        assertThat(installed.snapshot()).isEqualTo(META);
        assertThat(installed.snapshotChunks()).extracting(SnapshotChunk::data).containsExactly(last);
    }

    @Test
    void aChunkWithoutChecksumsFromAnOlderPeerIsAccepted() {
        RaftNode follower = follower();
        follower.step(new InstallSnapshotRequest(1, 3, 2, META, 0, new byte[] {9, 9}, true));
        Ready ready = follower.ready();
        assertThat(ready.snapshot()).isEqualTo(META);
    }
}
