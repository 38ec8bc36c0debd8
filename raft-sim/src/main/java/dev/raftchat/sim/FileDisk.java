package dev.raftchat.sim;

import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.storage.ForwardingLogStorage;
import dev.raftchat.raft.storage.LogStorage;
import dev.raftchat.raft.storage.StorageException;
import dev.raftchat.raft.storage.file.FileLogStorage;
import dev.raftchat.raft.storage.file.FileLogStorageConfig;
import dev.raftchat.raft.storage.file.SimulatedFileSystem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;

/**
 * The real {@link FileLogStorage} (segments, CRCs, sync mark, recovery) over a {@link SimulatedFileSystem},
 * so the simulator exercises the production storage under disk faults:
 * <ul>
 *   <li>machine crashes in every crash mode of the file system (any subset of unsynced writes survives,
 *       torn or zero-filled);</li>
 *   <li>power lost at any file system call <em>inside</em> a storage operation: an append, a suffix
 *       truncation across segments, a sync, a hard-state replacement, a compaction, a snapshot install
 *       (compaction beyond or across the log), and the recovery of the next open;</li>
 *   <li>failed forces with Linux semantics (the pages are marked clean or dropped): the storage becomes
 *       unusable, the node stops, and its process restarts over the same page cache, no machine crash;</li>
 *   <li>bit flips in synced segment bytes, at most one node at a time owing a repair (so a majority can
 *       always vote), which recovery must report as lost synced entries.</li>
 * </ul>
 * Faults are injected only while {@link #setFaultsEnabled enabled} (seeds with crashes, before the
 * liveness phase). After every open it checks the storage's promise: every entry a completed sync
 * covered survives, unless recovery reported it lost to a bit flip this disk really injected; and no loss
 * is reported without one. Segments are kept tiny so that runs roll over many of them.
 */
public final class FileDisk implements SimDisk {

    /** Small segments, so a run of a few hundred entries crosses several segment boundaries. */
    static final long SEGMENT_BYTES_MAX = 4 * 1024;

    static final long ENTRY_CACHE_BYTES_MAX = 4 * 1024;
    /** Chance that a frequent operation (an extending append, a sync without hard state) loses power inside. */
    static final int FREQUENT_OPERATION_POWER_LOSS_ONE_IN = 400;
    /** Chance that a multi-step operation (truncation, hard-state replacement, compaction) loses power inside. */
    static final int MULTI_STEP_OPERATION_POWER_LOSS_ONE_IN = 6;
    /** Truncations of synced entries are rare (a follower overwriting a deposed leader's entries): all are armed. */
    static final int TRUNCATION_POWER_LOSS_ONE_IN = 1;
    /** The power is lost after a uniformly drawn number of calls below this (more than most operations make). */
    static final int POWER_LOSS_CALLS_MAX = 12;
    /** Chance that a sync's forces fail. */
    static final int FAILED_FORCE_ONE_IN = 300;
    /** Chance that a machine crash also flips a byte of synced segment data. */
    static final int BIT_FLIP_ONE_IN = 4;
    /** Chance that the recovery after a machine crash loses power too. */
    static final int POWER_LOSS_IN_RECOVERY_ONE_IN = 5;

    private static final SimulatedFileSystem.CrashMode[] MODES = SimulatedFileSystem.CrashMode.values();

    private final SimulatedFileSystem fileSystem = new SimulatedFileSystem();
    private final long nodeId;
    private final Path directory;
    private final SplittableRandom faultRandom;
    private final Group group;
    private final FileLogStorageConfig config = FileLogStorageConfig.defaults()
            .withSegmentBytesMax(SEGMENT_BYTES_MAX)
            .withEntryCacheBytesMax(ENTRY_CACHE_BYTES_MAX);
    private boolean faultsEnabled;
    private Tracking current;
    /** Opened (and recovered) by the last crash, handed out by the next {@link #open}. */
    private FileLogStorage recovered;
    /** Why the running storage stopped, or null: the next {@link #crash} restarts accordingly. */
    private DiskFault stoppedBy;
    /** A byte of synced data was flipped since the last open (a reported loss is expected, not a bug). */
    private boolean flippedSinceOpen;

    public FileDisk(long nodeId) {
        this(nodeId, new SplittableRandom(nodeId), new Group());
    }

    FileDisk(long nodeId, SplittableRandom faultRandom, Group group) {
        this.nodeId = nodeId;
        this.directory = Path.of("/raft/node-" + nodeId);
        this.faultRandom = faultRandom;
        this.group = group;
    }

    /** A factory that gives every node a file disk; the disks of one simulation share a fault budget. */
    public static StorageFactory factory() {
        Group[] group = {new Group()};
        return new StorageFactory.Named("file", (nodeId, random) -> {
            if (nodeId == 1) {
                group[0] = new Group(); // a new simulation creates its disks from node 1 on
            }
            return new FileDisk(nodeId, random, group[0]);
        });
    }

    @Override
    public void setFaultsEnabled(boolean enabled) {
        faultsEnabled = enabled;
        if (!enabled) {
            fileSystem.disarmPowerLoss();
        }
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
        long syncedLast = current == null ? 0 : current.lastIndexSynced;
        long syncedLastTerm = current == null ? 0 : current.lastTermSynced;
        long writtenLast = current == null ? 0 : current.lastIndexSeen;
        boolean processOnly = stoppedBy == DiskFault.FAILED_FORCE;
        // A power loss inside an operation usually leaves unsynced pages: half the time they are written back
        // in any order (holes), which the uniform choice of mode alone would rarely reach.
        boolean anyPages = stoppedBy == DiskFault.POWER_LOSS && faultRandom.nextBoolean();
        if (current != null) {
            current.delegate.close();
        }
        current = null;
        stoppedBy = null;
        fileSystem.failForcesUnder(null);
        int bitFlips = 0;
        int recoveryPowerLosses = 0;
        long holesBefore = fileSystem.filesWithHoles();
        if (processOnly) {
            // The node stopped on a failed force: its process restarts; the machine and its page cache,
            // with the pages the failed force marked clean, live on.
            fileSystem.disarmPowerLoss();
        } else {
            fileSystem.crash(
                    directory,
                    anyPages ? SimulatedFileSystem.CrashMode.ANY_PAGES : MODES[random.nextInt(MODES.length)],
                    random);
            if (faultsEnabled && group.nodeOwingRepair == 0 && faultRandom.nextInt(BIT_FLIP_ONE_IN) == 0) {
                bitFlips = flipSyncedByte();
            }
        }
        if (faultsEnabled && !processOnly && faultRandom.nextInt(POWER_LOSS_IN_RECOVERY_ONE_IN) == 0) {
            fileSystem.powerLossAfter(directory, faultRandom.nextInt(POWER_LOSS_CALLS_MAX));
            try {
                FileLogStorage.open(fileSystem, directory, config).close();
            } catch (SimulatedFileSystem.PowerLossException e) {
                recoveryPowerLosses++;
            }
            fileSystem.disarmPowerLoss();
            if (fileSystem.powerLost()) {
                fileSystem.crash(directory, MODES[random.nextInt(MODES.length)], random);
            }
        }
        recovered = FileLogStorage.open(fileSystem, directory, config);
        long survived = recovered.lastIndex();
        long lostSynced = recovered.recoveryLostSyncedEntries();
        if (lostSynced > 0 && !flippedSinceOpen) {
            throw new SimulationFailure("node " + nodeId + ": recovery reports " + lostSynced + " synced entries lost "
                    + "(through index " + recovered.repairThroughIndex() + ") though no synced byte was damaged");
        }
        if (survived < syncedLast
                && recovered.repairThroughIndex() < syncedLast
                && recovered.compactedThrough().index() < syncedLast) {
            throw new SimulationFailure("node " + nodeId + ": entries through " + syncedLast + " were synced, but only "
                    + survived + " survived the crash and recovery reported no loss");
        }
        OptionalLong repairTerm = recovered.repairThroughTerm();
        if (survived < syncedLast
                && recovered.compactedThrough().index() < syncedLast
                && repairTerm.isPresent()
                && !new LogPosition(repairTerm.getAsLong(), recovered.repairThroughIndex())
                        .isAtLeastAsUpToDateAs(new LogPosition(syncedLastTerm, syncedLast))) {
            // The node will vote for any candidate at least as up to date as the reported position: one below
            // the last synced position could elect a leader without an entry the node acknowledged.
            throw new SimulationFailure("node " + nodeId + ": entries through " + syncedLast + "@" + syncedLastTerm
                    + " were synced, but recovery reports the lost log as ending at " + recovered.repairThroughIndex()
                    + "@" + repairTerm.getAsLong());
        }
        flippedSinceOpen = false;
        group.nodeOwingRepair = recovered.repairThroughIndex() > 0
                ? nodeId
                : (group.nodeOwingRepair == nodeId ? 0 : group.nodeOwingRepair);
        return new CrashReport(
                (int) Math.max(0, writtenLast - survived),
                (int) Math.max(0, survived - syncedLast),
                recovered.recoveryBytesCut() > 0,
                bitFlips,
                lostSynced,
                recoveryPowerLosses,
                fileSystem.filesWithHoles() - holesBefore);
    }

    /** Flips one byte below the synced length of a random segment that holds records; returns 1, or 0 if none. */
    private int flipSyncedByte() {
        List<Path> segments = new ArrayList<>();
        for (String name : fileSystem.list(directory)) {
            Path path = directory.resolve(name);
            if (name.endsWith(".log") && fileSystem.syncedLength(path) > 20) {
                segments.add(path);
            }
        }
        if (segments.isEmpty()) {
            return 0;
        }
        Path segment = segments.get(faultRandom.nextInt(segments.size()));
        fileSystem.flipByte(segment, faultRandom.nextLong(fileSystem.syncedLength(segment)));
        flippedSinceOpen = true;
        return 1;
    }

    /** What ended a node's storage in the middle of an operation. */
    enum DiskFault {
        POWER_LOSS,
        FAILED_FORCE
    }

    /** The disks of one simulation: which node, if any, owes a repair (lost synced entries to a bit flip). */
    static final class Group {
        long nodeOwingRepair;
    }

    /**
     * Delegates, remembering how far the log reached when written and when synced, and injects power losses
     * and failed forces into the operations it passes on.
     */
    private final class Tracking extends ForwardingLogStorage {
        private final FileLogStorage delegate;
        long lastIndexSeen;
        long lastIndexSynced;
        /** The term of the entry at {@link #lastIndexSynced} (the compaction point's term at its index). */
        long lastTermSynced;

        private HardState durableHardState;
        /**
         * Set by the first append or sync: the compaction a restart may do first (finishing a snapshot install)
         * runs before the node is up, where the simulator cannot stop it, so no fault is injected there.
         */
        private boolean running;

        Tracking(FileLogStorage delegate) {
            super(delegate);
            this.delegate = delegate;
            lastIndexSeen = delegate.lastIndex();
            lastIndexSynced = lastIndexSeen;
            lastTermSynced = delegate.term(lastIndexSynced);
            durableHardState = delegate.hardState();
            if (delegate.repairThroughIndex() > 0) {
                group.nodeOwingRepair = nodeId;
            }
        }

        @Override
        public void append(List<Entry> entries) {
            running = true;
            boolean truncates = !entries.isEmpty() && entries.get(0).index() <= delegate.lastIndex();
            if (truncates) {
                // Before the call: a power loss inside it may already have discarded them.
                lowerSynced(entries.get(0).index() - 1);
            }
            run(truncates ? Operation.TRUNCATION : Operation.APPEND, truncates, false, () -> delegate.append(entries));
            lastIndexSeen = delegate.lastIndex();
        }

        @Override
        public void sync() {
            running = true;
            boolean replacesHardState = !delegate.hardState().equals(durableHardState);
            long syncing = delegate.lastIndex();
            long syncingTerm = delegate.term(syncing);
            boolean failForce = faultsEnabled && faultRandom.nextInt(FAILED_FORCE_ONE_IN) == 0;
            run(
                    replacesHardState ? Operation.HARD_STATE_REPLACE : Operation.SYNC,
                    replacesHardState,
                    failForce,
                    delegate::sync);
            durableHardState = delegate.hardState();
            lastIndexSynced = syncing;
            lastTermSynced = syncingTerm;
            if (group.nodeOwingRepair == nodeId && delegate.repairThroughIndex() == 0) {
                group.nodeOwingRepair = 0; // a leader replicated the lost entries back
            }
        }

        @Override
        public void compact(LogPosition position) {
            boolean foreignHistory =
                    position.index() > delegate.compactedThrough().index()
                            && position.index() <= delegate.lastIndex()
                            && delegate.term(position.index()) != position.term();
            boolean install = position.index() > delegate.lastIndex() || foreignHistory;
            if (foreignHistory) {
                // A leader's snapshot whose term differs at its index: the storage discards the whole log before
                // it writes the new compaction point, so a power loss in between legitimately leaves nothing of
                // the synced entries (the runtime made the snapshot durable first and finishes the compaction on
                // restart). Seed 91003090 flagged this as lost synced entries.
                lowerSynced(delegate.compactedThrough().index());
            } else if (install && position.index() < lastIndexSynced) {
                lastIndexSynced = position.index();
                lastTermSynced = position.term();
            }
            run(
                    install ? Operation.SNAPSHOT_INSTALL : Operation.COMPACTION,
                    running,
                    false,
                    () -> delegate.compact(position));
            lastIndexSeen = delegate.lastIndex();
            if (delegate.compactedThrough().index() > lastIndexSynced) {
                lastIndexSynced = delegate.compactedThrough().index();
                lastTermSynced = delegate.compactedThrough().term();
            }
        }

        /** Lowers the synced position to {@code index} (an entry the log still holds), index and term together. */
        private void lowerSynced(long index) {
            if (index < lastIndexSynced) {
                lastIndexSynced = index;
                lastTermSynced = delegate.term(index);
            }
        }

        /** Runs one storage operation, perhaps losing power inside it; a fault stops the node. */
        private void run(Operation operation, boolean multiStep, boolean failForce, Runnable call) {
            int oneIn = operation == Operation.TRUNCATION
                    ? TRUNCATION_POWER_LOSS_ONE_IN
                    : multiStep ? MULTI_STEP_OPERATION_POWER_LOSS_ONE_IN : FREQUENT_OPERATION_POWER_LOSS_ONE_IN;
            if (faultsEnabled && running && faultRandom.nextInt(oneIn) == 0) {
                // A frequent operation makes a call or three (write, roll, forces, the sync mark).
                int callsMax = operation == Operation.TRUNCATION ? 8 : multiStep ? POWER_LOSS_CALLS_MAX : 3;
                fileSystem.powerLossAfter(directory, faultRandom.nextInt(callsMax));
            }
            if (failForce) {
                fileSystem.failForcesUnder(
                        directory,
                        faultRandom.nextBoolean()
                                ? SimulatedFileSystem.FailedForce.MARK_CLEAN
                                : SimulatedFileSystem.FailedForce.DROP_PAGES);
            }
            try {
                call.run();
            } catch (SimulatedFileSystem.PowerLossException e) {
                stoppedBy = DiskFault.POWER_LOSS;
                throw new DiskStopped(nodeId, "power lost in " + operation, operation, false);
            } catch (StorageException e) {
                if (failForce && !fileSystem.powerLost()) {
                    stoppedBy = DiskFault.FAILED_FORCE;
                    throw new DiskStopped(nodeId, "a force failed in " + operation, operation, true);
                }
                throw e;
            } finally {
                fileSystem.disarmPowerLoss();
                if (failForce) {
                    fileSystem.failForcesUnder(null);
                }
            }
        }

        /** Syncs at once through {@link #sync()}, so that its faults apply (the delegate's would bypass them). */
        @Override
        public PendingSync beginSync() {
            sync();
            return PendingSync.DONE;
        }
    }

    /** The storage operation a disk fault interrupted, for the coverage counters. */
    enum Operation {
        APPEND,
        TRUNCATION,
        SYNC,
        HARD_STATE_REPLACE,
        COMPACTION,
        SNAPSHOT_INSTALL
    }

    /**
     * Thrown out of a storage call when an injected fault stopped the node's storage: the simulator crashes
     * the node (a power loss) or stops and restarts its process (a failed force).
     */
    static final class DiskStopped extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final long nodeId;
        final Operation operation;
        final boolean failedForce;

        DiskStopped(long nodeId, String message, Operation operation, boolean failedForce) {
            super("node " + nodeId + ": " + message, null, false, false);
            this.nodeId = nodeId;
            this.operation = operation;
            this.failedForce = failedForce;
        }
    }
}
