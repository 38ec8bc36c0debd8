package dev.raftchat.raft.storage.file;

/**
 * Limits and switches of a {@link FileLogStorage}. Validated once, at construction.
 *
 * @param segmentBytesMax     a segment file is closed and a new one started when the next record would make
 *                            it larger than this; a single record larger than this gets a segment of its own
 * @param entryDataBytesMax   the largest {@code Entry.data()} accepted by {@code append}; also the bound used to
 *                            reject a corrupt record length on recovery before allocating memory for it
 * @param entryCacheBytesMax  the most recent entries whose {@code Entry.sizeBytes()} sum up to this are kept in
 *                            memory so that replication to followers rarely reads files; 0 disables the cache
 * @param syncDisabled        when true, {@code sync()} never forces anything to disk: a crash of the machine
 *                            can lose acknowledged writes. For benchmarks only; logged as a warning at open
 */
public record FileLogStorageConfig(
        long segmentBytesMax, int entryDataBytesMax, long entryCacheBytesMax, boolean syncDisabled) {

    /**
     * 16 MiB: recovery reads a segment into one array, and test nodes run with heaps of about 128 MiB; the extra
     * force when a segment fills is negligible at this size.
     */
    public static final long DEFAULT_SEGMENT_BYTES_MAX = 16L * 1024 * 1024;

    public static final int DEFAULT_ENTRY_DATA_BYTES_MAX = 16 * 1024 * 1024;
    public static final long DEFAULT_ENTRY_CACHE_BYTES_MAX = 8L * 1024 * 1024;
    /** Smallest accepted {@link #segmentBytesMax}: room for the header and a few small records. */
    public static final long SEGMENT_BYTES_MAX_LOWER_BOUND = 128;
    /** Largest accepted {@link #segmentBytesMax}: offsets inside a segment must stay far from overflow. */
    public static final long SEGMENT_BYTES_MAX_UPPER_BOUND = 1L << 40;
    /** Largest accepted {@link #entryDataBytesMax}: a record must fit in one Java array. */
    public static final int ENTRY_DATA_BYTES_MAX_UPPER_BOUND = Integer.MAX_VALUE - 1024;

    public FileLogStorageConfig {
        if (segmentBytesMax < SEGMENT_BYTES_MAX_LOWER_BOUND || segmentBytesMax > SEGMENT_BYTES_MAX_UPPER_BOUND) {
            throw new IllegalArgumentException("segmentBytesMax must be in [" + SEGMENT_BYTES_MAX_LOWER_BOUND + ", "
                    + SEGMENT_BYTES_MAX_UPPER_BOUND + "], got " + segmentBytesMax);
        }
        if (entryDataBytesMax < 0 || entryDataBytesMax > ENTRY_DATA_BYTES_MAX_UPPER_BOUND) {
            throw new IllegalArgumentException("entryDataBytesMax must be in [0, " + ENTRY_DATA_BYTES_MAX_UPPER_BOUND
                    + "], got " + entryDataBytesMax);
        }
        if (entryCacheBytesMax < 0) {
            throw new IllegalArgumentException("entryCacheBytesMax must be >= 0, got " + entryCacheBytesMax);
        }
    }

    /** The defaults: 16 MiB segments, 16 MiB entries, an 8 MiB entry cache, sync enabled. */
    public static FileLogStorageConfig defaults() {
        return new FileLogStorageConfig(
                DEFAULT_SEGMENT_BYTES_MAX, DEFAULT_ENTRY_DATA_BYTES_MAX, DEFAULT_ENTRY_CACHE_BYTES_MAX, false);
    }

    public FileLogStorageConfig withSegmentBytesMax(long value) {
        return new FileLogStorageConfig(value, entryDataBytesMax, entryCacheBytesMax, syncDisabled);
    }

    public FileLogStorageConfig withEntryDataBytesMax(int value) {
        return new FileLogStorageConfig(segmentBytesMax, value, entryCacheBytesMax, syncDisabled);
    }

    public FileLogStorageConfig withEntryCacheBytesMax(long value) {
        return new FileLogStorageConfig(segmentBytesMax, entryDataBytesMax, value, syncDisabled);
    }

    /** See {@link #syncDisabled}: never in production. */
    public FileLogStorageConfig withSyncDisabled(boolean value) {
        return new FileLogStorageConfig(segmentBytesMax, entryDataBytesMax, entryCacheBytesMax, value);
    }
}
