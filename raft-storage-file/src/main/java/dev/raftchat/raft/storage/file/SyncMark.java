package dev.raftchat.raft.storage.file;

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
 * offset size field                     (slot 0 at byte 0, slot 1 at byte 512)
 * 0      4    magic "RCSM" (0x5243534D)
 * 4      2    format version (1)
 * 6      2    reserved, 0
 * 8      8    sequence (the valid slot with the higher one wins)
 * 16     8    synced index: every log entry above the compaction point and at or below it was durable
 * 24     8    repair-through index: 0, or the index through which recovery lost synced entries (see
 *             LogStorage.repairThroughIndex); kept until a sync covers it again
 * 32     4    CRC32C of bytes [0, 32)
 * </pre>
 * The storage writes it after the forces of every {@code sync} that forced segment data, lowers it durably
 * before a suffix truncation that crosses it, and writes it at the end of every open. Not thread-safe: the
 * storage calls it from one thread at a time (a pending sync's completion, or the caller between syncs).
 */
final class SyncMark {
    static final String FILE_NAME = "sync-mark";
    static final int MAGIC = 0x5243534D; // "RCSM"
    static final short FORMAT_VERSION = 1;
    static final int SLOT_BYTES = 36;
    static final long SLOT_STRIDE_BYTES = 512;

    /** The content of the newest valid slot. */
    record Value(long sequence, long syncedIndex, long repairThroughIndex) {}

    private final StorageFileSystem fileSystem;
    private final Path directory;
    private StorageFile file;
    private long sequence;
    private long syncedIndex;
    private long repairThroughIndex;

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
                if (in.size() < offset + SLOT_BYTES) {
                    continue;
                }
                byte[] bytes = new byte[SLOT_BYTES];
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
            repairThroughIndex = best.repairThroughIndex();
        }
        return Optional.ofNullable(best);
    }

    long syncedIndex() {
        return syncedIndex;
    }

    long repairThroughIndex() {
        return repairThroughIndex;
    }

    /**
     * Writes the next slot and forces it. Call only once every entry through {@code newSyncedIndex} is durable.
     * Creating the file forces the directory too.
     */
    void write(long newSyncedIndex, long newRepairThroughIndex) {
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
                .putLong(newRepairThroughIndex);
        buffer.putInt(Crc.of(buffer.array(), 0, SLOT_BYTES - 4));
        buffer.flip();
        file.write((next % 2) * SLOT_STRIDE_BYTES, buffer);
        file.force();
        sequence = next;
        syncedIndex = newSyncedIndex;
        repairThroughIndex = newRepairThroughIndex;
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

    private static Value decode(byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        if (buffer.getInt() != MAGIC || buffer.getShort() != FORMAT_VERSION) {
            return null;
        }
        buffer.getShort();
        long sequence = buffer.getLong();
        long synced = buffer.getLong();
        long repair = buffer.getLong();
        if (buffer.getInt() != Crc.of(bytes, 0, SLOT_BYTES - 4) || sequence <= 0 || synced < 0 || repair < 0) {
            return null;
        }
        return new Value(sequence, synced, repair);
    }
}
