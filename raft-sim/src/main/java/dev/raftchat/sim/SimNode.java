package dev.raftchat.sim;

import dev.raftchat.raft.confchange.ConfChange;
import dev.raftchat.raft.core.NotLeaderException;
import dev.raftchat.raft.core.ProposalRejectedException;
import dev.raftchat.raft.core.Ready;
import dev.raftchat.raft.core.Role;
import dev.raftchat.raft.core.Status;
import dev.raftchat.raft.message.ForwardProposal;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.EntryType;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.model.ReadState;
import dev.raftchat.raft.model.SnapshotChunk;
import dev.raftchat.raft.model.SnapshotMeta;
import dev.raftchat.raft.runtime.ProposalNotCommittedException;
import dev.raftchat.raft.runtime.RaftClock;
import dev.raftchat.raft.runtime.RaftDriver;
import dev.raftchat.raft.runtime.RaftMetrics;
import dev.raftchat.raft.runtime.RaftServerConfig;
import dev.raftchat.raft.runtime.RaftShutdownException;
import dev.raftchat.raft.runtime.RaftTimeoutException;
import dev.raftchat.raft.runtime.ReadNotConfirmedException;
import dev.raftchat.raft.runtime.ReadRejectedException;
import dev.raftchat.raft.runtime.SyncExecutor;
import dev.raftchat.raft.storage.LogStorage;
import dev.raftchat.raft.storage.MemorySnapshotStore;
import dev.raftchat.raft.transport.Transport;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

/**
 * One simulated node: the production runtime's logic ({@link RaftDriver}: the Ready loop, overlapped syncs,
 * proposal bookkeeping and forwarding, linearizable reads, membership changes and transfers, snapshots),
 * bound to virtual time and to the simulation's faults instead of threads and {@code System.nanoTime}:
 *
 * <ul>
 *   <li>the clock is the node's own view of virtual time ({@link #clockNanos()});
 *   <li>syncs run in later events ({@link SyncExecutor}): a crash can strike while one is in flight, and
 *       while a Ready waits for its sync the node takes no input (messages wait in a bounded inbox, as in
 *       the runtime's inbox);
 *   <li>completions run inline on the simulation's thread, and are recorded as op outcomes;
 *   <li>the transport is the simulated {@link Network}; the storage is a {@link SimDisk}; snapshots live in
 *       a {@link MemorySnapshotStore} that survives crashes (the disk's durable snapshot store).
 * </ul>
 *
 * <p>The host loop ({@link #drive()}) does what {@code RaftServer}'s Raft thread does in each iteration:
 * finish syncs, step a bounded batch of messages, tick when the node's clock says a tick is due (ticks
 * missed while the node was paused or waiting for a sync are lost, as in production), process. No Ready
 * handling lives here: the architecture test {@code SimulatorRunsTheRuntimeTest} keeps it that way.
 */
final class SimNode {
    /** Messages stepped per host-loop iteration, like {@code RaftServerConfig#inboxBatchMessagesMax}. */
    static final int INBOX_BATCH_MESSAGES_MAX = 64;
    /** Host-loop iterations of one {@link #drive()} call before the node is declared stuck in a loop. */
    static final int DRIVE_ITERATIONS_MAX = 100_000;

    final int index;
    final long id;
    private final Simulation sim;
    private final SimDisk disk;
    private final ConfState initialConf;
    /** The node's snapshot store: durable, so it survives crashes like the disk. */
    private final MemorySnapshotStore snapshotStore = new MemorySnapshotStore();

    private LogStorage storage;
    private RaftDriver driver;
    private SimStateMachine stateMachine;
    private int incarnation;
    /** Not running: never started, crashed, or removed. */
    private boolean crashed = true;

    private boolean started;
    /** Removed from the cluster and shut down for good (ids are never reused). */
    private boolean removed;
    /** Seen in a leader's configuration at least once. */
    boolean wasMember;

    private boolean paused;

    private final ArrayDeque<Message> inbox = new ArrayDeque<>();

    private HardState lastSynced = HardState.EMPTY;
    /** Crash as soon as the next sync starts, so that the crash finds unsynced writes to lose. */
    private boolean crashAtNextSync;
    /** The snapshot being received from a leader and how many bytes of it arrived (volatile). */
    private SnapshotMeta stagedMeta;

    private long stagedBytes = -1;
    /** This incarnation's clock: virtual time in nanoseconds from an origin drawn at start, at its own rate. */
    private long clockOriginNanos;

    private double clockRate = 1;
    /** The randomSeed of the node's first start (0 before it), for restarts with the same seed. */
    private long firstRandomSeed;
    /** The node's term when its staged snapshot transfer began. */
    private long stagedTerm;

    SimNode(int index, Simulation sim, SimDisk disk, ConfState initialConf) {
        this.index = index;
        this.id = index + 1L;
        this.sim = sim;
        this.disk = disk;
        this.initialConf = initialConf;
    }

    boolean isCrashed() {
        return crashed;
    }

    boolean isStarted() {
        return started;
    }

    boolean isRemoved() {
        return removed;
    }

    /** A node that should be running: started once and not removed. */
    boolean isInService() {
        return started && !removed;
    }

    boolean isPaused() {
        return paused;
    }

    int incarnation() {
        return incarnation;
    }

    long appliedIndex() {
        return crashed ? 0 : driver.appliedIndex();
    }

    /** The node's status; only while running. */
    Status status() {
        return driver.nodeStatus();
    }

    /** The node's clock: drifts from virtual time at this incarnation's rate. */
    long clockNanos() {
        return clockOriginNanos + (long) (sim.nowMillis() * 1_000_000.0 * clockRate);
    }

    long firstRandomSeed() {
        return firstRandomSeed;
    }

    /** Virtual milliseconds until the node's clock reaches its next tick (at least 1). */
    long millisUntilNextTick() {
        if (crashed || paused) {
            return sim.config().tickMillis();
        }
        double nanos = (driver.nextTickAtNanos() - clockNanos()) / clockRate;
        return Math.max(1, (long) Math.ceil(nanos / 1_000_000.0));
    }

    /** Shuts a removed node down for good. */
    void decommission() {
        crash();
        removed = true;
    }

    /** Starts (or restarts) the node from its durable state only. */
    void start(long randomSeed) {
        if (!crashed || removed) {
            throw new IllegalStateException("node " + id + " is running or removed");
        }
        started = true;
        storage = disk.open();
        // Logically equal, byte-different snapshots: odd nodes write their registers in ascending key order,
        // even ones in descending order (the StateMachine contract does not ask for identical bytes).
        stateMachine = new SimStateMachine(
                sim, this, sim.config().environment().byteDifferentSnapshots() && id % 2 == 0, sim.registerMapping());
        if (firstRandomSeed == 0) {
            firstRandomSeed = randomSeed;
        }
        clockOriginNanos = sim.clockRandom().nextLong(1L << 40);
        double deviation = sim.config().environment().clockDrift().rateDeviationMax;
        clockRate = deviation == 0
                ? 1
                : 1 - deviation + 2 * deviation * sim.clockRandom().nextDouble();
        var nodeConfig = sim.config().nodeConfig(id, randomSeed).withSnapshotChunkBytes(sim.snapshotChunkBytes());
        RaftServerConfig config = RaftServerConfig.builder(nodeConfig, initialConf)
                .tickMillis(sim.config().tickMillis())
                .proposalTimeoutMillis(sim.config().opTimeoutMillis())
                .readTimeoutMillis(sim.config().opTimeoutMillis())
                .inboxMessagesMax(sim.config().hostInboxMessagesMax())
                .inboxBatchMessagesMax(INBOX_BATCH_MESSAGES_MAX)
                .pendingProposalsMax(sim.config().hostInboxMessagesMax())
                .proposalBatchMax(Math.min(256, sim.config().hostInboxMessagesMax()))
                .pendingReadsMax(sim.config().hostInboxMessagesMax())
                .snapshotIntervalEntries(sim.snapshotIntervalEntries())
                .snapshotLogTailEntries(sim.snapshotLogTailEntries())
                .overlapSyncs(sim.config().overlappedSyncs())
                .build();
        int startedIncarnation = incarnation;
        crashed = false;
        paused = false;
        inbox.clear();
        crashAtNextSync = false;
        stagedMeta = null;
        stagedBytes = -1;
        driver = new RaftDriver(
                config,
                sim.config().hostMisbehaviour() == SimulationConfig.HostMisbehaviour.NONE
                        ? storage
                        : new LyingSyncStorage(storage, sim.config().hostMisbehaviour()),
                snapshotStore,
                new SimTransport(),
                stateMachine,
                RaftMetrics.NOOP,
                new RaftDriver.Bindings(
                        (RaftClock) this::clockNanos,
                        new SimSyncs(startedIncarnation),
                        Runnable::run,
                        new SnapshotWriter(),
                        sim.sessionRandom().nextLong(),
                        // Per run, whatever the node's randomSeed, as the runtime draws them (SecureRandom
                        // there; the simulation's own stream here, so that a seed replays).
                        sim.sessionRandom().nextLong() >>> 1,
                        sim.sessionRandom().nextLong() >>> 2,
                        new Checks()));
        if (driver.appliedIndex() != stateMachine.appliedIndex()) {
            throw new SimulationFailure("node " + id + " restored its state machine at index "
                    + stateMachine.appliedIndex() + " but the runtime starts applying after " + driver.appliedIndex());
        }
        sim.invariants().onStart(index, storage, lastSynced, driver.appliedIndex(), stateMachine.stateHash());
        long startedTerm = driver.nodeStatus().term();
        if (startedTerm < storage.hardState().term()) {
            throw new SimulationFailure("node " + id + " started in term " + startedTerm + " below its durable term "
                    + storage.hardState().term());
        }
        drive();
    }

    /** Kills the node: volatile state is gone, unsynced writes may be lost. */
    void crash() {
        if (crashed) {
            return;
        }
        crashed = true;
        incarnation++;
        RaftDriver stopped = driver;
        SimDisk.CrashReport report = disk.crash(sim.diskRandom());
        sim.counters().add(Counter.UNSYNCED_ENTRIES_LOST, report.unsyncedEntriesLost());
        sim.counters().add(Counter.UNSYNCED_ENTRIES_KEPT, report.unsyncedEntriesKept());
        if (report.tornWrite()) {
            sim.counters().increment(Counter.TORN_WRITES);
        }
        sim.counters().add(Counter.BIT_FLIPS, report.bitFlips());
        sim.counters().add(Counter.SYNCED_ENTRIES_LOST_TO_CORRUPTION, report.syncedEntriesLost());
        sim.counters().add(Counter.POWER_LOSSES_IN_RECOVERY, report.recoveryPowerLosses());
        sim.counters().add(Counter.UNSYNCED_PAGE_HOLES, report.unsyncedPageHoles());
        sim.invariants().onCrash(index);
        // Proposals the node accepted may still commit: their outcome is unknown; reads simply did not happen.
        stopped.failAll(new RaftShutdownException("node " + id + " crashed"), true);
        driver = null;
        storage = null;
        stateMachine = null;
        inbox.clear();
    }

    /** Lets the disk inject its own faults (file disks), or stops it (liveness phase). */
    void setDiskFaultsEnabled(boolean enabled) {
        disk.setFaultsEnabled(enabled);
    }

    void armCrashAtNextSync() {
        crashAtNextSync = true;
    }

    void pause() {
        paused = true;
    }

    /** The node's threads run again: ticks missed meanwhile are lost, as they are in the runtime. */
    void resume() {
        if (!paused) {
            return;
        }
        paused = false;
        if (!crashed) {
            drive();
        }
    }

    /** The node's Raft thread wakes up for its next tick. */
    void tick() {
        if (crashed || paused) {
            return;
        }
        drive();
    }

    void deliver(Message m) {
        if (crashed) {
            sim.counters().increment(Counter.MESSAGES_TO_DEAD_NODES);
            return;
        }
        sim.counters().increment(Counter.MESSAGES_DELIVERED);
        if (inbox.size() >= sim.config().hostInboxMessagesMax()) {
            sim.counters().increment(Counter.MESSAGES_DROPPED);
            return;
        }
        inbox.add(m);
        drive();
    }

    /** A client asks this node to run {@code op}. */
    void propose(OpRecord op) {
        if (crashed) {
            sim.completeOp(op, KvOp.Outcome.FAIL, 0);
            return;
        }
        if (op.viaReadIndex) {
            byte[] query =
                    ByteBuffer.allocate(Integer.BYTES).putInt(op.command.key()).array();
            onDone(driver.read(query), (result, failure) -> readDone(op, result, failure));
        } else {
            onDone(driver.propose(op.command.encode()), (result, failure) -> proposalDone(op, result, failure));
        }
        drive();
    }

    /**
     * Runs {@code callback} when {@code future} completes (inline: completions run on the simulation's thread).
     * A failure the callback throws would vanish into the future {@code whenComplete} returns, so it is
     * handed to the simulation, which fails the run after the current event.
     */
    private <T> void onDone(CompletableFuture<T> future, BiConsumer<T, Throwable> callback) {
        CompletableFuture<T> unused = future.whenComplete((value, failure) -> {
            try {
                callback.accept(value, failure);
            } catch (RuntimeException e) {
                sim.failAfterEvent(e);
            }
        });
    }

    private void readDone(OpRecord op, byte[] result, Throwable failure) {
        if (failure == null) {
            sim.counters().increment(Counter.READ_INDEX_READS_OK);
            if (sim.config().leaseReads()
                    && sim.config().environment().clockDrift() == EnvironmentPlan.ClockDrift.WITHIN_BOUND) {
                sim.counters().increment(Counter.LEASE_READS_UNDER_DRIFT);
            }
            if (!crashed && driver.role() != Role.LEADER) {
                sim.counters().increment(Counter.FOLLOWER_READS_OK);
            }
            sim.completeOp(op, KvOp.Outcome.OK, ByteBuffer.wrap(result).getLong());
            return;
        }
        if (failure instanceof ReadNotConfirmedException) {
            sim.counters().increment(Counter.READ_INDEX_READS_REFUSED);
        } else if (failure instanceof NotLeaderException e) {
            sim.noteLeaderHint(op, e.leaderHint());
        } else if (!(failure instanceof ProposalRejectedException
                || failure instanceof ReadRejectedException
                || failure instanceof RaftTimeoutException
                || failure instanceof RaftShutdownException)) {
            throw new SimulationFailure("node " + id + ": read " + op + " failed unexpectedly: " + failure);
        }
        // A read changes nothing: whatever went wrong, it did not happen.
        sim.completeOp(op, KvOp.Outcome.FAIL, 0);
    }

    private void proposalDone(OpRecord op, byte[] result, Throwable failure) {
        if (failure == null) {
            op.appliedIndex = sim.indexOf(op.command);
            sim.completeOp(op, KvOp.Outcome.OK, ByteBuffer.wrap(result).getLong());
            return;
        }
        if (failure instanceof NotLeaderException e) {
            sim.noteLeaderHint(op, e.leaderHint());
            sim.completeOp(op, KvOp.Outcome.FAIL, 0);
        } else if (failure instanceof ProposalRejectedException || failure instanceof ProposalNotCommittedException) {
            sim.completeOp(op, KvOp.Outcome.FAIL, 0);
        } else if (failure instanceof RaftTimeoutException || failure instanceof RaftShutdownException) {
            sim.completeOp(op, KvOp.Outcome.INFO, 0);
        } else {
            throw new SimulationFailure("node " + id + ": proposal " + op + " failed unexpectedly: " + failure);
        }
    }

    /** The nemesis asks this node, believed leader, to change the membership. */
    void proposeConfChange(ConfChange change) {
        if (crashed) {
            return;
        }
        onDone(driver.changeMembership(change), (conf, failure) -> {
            boolean refused = failure instanceof NotLeaderException
                    || failure instanceof ProposalRejectedException
                    || failure instanceof IllegalArgumentException;
            sim.counters()
                    .increment(refused ? Counter.MEMBERSHIP_CHANGES_REFUSED : Counter.MEMBERSHIP_CHANGES_PROPOSED);
        });
        drive();
    }

    /** The nemesis asks this node, believed leader, to hand leadership to {@code target}. */
    void transferLeadership(long target) {
        if (crashed) {
            return;
        }
        // It may lose leadership meanwhile, or the target may leave the configuration: nothing to hand over.
        onDone(driver.transferLeadership(target), (done, failure) -> {});
        drive();
    }

    /**
     * One host-loop iteration after another, as the runtime's Raft thread runs them, until the node has
     * nothing left to do (or waits for a sync, or is paused).
     */
    private void drive() {
        for (int iteration = 0; !crashed && !paused; iteration++) {
            if (iteration > DRIVE_ITERATIONS_MAX) {
                throw new SimulationFailure(
                        "node " + id + " is still busy after " + DRIVE_ITERATIONS_MAX + " host-loop iterations");
            }
            long compactedBefore = storage.compactedThrough().index();
            boolean changed = driver.finishSyncs();
            if (driver.busy()) {
                return;
            }
            for (int stepped = 0; stepped < INBOX_BATCH_MESSAGES_MAX && !inbox.isEmpty(); stepped++) {
                driver.step(inbox.poll());
                changed = true;
            }
            long now = clockNanos();
            long tickNanos = sim.config().tickMillis() * 1_000_000L;
            long overdueNanos = now - driver.nextTickAtNanos();
            if (driver.tickIfDue(now)) {
                changed = true;
                sim.counters().increment(Counter.TICKS);
                long lost = overdueNanos / tickNanos;
                if (lost > 0) {
                    sim.counters().add(Counter.TICKS_LOST_IN_STALLS, lost);
                }
            }
            changed |= driver.process();
            if (!crashed && storage.compactedThrough().index() > compactedBefore) {
                sim.counters().increment(Counter.LOG_COMPACTIONS);
            }
            if (!changed) {
                return;
            }
        }
    }

    /** A sync the node handed to the simulation is done (unless the node crashed meanwhile). */
    void syncDone(int syncIncarnation, Object payload) {
        if (crashed || syncIncarnation != incarnation) {
            return;
        }
        SyncTask task = (SyncTask) payload;
        task.work().run();
        sim.counters().increment(Counter.SYNCS);
        if (task.overlapped()) {
            sim.counters().increment(Counter.OVERLAPPED_SYNCS);
        } else {
            lastSynced = storage.hardState();
        }
        if (!paused) {
            drive();
        }
    }

    /** A sync in flight: the driver's task, run when the simulated disk is done. */
    record SyncTask(Runnable work, boolean overlapped) {
        @Override
        public String toString() {
            return overlapped ? "overlapped sync" : "sync";
        }
    }

    /** Syncs take virtual time: each runs in a later event of this incarnation. */
    private final class SimSyncs implements SyncExecutor {
        private final int syncIncarnation;

        SimSyncs(int syncIncarnation) {
            this.syncIncarnation = syncIncarnation;
        }

        @Override
        public void runOverlapped(Runnable sync) {
            schedule(new SyncTask(sync, true));
        }

        @Override
        public void runAwaited(Runnable syncThenContinue) {
            schedule(new SyncTask(syncThenContinue, false));
        }

        private void schedule(SyncTask task) {
            sim.scheduleSync(SimNode.this, syncIncarnation, task);
            if (crashAtNextSync) {
                crashAtNextSync = false;
                sim.scheduleCrash(SimNode.this);
            }
        }
    }

    /** Snapshots are serialized at once (the store is in memory) and counted. */
    private final class SnapshotWriter implements Executor {
        @Override
        public void execute(Runnable write) {
            sim.counters().increment(Counter.SNAPSHOTS_TAKEN);
            write.run();
        }
    }

    /** The simulated network; every message must come from this node and go to another. */
    private final class SimTransport implements Transport {
        @Override
        public void start(Inbox inbox) {}

        @Override
        public void send(Message m) {
            if (m.from() != id) {
                throw new SimulationFailure("node " + id + " emits a message in another node's name: " + m);
            }
            if (m.to() == id) {
                // A leader that removes itself addresses its last word to the removed member (itself):
                // counted and dropped, so the counter shows whether the quirk is still there.
                sim.counters().increment(Counter.SELF_ADDRESSED_MESSAGES_DROPPED);
                return;
            }
            if (m instanceof ForwardProposal) {
                sim.counters().increment(Counter.PROPOSALS_FORWARDED);
            }
            sim.send(m);
        }

        @Override
        public void close() {}
    }

    /** The invariant checks, fed by the runtime as it handles each Ready. */
    private final class Checks implements RaftDriver.Events {
        @Override
        public void handlingReady(Ready ready) {
            // The commit index is volatile (persisted only opportunistically with term and vote), so it is
            // read from the node rather than from the Ready's hard state.
            sim.invariants()
                    .onReady(
                            index,
                            ready,
                            storage.lastIndex(),
                            driver.nodeStatus().commitIndex());
            checkChunks(ready);
        }

        @Override
        public void applied(Entry entry) {
            sim.invariants().onApply(index, entry);
            if (entry.type() == EntryType.CONFIG_CHANGE) {
                sim.onConfEntryApplied(entry.index(), entry.data());
            }
            if (entry.type() != EntryType.NORMAL) {
                stateMachine.skip(entry.index());
            }
            sim.invariants().onStateAfter(index, entry.index(), stateMachine.stateHash());
        }

        @Override
        public void snapshotInstalled(SnapshotMeta meta) {
            if (stateMachine.appliedIndex() != meta.index()) {
                throw new SimulationFailure("node " + id + ": snapshot " + meta.position()
                        + " holds the state at index " + stateMachine.appliedIndex());
            }
            sim.counters().increment(Counter.SNAPSHOTS_INSTALLED);
            sim.invariants().onSnapshotInstalled(index, storage, meta.index(), stateMachine.stateHash());
        }

        @Override
        public void readState(ReadState state) {
            if (state.confirmed()) {
                sim.invariants().onReadIndex(index, state.readIndex());
            }
        }
    }

    /** Received chunks must continue the transfer staged so far; a chunk at offset 0 starts a new one. */
    private void checkChunks(Ready ready) {
        if (stagedBytes >= 0 && stagedTerm != 0 && driver.nodeStatus().term() != stagedTerm) {
            // A partial transfer saw the term change: whatever follows must not splice two leaders' bytes.
            sim.counters().increment(Counter.SNAPSHOT_TRANSFERS_ACROSS_TERMS);
            stagedTerm = 0; // once per transfer
        }
        for (SnapshotChunk chunk : ready.snapshotChunks()) {
            sim.counters().increment(Counter.SNAPSHOT_CHUNKS_RECEIVED);
            if (chunk.offset() == 0) {
                stagedMeta = chunk.meta();
                stagedBytes = 0;
                stagedTerm = driver.nodeStatus().term();
                sim.onSnapshotTransferStarted(this);
            }
            if (stagedBytes < 0 || !chunk.meta().equals(stagedMeta) || chunk.offset() != stagedBytes) {
                throw new SimulationFailure("node " + id + " is handed snapshot chunk "
                        + chunk.meta().position() + " at offset "
                        + chunk.offset() + " but has staged "
                        + (stagedBytes < 0 ? "nothing" : stagedMeta.position() + " through offset " + stagedBytes));
            }
            stagedBytes += chunk.data().length;
        }
        SnapshotMeta complete = ready.snapshot();
        if (complete != null) {
            if (stagedBytes < 0 || !complete.equals(stagedMeta)) {
                throw new SimulationFailure(
                        "node " + id + " is told to install snapshot " + complete + " but has staged " + stagedMeta);
            }
            stagedMeta = null;
            stagedBytes = -1;
        }
    }

    String describe() {
        if (crashed) {
            return "node " + id + ": " + (removed ? "removed" : started ? "crashed" : "not started");
        }
        var s = driver.nodeStatus();
        return "node " + id + ": " + s.role() + " term " + s.term() + " leader " + s.leaderId() + " commit "
                + s.commitIndex() + " applied " + driver.appliedIndex() + " last " + s.lastIndex()
                + (paused ? " PAUSED" : "") + (driver.busy() ? " syncing" : "") + " inbox " + inbox.size()
                + " conf " + s.conf();
    }
}
