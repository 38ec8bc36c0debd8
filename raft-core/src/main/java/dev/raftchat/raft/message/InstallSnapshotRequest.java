package dev.raftchat.raft.message;

import dev.raftchat.raft.model.SnapshotMeta;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * One chunk of a snapshot streamed to a follower that is too far behind (Raft §7). Chunks are sent in
 * order; {@code offset} is the byte offset of {@code chunk} in the snapshot, {@code done} marks the last.
 *
 * <p>Checksums (CRC32C, as unsigned 32-bit values in a {@code long}): {@code chunkCrc32c} covers this chunk's
 * bytes, {@code snapshotCrc32c} — on the last chunk only — the whole snapshot's bytes. The follower refuses a
 * chunk whose checksum fails and discards a staged snapshot whose whole checksum fails before anything is
 * installed. {@link #NO_CHECKSUM} marks a checksum the sender did not send: a peer of a build from before
 * checksums (its frames lack them) is still followed, with the transport's own protection only.
 */
public record InstallSnapshotRequest(
        long from,
        long to,
        long term,
        SnapshotMeta meta,
        long offset,
        byte[] chunk,
        boolean done,
        long chunkCrc32c,
        long snapshotCrc32c)
        implements Message {

    /** A checksum the sender did not send (an older peer). */
    public static final long NO_CHECKSUM = -1;

    private static final long CRC32C_MAX = 0xFFFF_FFFFL;

    public InstallSnapshotRequest {
        Objects.requireNonNull(meta, "meta");
        Objects.requireNonNull(chunk, "chunk");
        if (chunkCrc32c < NO_CHECKSUM || chunkCrc32c > CRC32C_MAX) {
            throw new IllegalArgumentException("chunkCrc32c out of range: " + chunkCrc32c);
        }
        if (snapshotCrc32c < NO_CHECKSUM || snapshotCrc32c > CRC32C_MAX) {
            throw new IllegalArgumentException("snapshotCrc32c out of range: " + snapshotCrc32c);
        }
        if (snapshotCrc32c != NO_CHECKSUM && !done) {
            throw new IllegalArgumentException("only the last chunk carries the snapshot's checksum");
        }
    }

    /** A chunk without checksums, as a peer of a build from before them sends it. */
    public InstallSnapshotRequest(
            long from, long to, long term, SnapshotMeta meta, long offset, byte[] chunk, boolean done) {
        this(from, to, term, meta, offset, chunk, done, NO_CHECKSUM, NO_CHECKSUM);
    }

    /** The CRC32C of {@code bytes}, as this message carries it. */
    public static long crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length);
        return crc.getValue();
    }

    /** Whether this chunk's bytes match its checksum (true when it carries none). */
    public boolean chunkIntact() {
        return chunkCrc32c == NO_CHECKSUM || crc32c(chunk) == chunkCrc32c;
    }

    @Override
    public long sizeBytes() {
        return 128L + chunk.length;
    }
}
