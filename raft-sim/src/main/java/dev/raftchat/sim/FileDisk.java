package dev.raftchat.sim;

import dev.raftchat.raft.core.Entry;
import dev.raftchat.raft.core.HardState;
import dev.raftchat.raft.core.LogPosition;
import dev.raftchat.raft.storage.LogStorage;
import dev.raftchat.raft.storage.file.FileLogStorage;
import dev.raftchat.raft.storage.file.FileLogStorageConfig;
import dev.raftchat.raft.storage.file.SimulatedFileSystem;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The real {@link FileLogStorage} (segments, CRCs, recovery) over a {@link SimulatedFileSystem}, so the
 * simulator exercises the production storage under crashes: each crash picks one of the file system's
 * crash modes (lose unsynced, keep unsynced, torn, torn zero-filled), and the restart runs the storage's
 * own recovery. Segments are kept tiny so that runs roll over many of them.
 */
public final class FileDisk implements SimDisk {

    /** Small segments, so a run of a few hundred entries crosses several segment boundaries. */
    static final long SEGMENT_BYTES_MAX = 4 * 1024;

    static final long ENTRY_CACHE_BYTES_MAX = 4 * 1024;

    private static final SimulatedFileSystem.CrashMode[] MODES = SimulatedFileSystem.CrashMode.values();

    private final SimulatedFileSystem fileSystem = new SimulatedFileSystem();
    private final Path directory;
    private final FileLogStorageConfig config = FileLogStorageConfig.defaults()
            .withSegmentBytesMax(SEGMENT_BYTES_MAX)
            .withEntryCacheBytesMax(ENTRY_CACHE_BYTES_MAX);
    private Tracking current;
    /** Opened (and recovered) by the last crash, handed out by the next {@link #open}. */
    private FileLogStorage recovered;

    public FileDisk(long nodeId) {
        this.directory = Path.of("/raft/node-" + nodeId);
    }

    /** A factory that gives every node a file disk. */
    public static StorageFactory factory() {
        return new StorageFactory.Named("file", (nodeId, random) -> new FileDisk(nodeId));
    }

    @Override
    public LogStorage open() {
        FileLogStorage storage = recovered != null ? recovered : FileLogStorage.open(fileSystem, directory, config);
        recovered = null;
        current = new Tracking(storage);
        return current;
    }

    @Override
    public CrashReport crash(SplittableRandom random) {
        long writtenLast = current == null ? 0 : current.lastIndexSeen;
        long syncedLast = current == null ? 0 : current.lastIndexSynced;
        current = null;
        fileSystem.crash(MODES[random.nextInt(MODES.length)], random);
        recovered = FileLogStorage.open(fileSystem, directory, config);
        long survived = recovered.lastIndex();
        return new CrashReport(
                (int) Math.max(0, writtenLast - survived),
                (int) Math.max(0, survived - syncedLast),
                recovered.recoveryBytesCut() > 0);
    }

    /** Delegates, remembering how far the log reached when written and when synced. */
    private static final class Tracking implements LogStorage {
        private final FileLogStorage delegate;
        long lastIndexSeen;
        long lastIndexSynced;

        Tracking(FileLogStorage delegate) {
            this.delegate = delegate;
            lastIndexSeen = delegate.lastIndex();
            lastIndexSynced = lastIndexSeen;
        }

        @Override
        public HardState hardState() {
            return delegate.hardState();
        }

        @Override
        public LogPosition compactedThrough() {
            return delegate.compactedThrough();
        }

        @Override
        public long lastIndex() {
            return delegate.lastIndex();
        }

        @Override
        public long term(long index) {
            return delegate.term(index);
        }

        @Override
        public List<Entry> entries(long fromIndex, long toIndexExclusive, long maxBytes) {
            return delegate.entries(fromIndex, toIndexExclusive, maxBytes);
        }

        @Override
        public void append(List<Entry> entries) {
            delegate.append(entries);
            lastIndexSeen = delegate.lastIndex();
        }

        @Override
        public void saveHardState(HardState hardState) {
            delegate.saveHardState(hardState);
        }

        @Override
        public void sync() {
            delegate.sync();
            lastIndexSynced = delegate.lastIndex();
        }

        @Override
        public void compact(LogPosition position) {
            delegate.compact(position);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
