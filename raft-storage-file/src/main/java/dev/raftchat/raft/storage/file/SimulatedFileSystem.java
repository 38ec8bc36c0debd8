package dev.raftchat.raft.storage.file;

import dev.raftchat.raft.storage.StorageException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * A deterministic, in-memory {@link StorageFileSystem} that remembers, for every file and every directory,
 * what is durable and what is not, and can simulate a crash. Used by this module's fault tests and by the
 * deterministic simulator (jepsen-tests) to run the real file storage under disk faults.
 *
 * <p><b>Model.</b> Each file has a durable image (its content at the last {@link StorageFile#force()}) and
 * an ordered list of unsynced operations since then (writes and truncations). Each directory has a durable
 * set of entries (as of the last {@link #forceDirectory}) and an ordered list of unsynced entry operations
 * (create, rename, delete). A crash rebuilds every directory and file from its durable state plus some
 * prefix of its unsynced operations, chosen by the {@link CrashMode}:
 * <ul>
 *   <li>{@link CrashMode#LOSE_UNSYNCED}: no unsynced operation survives (power loss, worst case);</li>
 *   <li>{@link CrashMode#KEEP_UNSYNCED}: every operation survives (a process crash: the page cache lives);</li>
 *   <li>{@link CrashMode#TORN}: a random prefix survives, and the first operation that does not fully
 *       survive, if a write, leaves a random prefix of its bytes (a torn write);</li>
 *   <li>{@link CrashMode#TORN_ZERO_FILLED}: as {@code TORN}, but the torn write's missing bytes read as
 *       zeros, as when a file system has committed the new size but not the data blocks.</li>
 * </ul>
 * Operations survive in the order they were issued (a prefix), per file and per directory independently.
 * Renames are atomic. Directories themselves are durable once created.
 *
 * <p><b>Determinism.</b> No threads, clocks or hidden randomness: every random choice is drawn from the
 * {@link RandomGenerator} the caller passes to {@link #crash}; listings are sorted. The same calls with the
 * same seed give the same bytes.
 *
 * <p><b>After a crash</b> every {@link StorageFile} opened before it is stale: any call on it throws
 * {@link StorageException}. Reopen the storage over this same instance to simulate a restart.
 *
 * <p><b>Use in a simulation</b> (one instance may hold every node's directories):
 * <pre>{@code
 * SimulatedFileSystem disk = new SimulatedFileSystem();
 * LogStorage log = FileLogStorage.open(disk, Path.of("/node-1/log"), FileLogStorageConfig.defaults());
 * ...                                          // run; the node appends and syncs
 * log.close();                                 // the node's process dies
 * disk.crash(Path.of("/node-1"), CrashMode.TORN, random);   // and its machine: unsynced data torn
 * log = FileLogStorage.open(disk, Path.of("/node-1/log"), FileLogStorageConfig.defaults()); // restart
 * }</pre>
 * {@link #failForcesUnder} makes a node's forces fail (the node must stop); {@link #flipByte} corrupts
 * media; {@link #syncedLengths()} says what a crash may cut.
 *
 * <p>Not thread-safe: a simulation runs on one thread.
 */
public final class SimulatedFileSystem implements StorageFileSystem {

    /** What survives a {@link #crash}. */
    public enum CrashMode {
        /** Every unsynced write, truncation and directory change is lost. */
        LOSE_UNSYNCED,
        /** Everything survives, as after a process kill with the page cache intact. */
        KEEP_UNSYNCED,
        /** A random prefix of the unsynced operations survives; the next write survives partially. */
        TORN,
        /** As {@link #TORN}, with the lost part of the torn write present as zero bytes. */
        TORN_ZERO_FILLED,
        /**
         * Write-back in any order: each {@link #PAGE_BYTES}-byte page that unsynced writes touched survives or not,
         * independently, and the file's size is the synced or the current one; so a later page may survive
         * where an earlier one is lost (a hole, zeros or old bytes, followed by new data). Directory operations
         * still survive as a prefix (as with a metadata journal).
         */
        ANY_PAGES
    }

    /** The page size of {@link CrashMode#ANY_PAGES}: small, so that the tiny segments of tests span several. */
    public static final int PAGE_BYTES = 64;

    /** Files larger than this are refused, so a bug cannot eat the test JVM's heap. */
    public static final long FILE_BYTES_MAX = Integer.MAX_VALUE - 64;

    private final TreeMap<Path, Directory> directories = new TreeMap<>();
    private long generation;
    private long forceCount;
    private long nextInodeId = 1;
    private Path failingForcesRoot;
    private FailedForce failedForceMode = FailedForce.MARK_CLEAN;
    private long failedForces;
    /** Where a power loss is armed (null: none), and how many more mutating calls under it succeed first. */
    private Path powerLossRoot;

    private long powerLossAfterCalls;
    private boolean powerLost;
    private long mutatingCalls;
    /** Files whose last crash lost an unsynced page and kept a later one. */
    private long filesWithHoles;

    private final TreeSet<Path> lockedDirectories = new TreeSet<>();

    /** Creates an empty file system. */
    public SimulatedFileSystem() {}

    // ---------------------------------------------------------------------------------------------
    // StorageFileSystem

    @Override
    public void createDirectories(Path directory) {
        Path normalized = normalize(directory);
        for (Path p = normalized; p != null; p = p.getParent()) {
            directories.computeIfAbsent(p, k -> new Directory());
        }
    }

    @Override
    public List<String> list(Path directory) {
        return new ArrayList<>(requireDirectory(directory).entries.keySet());
    }

    @Override
    public boolean exists(Path file) {
        Directory dir = directories.get(parentOf(file));
        return dir != null && dir.entries.containsKey(nameOf(file));
    }

    @Override
    public StorageFile open(Path file, boolean create) {
        Directory dir = requireDirectory(parentOf(file));
        String name = nameOf(file);
        Inode inode = dir.entries.get(name);
        if (inode == null) {
            if (!create) {
                throw new StorageException("no such file " + file);
            }
            beforeMutation(file);
            inode = new Inode(nextInodeId++);
            dir.entries.put(name, inode);
            dir.pending.add(new DirectoryOperation(DirectoryOperation.Kind.LINK, name, null, inode));
        }
        return new SimulatedFile(normalize(file), inode, generation);
    }

    @Override
    public void rename(Path source, Path target) {
        Path parent = parentOf(source);
        beforeMutation(source);
        if (!parent.equals(parentOf(target))) {
            throw new StorageException(
                    "simulated rename across directories is not supported: " + source + " to " + target);
        }
        Directory dir = requireDirectory(parent);
        Inode inode = dir.entries.remove(nameOf(source));
        if (inode == null) {
            throw new StorageException("cannot rename " + source + ": no such file");
        }
        dir.entries.put(nameOf(target), inode);
        dir.pending.add(new DirectoryOperation(DirectoryOperation.Kind.RENAME, nameOf(source), nameOf(target), inode));
    }

    @Override
    public void delete(Path file) {
        beforeMutation(file);
        Directory dir = directories.get(parentOf(file));
        if (dir == null || dir.entries.remove(nameOf(file)) == null) {
            return;
        }
        dir.pending.add(new DirectoryOperation(DirectoryOperation.Kind.UNLINK, nameOf(file), null, null));
    }

    @Override
    public void forceDirectory(Path directory) {
        beforeMutation(directory);
        checkForceAllowed(directory);
        Directory dir = requireDirectory(directory);
        dir.durable = new TreeMap<>(dir.entries);
        dir.pending.clear();
        forceCount++;
    }

    /**
     * Locks are held in memory (no lock file is created, so listings stay as the storage wrote them); a crash
     * releases them all, as the death of the process would.
     */
    @Override
    public AutoCloseable lockDirectory(Path directory, String lockFileName) {
        Path normalized = normalize(directory);
        requireDirectory(normalized);
        if (!lockedDirectories.add(normalized)) {
            throw new StorageException("directory " + directory + " is in use by another storage instance (lock "
                    + lockFileName + " is held); two nodes must never share a data directory");
        }
        long lockedAtGeneration = generation;
        return () -> {
            if (lockedAtGeneration == generation) {
                lockedDirectories.remove(normalized);
            }
        };
    }

    // ---------------------------------------------------------------------------------------------
    // Test mode: crashes, faults and inspection

    /**
     * Simulates a machine crash and restart: every directory and file is rebuilt from its durable state
     * plus the unsynced operations that {@code mode} lets survive, with random choices drawn from
     * {@code random}. Every open {@link StorageFile} becomes stale.
     */
    public void crash(CrashMode mode, RandomGenerator random) {
        crash(null, mode, random);
    }

    /**
     * As {@link #crash(CrashMode, RandomGenerator)}, but only directories at or below {@code root} (one node's
     * data, when several nodes share this file system) lose or tear their unsynced operations; the rest keep
     * them. Open files everywhere become stale, as the simulated machine that crashed may have held any.
     */
    public void crash(Path root, CrashMode mode, RandomGenerator random) {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(random, "random");
        Path normalizedRoot = root == null ? null : normalize(root);
        generation++;
        powerLossRoot = null;
        powerLost = false;
        lockedDirectories.clear();
        // Directories first, so that only files still reachable are rebuilt; iteration is sorted by path.
        List<Inode> reachable = new ArrayList<>();
        for (Map.Entry<Path, Directory> dirEntry : directories.entrySet()) {
            if (normalizedRoot != null && !dirEntry.getKey().startsWith(normalizedRoot)) {
                continue;
            }
            Directory dir = dirEntry.getValue();
            int keep = survivingCount(mode, dir.pending.size(), random);
            TreeMap<String, Inode> entries = new TreeMap<>(dir.durable);
            for (int i = 0; i < keep; i++) {
                dir.pending.get(i).applyTo(entries);
            }
            dir.entries = entries;
            dir.durable = new TreeMap<>(entries);
            dir.pending.clear();
            reachable.addAll(entries.values());
        }
        for (Inode inode : reachable) {
            if (inode.crashedAtGeneration != generation) {
                if (inode.crash(mode, random)) {
                    filesWithHoles++;
                }
                inode.crashedAtGeneration = generation;
            }
        }
    }

    /** What a failed {@link StorageFile#force()} does to the file's unsynced writes (Linux, "fsyncgate"). */
    public enum FailedForce {
        /**
         * The kernel marks the pages clean: reads still return the new bytes, but they never reach the disk, a
         * later force succeeds without writing them, and a crash loses them (ext4, XFS since 4.13).
         */
        MARK_CLEAN,
        /** The pages are dropped: reads return what is on the disk again. */
        DROP_PAGES
    }

    /**
     * As {@link #failForcesUnder(Path, FailedForce)} with {@link FailedForce#MARK_CLEAN}, Linux's usual
     * behaviour.
     */
    public void failForcesUnder(Path root) {
        failForcesUnder(root, FailedForce.MARK_CLEAN);
    }

    /**
     * From now on every {@link StorageFile#force()} and {@link #forceDirectory} at or below {@code root} throws
     * {@link StorageException} without making anything durable, as a failing disk would; a failed file force
     * also does to the file's unsynced writes what {@code mode} says (a failed directory force leaves its
     * entries pending). {@code null} ends the fault. Lets tests check that a node stops after a failed sync
     * instead of retrying, and never trusts what the failed force covered.
     */
    public void failForcesUnder(Path root, FailedForce mode) {
        failingForcesRoot = root == null ? null : normalize(root);
        failedForceMode = Objects.requireNonNull(mode, "mode");
    }

    /** How many file forces have failed (each one losing its unsynced writes as its mode says). */
    public long failedForces() {
        return failedForces;
    }

    /**
     * Arms a power loss: the next {@code callsBefore} mutating calls at or below {@code root} (file creation,
     * rename, delete, directory force, write, truncate, force) succeed, and the one after them, like every
     * later one, throws {@link PowerLossException} without doing anything: the machine is off. Call
     * {@link #crash} next (as the restart), which also disarms it. Lets a test stop a multi-step operation
     * between any two of its steps.
     */
    public void powerLossAfter(Path root, long callsBefore) {
        if (callsBefore < 0) {
            throw new IllegalArgumentException("callsBefore must be >= 0, got " + callsBefore);
        }
        powerLossRoot = normalize(Objects.requireNonNull(root, "root"));
        powerLossAfterCalls = callsBefore;
        powerLost = false;
    }

    /** Disarms a power loss armed by {@link #powerLossAfter} that has not happened yet. */
    public void disarmPowerLoss() {
        if (!powerLost) {
            powerLossRoot = null;
        }
    }

    /** Whether an armed power loss has happened (and no {@link #crash} has followed it yet). */
    public boolean powerLost() {
        return powerLost;
    }

    /**
     * How many files, over every {@link CrashMode#ANY_PAGES} crash so far, lost an unsynced page but kept a later
     * one (for coverage counters).
     */
    public long filesWithHoles() {
        return filesWithHoles;
    }

    /** How many mutating calls (as {@link #powerLossAfter} counts them) this file system has seen. */
    public long mutatingCalls() {
        return mutatingCalls;
    }

    /** Thrown by every mutating call once an armed power loss has happened. */
    public static final class PowerLossException extends StorageException {
        private static final long serialVersionUID = 1L;

        PowerLossException(Path path) {
            super("simulated power loss at a call on " + path);
        }
    }

    private void beforeMutation(Path path) {
        mutatingCalls++;
        if (powerLossRoot == null || !normalize(path).startsWith(powerLossRoot)) {
            return;
        }
        if (!powerLost && powerLossAfterCalls > 0) {
            powerLossAfterCalls--;
            return;
        }
        powerLost = true;
        throw new PowerLossException(path);
    }

    private void checkForceAllowed(Path path) {
        if (failingForcesRoot != null && normalize(path).startsWith(failingForcesRoot)) {
            throw new StorageException("simulated I/O error forcing " + path);
        }
    }

    /**
     * Flips every bit of the byte at {@code offset} of {@code file}, in both the current and the durable
     * image (as media corruption would). Throws {@link IllegalArgumentException} past the end of the file.
     */
    public void flipByte(Path file, long offset) {
        Inode inode = requireFile(file);
        if (offset < 0 || offset >= inode.current.length) {
            throw new IllegalArgumentException(
                    "offset " + offset + " outside " + file + " of " + inode.current.length + " bytes");
        }
        inode.current.bytes[(int) offset] ^= (byte) 0xFF;
        if (offset < inode.durable.length) {
            inode.durable.bytes[(int) offset] ^= (byte) 0xFF;
        }
    }

    /** The size {@code file} had at its last force (what {@link CrashMode#LOSE_UNSYNCED} leaves). */
    public long syncedLength(Path file) {
        return requireFile(file).durable.length;
    }

    /** The current size of {@code file}, unsynced writes included. */
    public long length(Path file) {
        return requireFile(file).current.length;
    }

    /** Whether {@code file} has writes or truncations not yet forced. */
    public boolean hasUnsyncedWrites(Path file) {
        return !requireFile(file).pending.isEmpty();
    }

    /** Every file's last synced length, by path, sorted; useful for reports of what a crash may lose. */
    public Map<Path, Long> syncedLengths() {
        TreeMap<Path, Long> lengths = new TreeMap<>();
        for (Map.Entry<Path, Directory> dir : directories.entrySet()) {
            for (Map.Entry<String, Inode> entry : dir.getValue().entries.entrySet()) {
                lengths.put(dir.getKey().resolve(entry.getKey()), (long) entry.getValue().durable.length);
            }
        }
        return lengths;
    }

    /** A copy of the current content of {@code file}. */
    public byte[] readAllBytes(Path file) {
        ByteImage image = requireFile(file).current;
        return Arrays.copyOf(image.bytes, image.length);
    }

    /** Replaces the content of {@code file}, durably, as a tool or an operator editing it offline would. */
    public void overwrite(Path file, byte[] content) {
        Inode inode = requireFile(file);
        inode.current = ByteImage.of(content);
        inode.durable = ByteImage.of(content);
        inode.pending.clear();
    }

    /** How many file and directory forces have been issued, for tests of group commit. */
    public long forceCount() {
        return forceCount;
    }

    // ---------------------------------------------------------------------------------------------

    private static int survivingCount(CrashMode mode, int pendingCount, RandomGenerator random) {
        return switch (mode) {
            case LOSE_UNSYNCED -> 0;
            case KEEP_UNSYNCED -> pendingCount;
            case TORN, TORN_ZERO_FILLED -> pendingCount == 0 ? 0 : random.nextInt(pendingCount + 1);
            case ANY_PAGES -> pendingCount == 0 ? 0 : random.nextInt(pendingCount + 1); // directories only
        };
    }

    private Directory requireDirectory(Path directory) {
        Directory dir = directories.get(normalize(directory));
        if (dir == null) {
            throw new StorageException("no such directory " + directory);
        }
        return dir;
    }

    private Inode requireFile(Path file) {
        Directory dir = directories.get(parentOf(file));
        Inode inode = dir == null ? null : dir.entries.get(nameOf(file));
        if (inode == null) {
            throw new StorageException("no such file " + file);
        }
        return inode;
    }

    private static Path normalize(Path path) {
        return path.toAbsolutePath().normalize();
    }

    private static Path parentOf(Path file) {
        Path parent = normalize(file).getParent();
        if (parent == null) {
            throw new StorageException("a file needs a parent directory: " + file);
        }
        return parent;
    }

    private static String nameOf(Path file) {
        return normalize(file).getFileName().toString();
    }

    private static final class Directory {
        TreeMap<String, Inode> entries = new TreeMap<>();
        TreeMap<String, Inode> durable = new TreeMap<>();
        final List<DirectoryOperation> pending = new ArrayList<>();
    }

    private record DirectoryOperation(Kind kind, String name, String targetName, Inode inode) {
        enum Kind {
            LINK,
            RENAME,
            UNLINK
        }

        void applyTo(TreeMap<String, Inode> entries) {
            switch (kind) {
                case LINK -> entries.put(name, inode);
                case RENAME -> {
                    entries.remove(name);
                    entries.put(targetName, inode);
                }
                case UNLINK -> entries.remove(name);
            }
        }
    }

    /** A growable byte array with a logical length. */
    private static final class ByteImage {
        byte[] bytes;
        int length;

        ByteImage(int capacity) {
            bytes = new byte[Math.max(16, capacity)];
        }

        static ByteImage of(byte[] content) {
            ByteImage image = new ByteImage(content.length);
            image.write(0, content, 0, content.length);
            return image;
        }

        ByteImage copy() {
            ByteImage copy = new ByteImage(length);
            System.arraycopy(bytes, 0, copy.bytes, 0, length);
            copy.length = length;
            return copy;
        }

        void write(long position, byte[] source, int offset, int count) {
            long end = position + count;
            if (end > FILE_BYTES_MAX) {
                throw new StorageException("simulated file would exceed " + FILE_BYTES_MAX + " bytes");
            }
            ensureCapacity((int) end);
            if (position > length) {
                Arrays.fill(bytes, length, (int) position, (byte) 0);
            }
            System.arraycopy(source, offset, bytes, (int) position, count);
            length = Math.max(length, (int) end);
        }

        void truncate(long size) {
            if (size < length) {
                length = (int) size;
            }
        }

        private void ensureCapacity(int needed) {
            if (needed > bytes.length) {
                bytes = Arrays.copyOf(bytes, (int) Math.min(FILE_BYTES_MAX, Math.max(needed, 2L * bytes.length)));
            }
        }
    }

    private record FileOperation(boolean isTruncate, long position, byte[] data) {
        void applyTo(ByteImage image) {
            if (isTruncate) {
                image.truncate(position);
            } else {
                image.write(position, data, 0, data.length);
            }
        }
    }

    private static final class Inode {
        final long id;
        ByteImage current = new ByteImage(0);
        ByteImage durable = new ByteImage(0);
        final List<FileOperation> pending = new ArrayList<>();
        long crashedAtGeneration = -1;

        Inode(long id) {
            this.id = id;
        }

        /** Rebuilds the file after a crash; true when an unsynced page was lost and a later one kept. */
        boolean crash(CrashMode mode, RandomGenerator random) {
            if (mode == CrashMode.ANY_PAGES) {
                return crashAnyPages(random);
            }
            int keep = survivingCount(mode, pending.size(), random);
            ByteImage image = durable.copy();
            for (int i = 0; i < keep; i++) {
                pending.get(i).applyTo(image);
            }
            if (keep < pending.size() && (mode == CrashMode.TORN || mode == CrashMode.TORN_ZERO_FILLED)) {
                FileOperation torn = pending.get(keep);
                if (!torn.isTruncate() && torn.data().length > 0) {
                    int survivingBytes = random.nextInt(torn.data().length);
                    byte[] part =
                            Arrays.copyOf(torn.data(), mode == CrashMode.TORN ? survivingBytes : torn.data().length);
                    if (mode == CrashMode.TORN_ZERO_FILLED) {
                        Arrays.fill(part, survivingBytes, part.length, (byte) 0);
                    }
                    image.write(torn.position(), part, 0, part.length);
                }
            }
            current = image;
            durable = image.copy();
            pending.clear();
            return false;
        }

        private boolean crashAnyPages(RandomGenerator random) {
            if (pending.isEmpty()) {
                current = durable.copy();
                return false;
            }
            TreeSet<Long> touched = new TreeSet<>();
            for (FileOperation operation : pending) {
                if (operation.isTruncate()) {
                    touched.add(operation.position() / PAGE_BYTES);
                } else if (operation.data().length > 0) {
                    long last = (operation.position() + operation.data().length - 1) / PAGE_BYTES;
                    for (long page = operation.position() / PAGE_BYTES; page <= last; page++) {
                        touched.add(page);
                    }
                }
            }
            int length = random.nextBoolean() ? current.length : durable.length;
            ByteImage image = durable.copy();
            if (length < image.length) {
                image.truncate(length);
            } else if (length > image.length) {
                image.write(length - 1, new byte[1], 0, 1); // zero-extends
            }
            boolean lostOne = false;
            boolean hole = false;
            for (long page : touched) {
                long start = page * PAGE_BYTES;
                if (start >= length) {
                    break;
                }
                if (random.nextBoolean()) {
                    hole |= lostOne;
                    int end = (int) Math.min(length, start + PAGE_BYTES);
                    byte[] bytes = new byte[end - (int) start];
                    int available = (int) Math.max(0, Math.min(end, current.length) - start);
                    if (available > 0) {
                        System.arraycopy(current.bytes, (int) start, bytes, 0, available);
                    }
                    image.write(start, bytes, 0, bytes.length);
                } else {
                    lostOne = true;
                }
            }
            current = image;
            durable = image.copy();
            pending.clear();
            return hole;
        }

        @Override
        public String toString() {
            return "inode " + id;
        }
    }

    private final class SimulatedFile implements StorageFile {
        private final Path path;
        private final Inode inode;
        private final long openedAtGeneration;
        private boolean closed;

        SimulatedFile(Path path, Inode inode, long openedAtGeneration) {
            this.path = path;
            this.inode = inode;
            this.openedAtGeneration = openedAtGeneration;
        }

        private void checkUsable() {
            if (closed) {
                throw new StorageException("file " + path + " is closed");
            }
            if (openedAtGeneration != generation) {
                throw new StorageException("stale handle to " + path + ": the simulated file system crashed");
            }
        }

        @Override
        public Path path() {
            return path;
        }

        @Override
        public long size() {
            checkUsable();
            return inode.current.length;
        }

        @Override
        public int read(long position, ByteBuffer destination) {
            checkUsable();
            if (position < 0) {
                throw new StorageException("negative read position " + position + " in " + path);
            }
            if (position >= inode.current.length) {
                return 0;
            }
            int count = (int) Math.min(destination.remaining(), inode.current.length - position);
            destination.put(inode.current.bytes, (int) position, count);
            return count;
        }

        @Override
        public void write(long position, ByteBuffer source) {
            checkUsable();
            beforeMutation(path);
            if (position < 0) {
                throw new StorageException("negative write position " + position + " in " + path);
            }
            byte[] data = new byte[source.remaining()];
            source.get(data);
            inode.current.write(position, data, 0, data.length);
            inode.pending.add(new FileOperation(false, position, data));
        }

        @Override
        public void truncate(long sizeBytes) {
            checkUsable();
            beforeMutation(path);
            if (sizeBytes < 0 || sizeBytes > inode.current.length) {
                throw new StorageException(
                        "cannot truncate " + path + " of " + inode.current.length + " bytes to " + sizeBytes);
            }
            inode.current.truncate(sizeBytes);
            inode.pending.add(new FileOperation(true, sizeBytes, null));
        }

        @Override
        public void force() {
            checkUsable();
            beforeMutation(path);
            try {
                checkForceAllowed(path);
            } catch (StorageException e) {
                failedForces++;
                if (failedForceMode == FailedForce.DROP_PAGES) {
                    inode.current = inode.durable.copy();
                }
                inode.pending.clear(); // never written: clean (MARK_CLEAN) or gone (DROP_PAGES)
                throw e;
            }
            for (FileOperation operation : inode.pending) {
                operation.applyTo(inode.durable);
            }
            inode.pending.clear();
            forceCount++;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
