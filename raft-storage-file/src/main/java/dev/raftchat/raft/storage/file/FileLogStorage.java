package dev.raftchat.raft.storage.file;

import dev.raftchat.raft.model.Check;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.EntryType;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.storage.LogStorage;
import dev.raftchat.raft.storage.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link LogStorage} on files: a segmented append-only log, a hard-state file and a compaction-point
 * file in one directory. The byte formats and recovery rules are in {@code docs/log-format.md}.
 *
 * <p><b>Directory layout.</b> {@code 00000000000000000001.log} … (segments, named by their first index),
 * {@code hard-state} (term, vote, commit), {@code compaction-point} (the last compacted position), {@code LOCK}
 * (held while open: a second instance on the same directory, in any process, fails to open). Nothing else is
 * written there (except the test-mode sidecar below); the snapshot store uses its own directory.
 *
 * <p><b>Durability.</b> {@link #append} writes records to the current segment without forcing;
 * {@link #saveHardState} only remembers. {@link #sync} forces every segment written since the last sync,
 * forces the directory if a segment was created, records what it made durable in the sync mark
 * ({@code sync-mark}, see {@link SyncMark}), and then, if the hard state changed, replaces the
 * hard-state file atomically (temporary file, force, rename, directory force). So one {@code sync} covers
 * any number of appends (group commit), and the log is durable before a hard state that may refer to it.
 * Exceptions to "nothing is durable before sync", each making more durable, never less:
 * <ul>
 *   <li>a full segment is forced before the next one is created, so only the last segment can have a torn
 *       tail;</li>
 *   <li>a suffix truncation (an append that overwrites entries) is forced, with the directory, before the new
 *       entries are written, so no crash can ever mix old and new entries;</li>
 *   <li>{@link #compact} makes the compaction point durable before deleting segments.</li>
 * </ul>
 * With {@link FileLogStorageConfig#syncDisabled()} nothing is ever forced (a warning is logged at open).
 *
 * <p><b>Recovery</b> at {@link #open}: every segment is scanned and every record's CRC, index continuity
 * and term order checked, and the in-memory index (index → segment, offset; index → term) is rebuilt.
 * Everything after the sync mark is cut, whatever the page cache shows (after a failed force, Linux may
 * have marked unwritten pages clean). Damage at or below the mark is corruption, not a torn write: the
 * log is cut before it and {@link #repairThroughIndex()} reports the loss (durably, until a sync covers
 * it again), so that the node does not vote as if it had never acknowledged those entries. A log without
 * a mark (written before marks existed) is recovered as before: a torn or zero-filled tail of the last
 * segment is cut, other corruption refuses to open with a {@link StorageException} naming the file and
 * the byte offset.
 *
 * <p><b>Test mode: the synced length.</b> When the system property {@value #SYNCED_LENGTH_PROPERTY} is
 * {@code true} when the log is opened, every {@link #sync} that has segment data to force first writes the
 * file {@value #SYNCED_LENGTH_FILE_NAME}: one line {@code <segment file name> <length in bytes>}, the last
 * segment and its length that this sync is about to force. It is written before the force on purpose, so
 * it is an upper bound of what a finished sync made durable: a fault test that kills the process and
 * cuts the segment back to this length removes only data that no finished sync covered, which is what
 * a machine crash may lose ({@code kill -9} alone keeps the page cache). It is replaced with a rename
 * and never forced (a test aid, not a durability record); recovery ignores it. Off by default.
 *
 * <p><b>Reads.</b> {@link #term} is answered from memory; {@link #entries} from a bounded cache of the most
 * recent entries or else from the segment files, with every record's CRC and index checked again on read.
 *
 * <p><b>Threading and failures.</b> Not thread-safe: one thread at a time, as {@link LogStorage} says. After
 * any {@link StorageException} from a write, sync, truncation or compaction, the instance refuses every
 * further call (its unsynced state is unknown); close it and open a new one to recover.
 */
public final class FileLogStorage implements LogStorage {

    /** The most entries {@link #entries} makes room for up front (a large range may stop early on its byte budget). */
    private static final int ENTRIES_PRESIZE_MAX = 1024;

    private static final Logger LOG = LoggerFactory.getLogger(FileLogStorage.class);

    /** File name of the hard state. */
    public static final String HARD_STATE_FILE_NAME = "hard-state";
    /** File name of the compaction point. */
    public static final String COMPACTION_POINT_FILE_NAME = "compaction-point";
    /** File name of the lock that keeps a second instance out of the directory. */
    public static final String LOCK_FILE_NAME = "LOCK";

    static final int HARD_STATE_MAGIC = 0x52434853; // "RCHS"
    static final int COMPACTION_POINT_MAGIC = 0x52434350; // "RCCP"
    private static final int WRITE_BUFFER_BYTES = 1024 * 1024;
    /** The system property that turns on the synced-length sidecar (see the class comment). */
    public static final String SYNCED_LENGTH_PROPERTY = "dev.raftchat.storage.syncedLengthFile";
    /** File name of the test-mode synced-length sidecar. */
    public static final String SYNCED_LENGTH_FILE_NAME = "synced-length";

    private final StorageFileSystem fileSystem;
    private final Path directory;
    private final FileLogStorageConfig config;
    private final StateFile hardStateFile;
    private final StateFile compactionPointFile;
    private final SyncMark syncMark;

    /** Sorted by first index; each segment's first index is the previous one's last index + 1. */
    private final List<Segment> segments = new ArrayList<>();

    private final TermRuns terms = new TermRuns();
    private final EntryCache cache;
    private final boolean syncedLengthFile = Boolean.getBoolean(SYNCED_LENGTH_PROPERTY);
    private final ByteBuffer writeBuffer = ByteBuffer.allocate(WRITE_BUFFER_BYTES);

    private HardState hardState = HardState.EMPTY;
    private HardState durableHardState = HardState.EMPTY;
    private LogPosition compactedThrough = LogPosition.ZERO;
    /** Invariant: lastIndex >= compactedThrough.index(); equals the last segment's last index when above it. */
    private long lastIndex;

    private boolean directoryDirty;
    private long recoveryBytesCut;
    /** How many synced entries recovery found damaged or missing when this instance was opened. */
    private long recoveryLostSyncedEntries;
    /**
     * 0, or the index through which recovery (now or in an earlier run) lost synced entries: reported by
     * {@link #repairThroughIndex()} and kept in the sync mark until a sync covers it again.
     */
    private long repairThroughIndex;
    /**
     * With {@link #repairThroughIndex}: the term of the entry at that index in the log that was lost (the last
     * position the sync mark recorded before the loss), {@link SyncMark#TERM_UNKNOWN} when the mark did not
     * record it, 0 when there is no repair. Reported by {@link #repairThroughTerm()}.
     */
    private long repairThroughTerm;

    private boolean closed;
    /** Volatile: a {@link PendingSync} may fail on another thread. */
    private volatile StorageException failure;

    private AutoCloseable directoryLock;

    private FileLogStorage(StorageFileSystem fileSystem, Path directory, FileLogStorageConfig config) {
        this.fileSystem = Objects.requireNonNull(fileSystem, "fileSystem");
        this.directory = Objects.requireNonNull(directory, "directory");
        this.config = Objects.requireNonNull(config, "config");
        this.hardStateFile = new StateFile(fileSystem, directory, HARD_STATE_FILE_NAME, HARD_STATE_MAGIC, 24);
        this.compactionPointFile =
                new StateFile(fileSystem, directory, COMPACTION_POINT_FILE_NAME, COMPACTION_POINT_MAGIC, 16);
        this.cache = new EntryCache(config.entryCacheBytesMax());
        this.syncMark = new SyncMark(fileSystem, directory);
    }

    /** Opens (creating if needed) the log in {@code directory} on the real file system, recovering it. */
    public static FileLogStorage open(Path directory, FileLogStorageConfig config) {
        return open(NioFileSystem.INSTANCE, directory, config);
    }

    /**
     * Opens (creating if needed) the log in {@code directory} of {@code fileSystem}, recovering it as the
     * class comment describes. Throws {@link StorageException} naming the file and byte offset when the log
     * is damaged anywhere but at its tail.
     */
    public static FileLogStorage open(StorageFileSystem fileSystem, Path directory, FileLogStorageConfig config) {
        FileLogStorage storage = new FileLogStorage(fileSystem, directory, config);
        try {
            storage.recover();
        } catch (RuntimeException e) {
            storage.closeFiles();
            throw e;
        }
        if (config.syncDisabled()) {
            LOG.warn(
                    "log storage in {} opened with syncDisabled=true: nothing is forced to disk, a machine crash "
                            + "can lose acknowledged writes. Use only for benchmarks.",
                    directory);
        }
        return storage;
    }

    // ---------------------------------------------------------------------------------------------
    // LogStorage

    @Override
    public HardState hardState() {
        checkUsable();
        return hardState;
    }

    @Override
    public LogPosition compactedThrough() {
        checkUsable();
        return compactedThrough;
    }

    @Override
    public long lastIndex() {
        checkUsable();
        return lastIndex;
    }

    @Override
    public long repairThroughIndex() {
        checkUsable();
        return repairThroughIndex;
    }

    /**
     * The term of the entry at {@link #repairThroughIndex()} in the log that was lost, as the sync mark recorded
     * it; empty when there is no repair, or when the loss was found through a mark written by a version that did
     * not record terms (or two losses whose positions neither dominates were merged).
     */
    @Override
    public OptionalLong repairThroughTerm() {
        checkUsable();
        return repairThroughIndex == 0 || repairThroughTerm == SyncMark.TERM_UNKNOWN
                ? OptionalLong.empty()
                : OptionalLong.of(repairThroughTerm);
    }

    @Override
    public long term(long index) {
        checkUsable();
        if (index == compactedThrough.index()) {
            return compactedThrough.term();
        }
        if (index < firstIndex() || index > lastIndex) {
            throw new IndexOutOfBoundsException(
                    "index " + index + " outside [" + (firstIndex() - 1) + ", " + lastIndex + "]");
        }
        return terms.termAt(index);
    }

    @Override
    public List<Entry> entries(long fromIndex, long toIndexExclusive, long maxBytes) {
        checkUsable();
        if (fromIndex < firstIndex() || toIndexExclusive > lastIndex + 1 || fromIndex > toIndexExclusive) {
            throw new IndexOutOfBoundsException("range [" + fromIndex + ", " + toIndexExclusive + ") outside ["
                    + firstIndex() + ", " + (lastIndex + 1) + ")");
        }
        // Sized for the whole range (up to a bound), so that a batch of a few hundred entries is not copied over
        // and over as the list grows: the leader reads every batch twice (replication, apply).
        List<Entry> result = new ArrayList<>((int) Math.min(toIndexExclusive - fromIndex, ENTRIES_PRESIZE_MAX));
        long bytes = 0;
        long index = fromIndex;
        while (index < toIndexExclusive) {
            Entry cached = cache.get(index);
            if (cached != null) {
                bytes += cached.sizeBytes();
                if (!result.isEmpty() && bytes > maxBytes) {
                    break;
                }
                result.add(cached);
                index++;
                continue;
            }
            Segment segment = segmentContaining(index);
            long runEnd = Math.min(toIndexExclusive, segment.lastIndex() + 1);
            if (cache.firstIndex() > index) {
                runEnd = Math.min(runEnd, cache.firstIndex());
            }
            long before = result.size();
            bytes = readRun(segment, index, runEnd, maxBytes, bytes, result);
            long read = result.size() - before;
            index += read;
            if (index < runEnd || read == 0) {
                break; // the byte budget is spent
            }
        }
        return result;
    }

    @Override
    public void append(List<Entry> entries) {
        checkUsable();
        if (entries.isEmpty()) {
            return;
        }
        long first = entries.get(0).index();
        Check.argument(
                first >= firstIndex() && first <= lastIndex + 1,
                "append at %s outside [%s, %s]",
                first,
                firstIndex(),
                lastIndex + 1);
        long previousTerm = first - 1 >= firstIndex() - 1 ? term(first - 1) : 0;
        long expectedIndex = first;
        for (Entry entry : entries) {
            // Each condition is tested before calling Check, whose varargs would box per entry.
            if (entry.index() != expectedIndex) {
                Check.argument(false, "entries not contiguous: expected %s, got %s", expectedIndex, entry.index());
            }
            if (entry.term() < previousTerm) {
                Check.argument(false, "entry %s has a lower term than its predecessor's (%s)", entry, previousTerm);
            }
            if (entry.data().length > config.entryDataBytesMax()) {
                Check.argument(
                        false,
                        "entry %s has %s data bytes, more than entryDataBytesMax=%s",
                        entry,
                        entry.data().length,
                        config.entryDataBytesMax());
            }
            previousTerm = entry.term();
            expectedIndex++;
        }
        try {
            if (first <= lastIndex) {
                truncateSuffix(first);
            }
            writeRecords(entries);
        } catch (RuntimeException e) {
            throw fail(e);
        }
    }

    @Override
    public void saveHardState(HardState newHardState) {
        checkUsable();
        hardState = Objects.requireNonNull(newHardState, "hardState");
    }

    @Override
    public void sync() {
        beginSync().complete();
    }

    /**
     * Captures the dirty segments (and, rarely, a new hard state or directory entry) and clears their
     * marks here, on the caller's thread; the forces run in {@link PendingSync#complete()}. Appends made
     * meanwhile only add bytes past what was captured, mark their segment dirty again and are left to the
     * next sync. A segment captured here is never deleted before the sync completes: compaction removes
     * only segments below the applied index, which the caller's entries above it are not (and the
     * caller completes the sync before any truncation, compaction of unsynced entries, or close).
     */
    @Override
    public PendingSync beginSync() {
        checkUsable();
        boolean force = !config.syncDisabled();
        Segment last = segments.isEmpty() ? null : segments.get(segments.size() - 1);
        boolean sidecar = syncedLengthFile && last != null && last.dirty;
        long lastEnd = last == null ? 0 : last.endOffset;
        List<StorageFile> toForce = new ArrayList<>();
        for (Segment segment : segments) {
            if (segment.dirty) {
                if (force) {
                    toForce.add(segment.file);
                    segment.forcePending = true;
                }
                segment.dirty = false;
            }
        }
        byte[] newHardState = hardState.equals(durableHardState) ? null : encodeHardState(hardState);
        durableHardState = hardState;
        boolean forceDirectory = directoryDirty && force;
        directoryDirty = false;
        if (toForce.isEmpty() && newHardState == null && !forceDirectory && !sidecar) {
            return PendingSync.DONE;
        }
        // What this sync covers: every entry written so far. Once its forces succeed, the mark says so.
        long markThrough = lastIndex;
        long markThroughTerm = term(markThrough);
        if (markThrough >= repairThroughIndex) {
            repairThroughIndex = 0; // the lost entries are back (from a leader) once this sync completes
            repairThroughTerm = 0;
        }
        long markRepairThrough = repairThroughIndex;
        long markRepairThroughTerm = repairThroughTerm;
        return () -> {
            try {
                if (sidecar) {
                    writeSyncedLength(last, lastEnd);
                }
                for (StorageFile file : toForce) {
                    file.force();
                }
                if (forceDirectory) {
                    // A segment created since the last sync: its name must be durable before the mark vouches
                    // for its entries (found by the simulator: power lost before the hard state's directory
                    // force left a mark pointing into a segment the crash had unlinked).
                    fileSystem.forceDirectory(directory);
                }
                if (!toForce.isEmpty() && force) {
                    // Only after the data's forces succeeded: a failed force throws first, and the mark keeps
                    // the last position known durable, to which the next open cuts back.
                    syncMark.write(markThrough, markThroughTerm, markRepairThrough, markRepairThroughTerm);
                }
                if (newHardState != null) {
                    hardStateFile.replace(newHardState, force);
                }
            } catch (RuntimeException e) {
                throw fail(e);
            }
        };
    }

    /** The test-mode sidecar: written with a rename so a reader never sees half a line. */
    private void writeSyncedLength(Segment last, long endOffset) {
        byte[] line = (last.path.getFileName() + " " + endOffset + "\n").getBytes(StandardCharsets.US_ASCII);
        Path temporary = directory.resolve(SYNCED_LENGTH_FILE_NAME + ".tmp");
        try {
            Files.write(temporary, line);
            Files.move(
                    temporary,
                    directory.resolve(SYNCED_LENGTH_FILE_NAME),
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new StorageException(
                    "cannot write the test-mode file " + SYNCED_LENGTH_FILE_NAME + " in " + directory, e);
        }
    }

    @Override
    public void compact(LogPosition position) {
        checkUsable();
        Objects.requireNonNull(position, "position");
        if (position.index() <= compactedThrough.index()) {
            return;
        }
        try {
            if (position.index() <= lastIndex && term(position.index()) != position.term()) {
                // A snapshot from a leader whose history differs from ours at that point (LogStorage's
                // contract): nothing we hold after it follows it, so the whole log goes.
                truncateSuffix(firstIndex());
            }
            // Durable first: once segments are gone, only this file explains where the log starts.
            compactionPointFile.replace(encodePosition(position), !config.syncDisabled());
            compactedThrough = position;
            if (position.index() >= lastIndex) {
                lastIndex = position.index();
                terms.clear();
                cache.clear();
            } else {
                terms.dropBefore(position.index() + 1);
                cache.dropThrough(position.index());
            }
            boolean deleted = false;
            while (!segments.isEmpty() && segments.get(0).lastIndex() <= position.index()) {
                Segment segment = segments.remove(0);
                segment.file.close();
                fileSystem.delete(segment.path);
                deleted = true;
            }
            if (deleted && !config.syncDisabled()) {
                fileSystem.forceDirectory(directory);
            }
        } catch (RuntimeException e) {
            throw fail(e);
        }
    }

    /** Closes the files. Does not sync: call {@link #sync} first for what must survive. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeFiles();
    }

    // ---------------------------------------------------------------------------------------------
    // Introspection for tests and operators

    /** The directory this log lives in. */
    public Path directory() {
        return directory;
    }

    /** The first indexes of the segment files, ascending. */
    public List<Long> segmentFirstIndexes() {
        checkUsable();
        List<Long> result = new ArrayList<>();
        for (Segment segment : segments) {
            result.add(segment.firstIndex);
        }
        return result;
    }

    /**
     * How many entries that were known synced recovery found damaged or missing when this instance was opened
     * (0 if none); see {@link #repairThroughIndex()}.
     */
    public long recoveryLostSyncedEntries() {
        return recoveryLostSyncedEntries;
    }

    /** How many bytes recovery cut from a torn tail when this instance was opened (0 if none). */
    public long recoveryBytesCut() {
        return recoveryBytesCut;
    }

    // ---------------------------------------------------------------------------------------------
    // Writing

    private void writeRecords(List<Entry> entries) {
        int i = 0;
        while (i < entries.size()) {
            Entry entry = entries.get(i);
            int recordBytes = SegmentFormat.recordBytes(entry);
            Segment segment = segmentForAppend(entry.index(), recordBytes);
            long base = segment.endOffset;
            ByteBuffer buffer = recordBytes > writeBuffer.capacity() ? ByteBuffer.allocate(recordBytes) : writeBuffer;
            buffer.clear();
            int batchStart = i;
            do {
                Entry next = entries.get(i);
                segment.offsets.add(base + buffer.position());
                SegmentFormat.encode(next, buffer);
                i++;
            } while (i < entries.size()
                    && fits(base + buffer.position(), SegmentFormat.recordBytes(entries.get(i)))
                    && buffer.remaining() >= SegmentFormat.recordBytes(entries.get(i)));
            buffer.flip();
            int written = buffer.remaining();
            segment.file.write(base, buffer);
            segment.endOffset = base + written;
            segment.dirty = true;
            for (int k = batchStart; k < i; k++) {
                Entry appended = entries.get(k);
                terms.append(appended.index(), appended.term());
                cache.add(appended);
            }
            lastIndex = entries.get(i - 1).index();
        }
    }

    private boolean fits(long endOffset, int recordBytes) {
        return endOffset + recordBytes <= config.segmentBytesMax();
    }

    /** The segment the record of {@code index} goes to, creating a new one when the last is full. */
    private Segment segmentForAppend(long index, int recordBytes) {
        Segment last = segments.isEmpty() ? null : segments.get(segments.size() - 1);
        if (last != null
                && last.lastIndex() + 1 == index
                && (last.recordCount() == 0 || fits(last.endOffset, recordBytes))) {
            return last;
        }
        if (last != null && (last.dirty || last.forcePending) && !config.syncDisabled()) {
            // A segment is complete and durable before a successor exists: only the last can be torn. (A
            // pending sync may be forcing it too; it cannot be known done here, so force it again.)
            last.file.force();
            last.dirty = false;
            last.forcePending = false;
        }
        Path path = SegmentFormat.path(directory, index);
        Check.that(!fileSystem.exists(path), "segment file %s already exists", path);
        StorageFile file = fileSystem.open(path, true);
        Segment segment = new Segment(path, index, file);
        file.write(0, SegmentFormat.header(index));
        segment.endOffset = SegmentFormat.HEADER_BYTES;
        segment.dirty = true;
        segments.add(segment);
        directoryDirty = true;
        return segment;
    }

    /**
     * Discards entries from {@code index} on, durably, before anything new is written after them. The order
     * makes every intermediate state after a power loss a log that opens as a prefix of the old one: later
     * segments are deleted last one first (a crash keeps a prefix of those deletions, so what remains is
     * contiguous) and the directory is forced <em>before</em> the kept segment is shortened — shortening it
     * first could leave it durable next to later segments that a crash brought back ("not continuous").
     */
    private void truncateSuffix(long index) {
        if (!config.syncDisabled() && syncMark.syncedIndex() >= index) {
            // First, durably: the mark must never vouch for the entries that will replace these. Index and term
            // are lowered together: the mark names the last entry of the prefix that stays (term(index - 1) is
            // still that entry's term; index - 1 is at least the compaction index).
            syncMark.write(index - 1, term(index - 1), repairThroughIndex, repairThroughTerm);
        }
        boolean deleted = false;
        while (!segments.isEmpty() && segments.get(segments.size() - 1).firstIndex >= index) {
            Segment segment = segments.remove(segments.size() - 1);
            segment.file.close();
            fileSystem.delete(segment.path);
            deleted = true;
        }
        if (deleted && !config.syncDisabled()) {
            fileSystem.forceDirectory(directory);
        }
        if (!segments.isEmpty()) {
            Segment segment = segments.get(segments.size() - 1);
            if (segment.lastIndex() >= index) {
                int keep = (int) (index - segment.firstIndex);
                long cutAt = segment.offsets.get(keep);
                segment.offsets.truncate(keep);
                segment.file.truncate(cutAt);
                segment.endOffset = cutAt;
                if (!config.syncDisabled()) {
                    segment.file.force();
                }
                segment.dirty = false;
            }
        }
        terms.truncateFrom(index);
        cache.truncateFrom(index);
        lastIndex = index - 1;
    }

    // ---------------------------------------------------------------------------------------------
    // Reading

    private Segment segmentContaining(long index) {
        int low = 0;
        int high = segments.size() - 1;
        while (low < high) {
            int mid = (low + high + 1) >>> 1;
            if (segments.get(mid).firstIndex <= index) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        Segment segment = segments.get(low);
        if (segment.firstIndex > index || index > segment.lastIndex()) { // tested first: Check's varargs box
            Check.that(false, "no segment holds index %s", index);
        }
        return segment;
    }

    /**
     * Reads entries {@code [fromIndex, toIndexExclusive)} of one segment, as many as the byte budget allows,
     * into {@code result} with one file read; returns the bytes counted so far.
     */
    private long readRun(
            Segment segment,
            long fromIndex,
            long toIndexExclusive,
            long maxBytes,
            long bytesSoFar,
            List<Entry> result) {
        int firstSlot = (int) (fromIndex - segment.firstIndex);
        int endSlot = (int) (toIndexExclusive - segment.firstIndex);
        long startOffset = segment.offsets.get(firstSlot);
        long bytes = bytesSoFar;
        boolean empty = result.isEmpty();
        int slot = firstSlot;
        while (slot < endSlot) {
            long recordBytes = segment.recordEnd(slot) - segment.offsets.get(slot);
            long entryBytes = recordBytes - (SegmentFormat.RECORD_OVERHEAD_BYTES - Entry.OVERHEAD_BYTES);
            if (!(empty && slot == firstSlot) && bytes + entryBytes > maxBytes) {
                break;
            }
            bytes += entryBytes;
            slot++;
        }
        if (slot == firstSlot) {
            return bytes;
        }
        long endOffset = segment.recordEnd(slot - 1);
        long spanBytes = endOffset - startOffset;
        if (spanBytes > Integer.MAX_VALUE - 64) {
            throw new StorageException("read of " + spanBytes + " bytes from " + segment.path + " is too large");
        }
        byte[] span = new byte[(int) spanBytes];
        segment.file.readFully(startOffset, ByteBuffer.wrap(span));
        int position = 0;
        for (int s = firstSlot; s < slot; s++) {
            long expectedIndex = segment.firstIndex + s;
            int recordBytes = (int) (segment.recordEnd(s) - segment.offsets.get(s));
            result.add(decodeVerified(segment, span, position, recordBytes, expectedIndex, startOffset + position));
            position += recordBytes;
        }
        return bytes;
    }

    private Entry decodeVerified(
            Segment segment, byte[] bytes, int offset, int recordBytes, long expectedIndex, long fileOffset) {
        int bodyLength = SegmentFormat.readInt(bytes, offset);
        int storedCrc = SegmentFormat.readInt(bytes, offset + 4);
        if (bodyLength + SegmentFormat.FRAME_BYTES != recordBytes
                || storedCrc != SegmentFormat.recordCrc(bytes, offset, bodyLength)) {
            throw new StorageException(segment.path + " is damaged at byte offset " + fileOffset + ": record of index "
                    + expectedIndex + " changed on disk after it was written (checksum mismatch)");
        }
        long term = SegmentFormat.readLong(bytes, offset + 8);
        long index = SegmentFormat.readLong(bytes, offset + 16);
        byte typeCode = bytes[offset + 24];
        if (index != expectedIndex || !SegmentFormat.isValidTypeCode(typeCode)) {
            throw new StorageException(segment.path + " is damaged at byte offset " + fileOffset + ": expected index "
                    + expectedIndex + ", found " + index + " type " + typeCode);
        }
        byte[] data = new byte[bodyLength - SegmentFormat.BODY_FIXED_BYTES];
        System.arraycopy(bytes, offset + SegmentFormat.RECORD_OVERHEAD_BYTES, data, 0, data.length);
        return new Entry(term, index, EntryType.fromCode(typeCode), data);
    }

    // ---------------------------------------------------------------------------------------------
    // Recovery

    private void recover() {
        fileSystem.createDirectories(directory);
        directoryLock = fileSystem.lockDirectory(directory, LOCK_FILE_NAME);
        hardStateFile.deleteLeftoverTemporary();
        compactionPointFile.deleteLeftoverTemporary();
        compactedThrough =
                compactionPointFile.read().map(FileLogStorage::decodePosition).orElse(LogPosition.ZERO);
        hardState = hardStateFile.read().map(FileLogStorage::decodeHardState).orElse(HardState.EMPTY);
        durableHardState = hardState;

        List<Long> firstIndexes = new ArrayList<>();
        for (String name : fileSystem.list(directory)) {
            Optional<Long> firstIndex = SegmentFormat.parseFileName(name);
            if (firstIndex.isPresent()) {
                firstIndexes.add(firstIndex.get());
            } else if (!name.equals(HARD_STATE_FILE_NAME)
                    && !name.equals(COMPACTION_POINT_FILE_NAME)
                    && !name.equals(LOCK_FILE_NAME)
                    && !name.equals(SyncMark.FILE_NAME)
                    && !name.startsWith(SYNCED_LENGTH_FILE_NAME)) {
                LOG.warn("ignoring unknown file {} in log directory {}", name, directory);
            }
        }
        // A segment followed by one that starts at or below the compaction point + 1 is wholly compacted:
        // a crash after the compaction point became durable left it behind. It is not even read.
        while (firstIndexes.size() >= 2 && firstIndexes.get(1) - 1 <= compactedThrough.index()) {
            Path stale = SegmentFormat.path(directory, firstIndexes.remove(0));
            LOG.info("deleting segment {} left behind below the compaction point {}", stale, compactedThrough);
            fileSystem.delete(stale);
        }
        Optional<SyncMark.Value> mark = Optional.empty();
        if (config.syncDisabled()) {
            syncMark.delete(); // nothing is forced, so no mark may vouch for anything
        } else {
            mark = syncMark.read();
            if (mark.isEmpty() && fileSystem.exists(syncMark.path())) {
                LOG.warn(
                        "{} has no valid slot; recovering {} by the rules for logs without a sync mark",
                        syncMark.path(),
                        directory);
            }
        }
        if (mark.isPresent()) {
            recoverToSyncMark(firstIndexes, mark.get());
        } else {
            long previousTerm = 0;
            for (int i = 0; i < firstIndexes.size(); i++) {
                boolean isLast = i == firstIndexes.size() - 1;
                long firstIndex = firstIndexes.get(i);
                Path path = SegmentFormat.path(directory, firstIndex);
                if (segments.isEmpty()) {
                    if (firstIndex > compactedThrough.index() + 1) {
                        throw new StorageException("log in " + directory + " has a gap: compaction point is "
                                + compactedThrough + " but the first segment " + path + " starts at index " + firstIndex
                                + " (entries " + (compactedThrough.index() + 1) + ".." + (firstIndex - 1)
                                + " are missing)");
                    }
                } else {
                    Segment previous = segments.get(segments.size() - 1);
                    if (previous.lastIndex() + 1 != firstIndex) {
                        throw new StorageException(
                                "log in " + directory + " is not continuous: " + previous.path + " ends at index "
                                        + previous.lastIndex() + " but " + path + " starts at index " + firstIndex);
                    }
                }
                Segment segment = scanSegment(path, firstIndex, isLast, previousTerm, false);
                if (segment == null) {
                    continue;
                }
                segments.add(segment);
                if (segment.recordCount() > 0) {
                    previousTerm = segment.lastTermScanned;
                }
            }
        }
        while (!segments.isEmpty() && segments.get(0).lastIndex() <= compactedThrough.index()) {
            Segment stale = segments.remove(0);
            LOG.info(
                    "deleting segment {} that lies wholly below the compaction point {}", stale.path, compactedThrough);
            stale.file.close();
            fileSystem.delete(stale.path);
        }
        if (!config.syncDisabled()) {
            // What recovery found is what this instance will present as the log, so it must be durable now:
            // an earlier process may have died (or run with sync disabled) with it only in the page cache.
            for (Segment segment : segments) {
                segment.file.force();
            }
            fileSystem.forceDirectory(directory);
        }
        lastIndex = segments.isEmpty()
                ? compactedThrough.index()
                : Math.max(
                        compactedThrough.index(),
                        segments.get(segments.size() - 1).lastIndex());
        rebuildTerms();
        if (!config.syncDisabled()) {
            // Everything presented now is durable (forced above): the mark says so from here on.
            syncMark.write(lastIndex, term(lastIndex), repairThroughIndex, repairThroughTerm);
        }
        LOG.info(
                "opened log {}: compacted through {}, entries [{}, {}], {} segments, hard state {}",
                directory,
                compactedThrough,
                firstIndex(),
                lastIndex,
                segments.size(),
                hardState);
    }

    /**
     * Recovery of a log with a sync mark ({@code docs/log-format.md}, "Recovery rules"): scans the segments in
     * order up to the first damage of any kind (a gap between segments, an invalid header, a torn, zeroed or
     * corrupt record, a checksummed record out of place); everything after the last trustworthy entry or
     * after the mark's synced index, whichever is lower, is cut (never trusted: it was never acknowledged, and
     * after a failed force its pages may be clean in the page cache but absent from the disk). If that cut
     * falls below the synced index, synced entries were lost to corruption: that is reported through
     * {@link #repairThroughIndex()}, made durable in the mark before anything is cut, and logged at ERROR.
     */
    private void recoverToSyncMark(List<Long> firstIndexes, SyncMark.Value mark) {
        long compactionIndex = compactedThrough.index();
        long synced = Math.max(mark.syncedIndex(), compactionIndex);
        repairThroughIndex = mark.repairThroughIndex();
        repairThroughTerm = mark.repairThroughTerm();
        String damage = null;
        long previousTerm = 0;
        for (long firstIndex : firstIndexes) {
            Path path = SegmentFormat.path(directory, firstIndex);
            long expected = segments.isEmpty()
                    ? compactionIndex + 1
                    : segments.get(segments.size() - 1).lastIndex() + 1;
            if (segments.isEmpty() ? firstIndex > expected : firstIndex != expected) {
                damage = "entry " + expected + " is missing: the next segment is " + path;
                break;
            }
            Segment segment = scanSegment(path, firstIndex, false, previousTerm, true);
            if (segment.recordCount() > 0 || segment.problem == null) {
                segments.add(segment);
                previousTerm = segment.recordCount() > 0 ? segment.lastTermScanned : previousTerm;
            } else {
                segment.file.close();
            }
            if (segment.problem != null) {
                damage = path + " at byte offset " + segment.endOffset + ": " + segment.problem;
                break;
            }
        }
        long trustworthyThrough = segments.isEmpty()
                ? compactionIndex
                : segments.get(segments.size() - 1).lastIndex();
        if (Math.max(trustworthyThrough, compactionIndex) < synced) {
            long lostFrom = Math.max(trustworthyThrough, compactionIndex) + 1;
            recoveryLostSyncedEntries = synced - lostFrom + 1;
            // Synced is above the compaction index here, so it is the mark's own index and its term the mark's.
            mergeRepair(synced, mark.syncedTerm());
            LOG.error(
                    "log in {} lost entries {}..{} that were synced (and may have been acknowledged): {}. This is "
                            + "corruption, not a torn write: until a leader has replicated them back the node "
                            + "will not campaign, and will vote only for a candidate whose log holds them",
                    directory,
                    lostFrom,
                    synced,
                    damage == null ? "the log ends before them" : damage);
            // Durable before the cut, so that a crash during it cannot make the loss look like a torn tail.
            long keptThrough = Math.max(trustworthyThrough, compactionIndex);
            syncMark.write(keptThrough, scannedTerm(keptThrough), repairThroughIndex, repairThroughTerm);
        } else if (damage != null && trustworthyThrough < synced) {
            LOG.warn("log in {}: damage below the compaction point is ignored: {}", directory, damage);
        } else if (mark.syncedIndex() > compactionIndex
                && mark.syncedTerm() != SyncMark.TERM_UNKNOWN
                && scannedTerm(mark.syncedIndex()) != mark.syncedTerm()) {
            // The two records of one fact disagree (TigerBeetle's paired assertion): the mark names the last
            // synced entry, and truncations lower it before they cut. Not fatal — the mark's term matters only
            // for a later loss, and the mark is rewritten from the log at the end of this open — but a bug.
            LOG.error(
                    "log in {}: the sync mark says entry {} is of term {}, the log holds it with term {}",
                    directory,
                    mark.syncedIndex(),
                    mark.syncedTerm(),
                    scannedTerm(mark.syncedIndex()));
        }
        long keepThrough = Math.min(trustworthyThrough, synced);
        cutAfterForRecovery(firstIndexes, keepThrough, damage);
    }

    /**
     * Records a loss of synced entries through {@code lostIndex}, the last entry of the lost log being of
     * {@code lostTerm} (or {@link SyncMark#TERM_UNKNOWN}), merged with a repair still owed from an earlier
     * loss. The node will vote only for candidates at least as up to date as the repair position, and must hold
     * what both losses took; the repair must also stay owed until a sync covers the higher index. So the
     * earlier position is kept when it is at least the new one in both index and term (a candidate as up to
     * date as it is as up to date as the new one), the new one when it dominates the same way, and otherwise
     * the higher index with an unknown term, which makes the node fall back to its hard state's term (a
     * double loss with a later term but a lower index is rare; being coarse then costs only liveness).
     */
    private void mergeRepair(long lostIndex, long lostTerm) {
        if (repairThroughIndex == 0) {
            repairThroughIndex = lostIndex;
            repairThroughTerm = lostTerm;
            return;
        }
        boolean bothKnown = repairThroughTerm != SyncMark.TERM_UNKNOWN && lostTerm != SyncMark.TERM_UNKNOWN;
        if (bothKnown && repairThroughIndex >= lostIndex && repairThroughTerm >= lostTerm) {
            return;
        }
        if (bothKnown && lostIndex >= repairThroughIndex && lostTerm >= repairThroughTerm) {
            repairThroughIndex = lostIndex;
            repairThroughTerm = lostTerm;
            return;
        }
        repairThroughIndex = Math.max(repairThroughIndex, lostIndex);
        repairThroughTerm = SyncMark.TERM_UNKNOWN;
    }

    /** During recovery, before the terms are rebuilt: the scanned term of {@code index} (or the compaction point's). */
    private long scannedTerm(long index) {
        if (index == compactedThrough.index()) {
            return compactedThrough.term();
        }
        for (Segment segment : segments) {
            if (index >= segment.firstIndex && index <= segment.lastIndex()) {
                return segment.scannedTerms.get((int) (index - segment.firstIndex));
            }
        }
        throw new IllegalStateException("no scanned segment holds index " + index);
    }

    /**
     * Removes every entry after {@code keepThrough} from disk: later segment files (scanned or not), last one
     * first, then a directory force, then the kept segment shortened and forced (the order of
     * {@link #truncateSuffix}).
     */
    private void cutAfterForRecovery(List<Long> firstIndexes, long keepThrough, String damage) {
        long bytesBefore = recoveryBytesCut;
        boolean deleted = false;
        for (int i = firstIndexes.size() - 1; i >= 0; i--) {
            long firstIndex = firstIndexes.get(i);
            if (firstIndex <= keepThrough) {
                break;
            }
            Path path = SegmentFormat.path(directory, firstIndex);
            if (!segments.isEmpty() && segments.get(segments.size() - 1).firstIndex == firstIndex) {
                segments.remove(segments.size() - 1).file.close();
            }
            if (fileSystem.exists(path)) {
                try (StorageFile file = fileSystem.open(path, false)) {
                    recoveryBytesCut += file.size();
                }
                fileSystem.delete(path);
                deleted = true;
            }
        }
        if (deleted) {
            fileSystem.forceDirectory(directory);
        }
        if (!segments.isEmpty()) {
            Segment segment = segments.get(segments.size() - 1);
            long cutAt = segment.endOffset;
            if (segment.lastIndex() > keepThrough) {
                int keep = (int) (keepThrough + 1 - segment.firstIndex);
                cutAt = segment.offsets.get(keep);
                segment.offsets.truncate(keep);
                segment.scannedTerms.truncate(keep);
                segment.lastTermScanned = keep == 0 ? 0 : segment.scannedTerms.get(keep - 1);
            }
            long size = segment.file.size();
            if (size > cutAt) {
                recoveryBytesCut += size - cutAt;
                segment.file.truncate(cutAt);
                segment.file.force();
                segment.endOffset = cutAt;
            }
        }
        if (recoveryBytesCut > bytesBefore) {
            LOG.warn(
                    "cut {} bytes from the log in {}: it now ends at index {}, the last entry known synced{}",
                    recoveryBytesCut - bytesBefore,
                    directory,
                    Math.max(keepThrough, compactedThrough.index()),
                    damage == null ? "" : " (" + damage + ")");
        }
    }

    private void rebuildTerms() {
        for (Segment segment : segments) {
            for (int slot = 0; slot < segment.recordCount(); slot++) {
                long index = segment.firstIndex + slot;
                if (index > compactedThrough.index()) {
                    terms.append(index, segment.scannedTerms.get(slot));
                }
            }
            segment.scannedTerms = null; // only needed once; TermRuns holds them compactly from now on
        }
    }

    /**
     * Reads and checks one segment. Returns null if it was the last segment and held only a torn header
     * (it is deleted). Cuts a torn tail of the last segment. Throws on corruption.
     */
    private Segment scanSegment(Path path, long firstIndex, boolean isLast, long previousTerm, boolean tolerant) {
        StorageFile file = fileSystem.open(path, false);
        try {
            long size = file.size();
            long sizeLimit = config.segmentBytesMax()
                    + SegmentFormat.RECORD_OVERHEAD_BYTES
                    + config.entryDataBytesMax()
                    + SegmentFormat.HEADER_BYTES;
            if (size > Math.min(sizeLimit, Integer.MAX_VALUE - 64)) {
                throw new StorageException(path + " is damaged: " + size + " bytes, more than a segment can hold ("
                        + sizeLimit + ") (byte offset " + sizeLimit + ")");
            }
            byte[] bytes = new byte[(int) size];
            file.readFully(0, ByteBuffer.wrap(bytes));
            Segment segment = new Segment(path, firstIndex, file);
            segment.scannedTerms = new LongList();
            String headerProblem = bytes.length < SegmentFormat.HEADER_BYTES
                    ? "incomplete header (" + bytes.length + " bytes)"
                    : SegmentFormat.headerProblem(bytes, firstIndex);
            if (headerProblem != null && tolerant) {
                segment.problem = "invalid header: " + headerProblem;
                segment.endOffset = 0;
                return segment;
            }
            if (headerProblem != null) {
                boolean nothingAfterHeader = bytes.length <= SegmentFormat.HEADER_BYTES
                        || SegmentFormat.allZero(bytes, SegmentFormat.HEADER_BYTES, bytes.length);
                if (isLast && nothingAfterHeader) {
                    LOG.warn(
                            "deleting torn segment file {} ({} bytes, {}): it was being created at the crash and holds "
                                    + "no record",
                            path,
                            bytes.length,
                            headerProblem);
                    recoveryBytesCut += bytes.length;
                    file.close();
                    fileSystem.delete(path);
                    return null;
                }
                throw new StorageException(path + " is damaged at byte offset 0: " + headerProblem);
            }
            int position = SegmentFormat.HEADER_BYTES;
            long expectedIndex = firstIndex;
            long lastTerm = previousTerm;
            while (position < bytes.length) {
                String problem = tornCandidateProblem(bytes, position);
                if (problem == null) {
                    int bodyLength = SegmentFormat.readInt(bytes, position);
                    long term = SegmentFormat.readLong(bytes, position + 8);
                    long index = SegmentFormat.readLong(bytes, position + 16);
                    byte typeCode = bytes[position + 24];
                    // A record whose checksum is right but whose content is inconsistent is never a torn write.
                    if (tolerant
                            && (index != expectedIndex
                                    || term < lastTerm
                                    || !SegmentFormat.isValidTypeCode(typeCode))) {
                        segment.problem = "record with a valid checksum has index " + index + " (expected "
                                + expectedIndex + "), term " + term + " (previous " + lastTerm + "), type code "
                                + typeCode;
                        break;
                    }
                    if (index != expectedIndex) {
                        throw new StorageException(path + " is damaged at byte offset " + position
                                + ": record has index " + index + ", expected " + expectedIndex);
                    }
                    if (term < lastTerm) {
                        throw new StorageException(path + " is damaged at byte offset " + position + ": record " + index
                                + " has term " + term + ", lower than its predecessor's " + lastTerm);
                    }
                    if (!SegmentFormat.isValidTypeCode(typeCode)) {
                        throw new StorageException(path + " is damaged at byte offset " + position + ": record " + index
                                + " has unknown entry type code " + typeCode);
                    }
                    segment.offsets.add(position);
                    segment.scannedTerms.add(term);
                    lastTerm = term;
                    expectedIndex++;
                    position += SegmentFormat.FRAME_BYTES + bodyLength;
                    continue;
                }
                if (tolerant) {
                    segment.problem = problem;
                    break;
                }
                if (!isLast) {
                    throw new StorageException(path + " is damaged at byte offset " + position + ": " + problem
                            + " (not the last segment, so this is not a torn write)");
                }
                int validAt = findValidRecordAfter(bytes, position, expectedIndex - 1, lastTerm);
                if (validAt >= 0) {
                    throw new StorageException(path + " is damaged at byte offset " + position + ": " + problem
                            + "; a valid record follows at byte offset " + validAt + ", so this is not a torn tail");
                }
                long cut = (long) bytes.length - position;
                LOG.warn(
                        "cutting torn tail of {}: {} bytes from byte offset {} ({}); the log now ends at index {}",
                        path,
                        cut,
                        position,
                        problem,
                        expectedIndex - 1);
                recoveryBytesCut += cut;
                file.truncate(position);
                if (!config.syncDisabled()) {
                    file.force();
                }
                break;
            }
            segment.endOffset = position;
            segment.lastTermScanned = lastTerm;
            return segment;
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** Why the bytes at {@code position} are not a complete, checksummed record, or null if they are. */
    private String tornCandidateProblem(byte[] bytes, int position) {
        int remaining = bytes.length - position;
        if (remaining < SegmentFormat.FRAME_BYTES) {
            return "incomplete record frame (" + remaining + " bytes before end of file)";
        }
        int bodyLength = SegmentFormat.readInt(bytes, position);
        if (bodyLength == 0 && SegmentFormat.allZero(bytes, position, bytes.length)) {
            return "zero-filled tail";
        }
        if (bodyLength < SegmentFormat.BODY_FIXED_BYTES
                || bodyLength > SegmentFormat.BODY_FIXED_BYTES + (long) config.entryDataBytesMax()) {
            return "invalid record length " + bodyLength;
        }
        if ((long) SegmentFormat.FRAME_BYTES + bodyLength > remaining) {
            return "record of " + (SegmentFormat.FRAME_BYTES + bodyLength) + " bytes extends past end of file";
        }
        if (SegmentFormat.readInt(bytes, position + 4) != SegmentFormat.recordCrc(bytes, position, bodyLength)) {
            return "record checksum mismatch";
        }
        return null;
    }

    /**
     * Looks for a valid record that could follow the damaged one at {@code damagedAt}: a later index than the
     * last good one, a term not lower, a known type, a correct checksum. Its presence means the damage is
     * in the middle of the data, not a torn tail. Returns its offset or -1.
     */
    private int findValidRecordAfter(byte[] bytes, int damagedAt, long lastGoodIndex, long lastGoodTerm) {
        if (SegmentFormat.allZero(bytes, damagedAt, bytes.length)) {
            return -1;
        }
        long indexBound = lastGoodIndex + 1 + (bytes.length - damagedAt) / SegmentFormat.RECORD_OVERHEAD_BYTES;
        for (int at = damagedAt + 1; at + SegmentFormat.RECORD_OVERHEAD_BYTES <= bytes.length; at++) {
            int bodyLength = SegmentFormat.readInt(bytes, at);
            if (bodyLength < SegmentFormat.BODY_FIXED_BYTES
                    || bodyLength > bytes.length - at - SegmentFormat.FRAME_BYTES) {
                continue;
            }
            long index = SegmentFormat.readLong(bytes, at + 16);
            long term = SegmentFormat.readLong(bytes, at + 8);
            if (index <= lastGoodIndex
                    || index > indexBound
                    || term < lastGoodTerm
                    || !SegmentFormat.isValidTypeCode(bytes[at + 24])) {
                continue;
            }
            if (SegmentFormat.readInt(bytes, at + 4) == SegmentFormat.recordCrc(bytes, at, bodyLength)) {
                return at;
            }
        }
        return -1;
    }

    // ---------------------------------------------------------------------------------------------

    private static byte[] encodeHardState(HardState state) {
        return ByteBuffer.allocate(24)
                .putLong(state.term())
                .putLong(state.votedFor())
                .putLong(state.commit())
                .array();
    }

    private static HardState decodeHardState(byte[] payload) {
        ByteBuffer buffer = ByteBuffer.wrap(payload);
        return new HardState(buffer.getLong(), buffer.getLong(), buffer.getLong());
    }

    private static byte[] encodePosition(LogPosition position) {
        return ByteBuffer.allocate(16)
                .putLong(position.index())
                .putLong(position.term())
                .array();
    }

    private static LogPosition decodePosition(byte[] payload) {
        ByteBuffer buffer = ByteBuffer.wrap(payload);
        long index = buffer.getLong();
        long term = buffer.getLong();
        return new LogPosition(term, index);
    }

    private void checkUsable() {
        if (closed) {
            throw new IllegalStateException("log storage in " + directory + " is closed");
        }
        if (failure != null) {
            throw new StorageException(
                    "log storage in " + directory + " failed earlier and must be reopened: " + failure.getMessage(),
                    failure);
        }
    }

    private StorageException fail(RuntimeException cause) {
        StorageException exception = cause instanceof StorageException storageException
                ? storageException
                : new StorageException("log storage in " + directory + " failed: " + cause, cause);
        failure = exception;
        return exception;
    }

    private void closeFiles() {
        for (Segment segment : segments) {
            try {
                segment.file.close();
            } catch (StorageException e) {
                LOG.warn("closing {} failed: {}", segment.path, e.getMessage());
            }
        }
        segments.clear();
        try {
            syncMark.close();
        } catch (StorageException e) {
            LOG.warn("closing the sync mark of {} failed: {}", directory, e.getMessage());
        }
        if (directoryLock != null) {
            try {
                directoryLock.close();
            } catch (Exception e) {
                LOG.warn("releasing the lock on {} failed: {}", directory, e.toString());
            }
            directoryLock = null;
        }
    }

    /** One segment file and the offsets of its records. */
    private static final class Segment {
        final Path path;
        final long firstIndex;
        final StorageFile file;
        /** offsets.get(i) is the byte offset of the record of index firstIndex + i. */
        final LongList offsets = new LongList();
        /** The byte offset just past the last record (= the file size, once writes are in). */
        long endOffset;
        /** Written since the last force. */
        boolean dirty;
        /**
         * Handed to a {@link PendingSync} that may not have completed: a segment roll forces it again
         * rather than let a successor exist before it is durable. Cleared only by that roll.
         */
        boolean forcePending;
        /** During recovery with a sync mark only: why the scan stopped at {@link #endOffset}, or null. */
        String problem;
        /** During recovery only: the term of each record. */
        LongList scannedTerms;

        long lastTermScanned;

        Segment(Path path, long firstIndex, StorageFile file) {
            this.path = path;
            this.firstIndex = firstIndex;
            this.file = file;
        }

        int recordCount() {
            return offsets.size();
        }

        /** The last index held, or firstIndex - 1 when empty. */
        long lastIndex() {
            return firstIndex + offsets.size() - 1;
        }

        long recordEnd(int slot) {
            return slot + 1 < offsets.size() ? offsets.get(slot + 1) : endOffset;
        }
    }
}
