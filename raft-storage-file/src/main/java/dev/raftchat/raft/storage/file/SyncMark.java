package dev.raftchat.raft.storage.file;

import dev.raftchat.raft.model.Check;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The sync mark: a durable lower bound of what the log has synced, so that recovery can tell a torn write
 * (after the mark: never acknowledged, cut) from corruption (at or below the mark: synced, perhaps
 * acknowledged; reported, never silently forgotten), and never trusts an unsynced tail — after a failed
 * force the kernel may have marked pages clean that never reached the disk ("fsyncgate").
 *
 * <p>Two slots, each written in place and forced, alternately, so a torn write of one leaves the other:
 * <pre>
 * offset size field                     (slot 0 at byte 0, slot 1 at byte 512; format version 2)
 * 0      4    magic "RCSM" (0x5243534D)
 * 4      2    format version (2)
 * 6      2    reserved, 0
 * 8      8    sequence (the valid slot with the higher one wins)
 * 16     8    synced index: every log entry above the compaction point and at or below it was durable
 * 24     8    synced term: the term of the entry at the synced index (the compaction point's term when the
 *             synced index is the compaction index; 0 at index 0)
 * 32     8    repair-through index: 0, or the index through which recovery lost synced entries (see
 *             LogStorage.repairThroughIndex); kept until a sync covers it again
 * 40     8    repair-through term: the term of the entry at the repair-through index in the log that was
 *             lost (LogStorage.repairThroughTerm); -1 when unknown; 0 when there is no repair
 * 48     4    CRC32C of bytes [0, 48)
 * </pre>
 * Format version 1 (written before the terms were recorded) has no term fields: synced index at 16,
 * repair-through index at 24, CRC32C of bytes [0, 32) at 32, 36 bytes in all. It is still read, with both
 * terms unknown; only version 2 is written, so after an upgrade the first write replaces one slot and the
 * other stays a valid version-1 slot with a lower sequence until the next write.
 *
 * <p>Invariant (what {@link FileLogStorage} keeps): (synced index, synced term) is the last position of a
 * durable prefix of the log that holds every entry a finished sync covered and that no truncation has since
 * discarded; in particular every entry the node acknowledged that was committed, which is why a node that
 * lost entries may vote for a candidate at least as up to date as that position.
 *
 * <p>The storage writes it after the forces of every {@code sync} that forced segment data, lowers it durably
 * (index and term together) before a suffix truncation that crosses it, and writes it at the end of every
 * open. Not thread-safe: the storage calls it from one thread at a time (a pending sync's completion, or the
 * caller between syncs).
 */
final class SyncMark {
    static final String FILE_NAME = "sync-mark";
    static final int MAGIC = 0x5243534D; // "RCSM"
    /** The version written. */
    static final short FORMAT_VERSION = 2;
    /** The version before the terms were recorded: read, never written. */
    static final short FORMAT_VERSION_WITHOUT_TERMS = 1;

    static final int SLOT_BYTES = 52;
    static final int SLOT_BYTES_WITHOUT_TERMS = 36;
    static final long SLOT_STRIDE_BYTES = 512;
    /** A term the mark does not know (a version-1 slot, or a repair merged from two losses). */
    static final long TERM_UNKNOWN = -1;

    /**
     * The content of the newest valid slot. The terms are {@link #TERM_UNKNOWN} in a version-1 slot; the
     * repair-through term is 0 when the repair-through index is.
     */
    record Value(long sequence, long syncedIndex, long syncedTerm, long repairThroughIndex, long repairThroughTerm) {}

    private final StorageFileSystem fileSystem;
    private final Path directory;
    private StorageFile file;
    private long sequence;
    private long syncedIndex;

    SyncMark(StorageFileSystem fileSystem, Path directory) {
        this.fileSystem = fileSystem;
        this.directory = directory;
    }

    Path path() {
        return directory.resolve(FILE_NAME);
    }

    /** The newest valid slot, or empty when the file is absent or no slot is valid (a log from before marks). */
    Optional<Value> read() {
        if (!fileSystem.exists(path())) {
            return Optional.empty();
        }
        Value best = null;
        try (StorageFile in = fileSystem.open(path(), false)) {
            for (int slot = 0; slot < 2; slot++) {
                long offset = slot * SLOT_STRIDE_BYTES;
                long available = in.size() - offset;
                if (available < SLOT_BYTES_WITHOUT_TERMS) {
                    continue;
                }
                byte[] bytes = new byte[(int) Math.min(available, SLOT_BYTES)];
                in.readFully(offset, ByteBuffer.wrap(bytes));
                Value value = decode(bytes);
                if (value != null && (best == null || value.sequence() > best.sequence())) {
                    best = value;
                }
            }
        }
        if (best != null) {
            sequence = best.sequence();
            syncedIndex = best.syncedIndex();
        }
        return Optional.ofNullable(best);
    }

    long syncedIndex() {
        return syncedIndex;
    }

    /**
     * Writes the next slot and forces it. Call only once every entry through {@code newSyncedIndex} is durable,
     * with {@code newSyncedTerm} the term of the entry at that index. Creating the file forces the directory too.
     */
    void write(long newSyncedIndex, long newSyncedTerm, long newRepairThroughIndex, long newRepairThroughTerm) {
        Check.argument(
                newSyncedIndex >= 0 && newSyncedTerm >= 0 && newRepairThroughIndex >= 0,
                "negative sync mark field: synced %s@%s, repair through %s",
                newSyncedIndex,
                newSyncedTerm,
                newRepairThroughIndex);
        Check.argument(
                newRepairThroughTerm >= 0 || newRepairThroughTerm == TERM_UNKNOWN,
                "bad repair-through term %s",
                newRepairThroughTerm);
        if (file == null) {
            boolean created = !fileSystem.exists(path());
            file = fileSystem.open(path(), true);
            if (created) {
                fileSystem.forceDirectory(directory);
            }
        }
        long next = sequence + 1;
        ByteBuffer buffer = ByteBuffer.allocate(SLOT_BYTES);
        buffer.putInt(MAGIC)
                .putShort(FORMAT_VERSION)
                .putShort((short) 0)
                .putLong(next)
                .putLong(newSyncedIndex)
                .putLong(newSyncedTerm)
                .putLong(newRepairThroughIndex)
                .putLong(newRepairThroughIndex == 0 ? 0 : newRepairThroughTerm);
        buffer.putInt(Crc.of(buffer.array(), 0, SLOT_BYTES - 4));
        buffer.flip();
        file.write((next % 2) * SLOT_STRIDE_BYTES, buffer);
        file.force();
        sequence = next;
        syncedIndex = newSyncedIndex;
    }

    /** Removes the file (sync disabled: a mark that is never forced would be a lie). */
    void delete() {
        close();
        fileSystem.delete(path());
    }

    void close() {
        if (file != null) {
            file.close();
            file = null;
        }
    }

    /** The slot in {@code bytes} (as many as the file held, up to {@link #SLOT_BYTES}), or null if invalid. */
    static Value decode(byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        if (buffer.getInt() != MAGIC) {
            return null;
        }
        short version = buffer.getShort();
        boolean withTerms = version == FORMAT_VERSION;
        int slotBytes = withTerms ? SLOT_BYTES : SLOT_BYTES_WITHOUT_TERMS;
        if ((!withTerms && version != FORMAT_VERSION_WITHOUT_TERMS) || bytes.length < slotBytes) {
            return null;
        }
        buffer.getShort();
        long sequence = buffer.getLong();
        long synced = buffer.getLong();
        long syncedTerm = withTerms ? buffer.getLong() : TERM_UNKNOWN;
        long repair = buffer.getLong();
        long repairTerm = withTerms ? buffer.getLong() : (repair == 0 ? 0 : TERM_UNKNOWN);
        if (buffer.getInt() != Crc.of(bytes, 0, slotBytes - 4)
                || sequence <= 0
                || synced < 0
                || repair < 0
                || (withTerms && syncedTerm < 0)
                || (repairTerm < 0 && repairTerm != TERM_UNKNOWN)
                || (repair == 0 && repairTerm != 0)) {
            return null;
        }
        return new Value(sequence, synced, syncedTerm, repair, repairTerm);
    }
}
