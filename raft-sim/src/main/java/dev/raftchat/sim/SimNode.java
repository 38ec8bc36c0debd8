package dev.raftchat.sim;

import dev.raftchat.raft.confchange.ConfChange;
import dev.raftchat.raft.core.ConfState;
import dev.raftchat.raft.core.Entry;
import dev.raftchat.raft.core.EntryType;
import dev.raftchat.raft.core.HardState;
import dev.raftchat.raft.core.LogPosition;
import dev.raftchat.raft.core.NotLeaderException;
import dev.raftchat.raft.core.Proposal;
import dev.raftchat.raft.core.ProposalRejectedException;
import dev.raftchat.raft.core.RaftNode;
import dev.raftchat.raft.core.ReadState;
import dev.raftchat.raft.core.Ready;
import dev.raftchat.raft.core.Role;
import dev.raftchat.raft.core.SnapshotChunk;
import dev.raftchat.raft.core.SnapshotMeta;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.storage.LogStorage;
import dev.raftchat.raft.storage.SnapshotSource;
import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * The host of one pure {@link RaftNode}: a miniature single-threaded runtime that does the caller's
 * duties of {@link Ready} in their order — send {@code messages()}, persist and sync once (the sync takes
 * virtual time, and a crash in between loses what was not synced), send {@code messagesAfterSync()},
 * apply {@code committedEntries()}, {@code advance}. While a sync is in flight, or while the node is
 * paused, inputs wait in a bounded inbox and ticks are counted.
 *
 * <p>It also plays the client-facing runtime: proposals carry a {@link KvCommand} envelope naming this
 * node, and an op completes when its command is applied here.
 *
 * <p>Snapshots: every {@link Simulation#snapshotIntervalEntries()} applied entries the node snapshots its
 * state machine into its snapshot store (durable at once: it survives crashes like the disk) and
 * compacts its log, keeping a random tail. The store is also the {@link SnapshotSource} a leader streams
 * to followers that need compacted entries; a follower stages the chunks it receives and installs the
 * snapshot when the node says it is complete. A restart restores the state machine from the store.
 */
final class SimNode {
    final int index;
    final long id;
    private final Simulation sim;
    private final SimDisk disk;
    private final ConfState initialConf;

    private LogStorage storage;
    private RaftNode raft;
    private KvStateMachine stateMachine;
    private int incarnation;
    /** Not running: never started, crashed, or removed. */
    private boolean crashed = true;

    private boolean started;
    /** Removed from the cluster and shut down for good (ids are never reused). */
    private boolean removed;
    /** Seen in a leader's configuration at least once. */
    boolean wasMember;

    private boolean paused;
    private long pausedAtMillis;
    /** The Ready whose sync is in flight, or null. */
    private Ready awaitingSync;
    /**
     * Overlapped syncs ({@link SimulationConfig#overlappedSyncs()}), as the runtime does them on a leader:
     * the sync in flight (null if none), the last entry it covers, and the newest entry written and
     * advanced since it began, which the next one will cover.
     */
    private LogStorage.PendingSync overlapped;

    private LogPosition overlappedThrough;
    private LogPosition writtenUnsynced;
    /** Acknowledgements and votes of overlapped Readies, waiting for the sync in flight and for the next. */
    private ArrayList<Message> sendAfterSyncInFlight = new ArrayList<>();

    private ArrayList<Message> sendAfterNextSync = new ArrayList<>();
    /** A Ready that needs its own sync, waiting for the overlapped sync in flight to complete first. */
    private Ready blockedReady;
    /** Marks a SYNC_DONE event as the completion of an overlapped sync. */
    static final Object OVERLAPPED_SYNC = new Object();

    private final ArrayDeque<Object> inbox = new ArrayDeque<>();
    private int pendingTicks;
    /** Proposed ops of this incarnation by request id, completed when applied here. */
    private final TreeMap<Long, OpRecord> proposed = new TreeMap<>();
    /** ReadIndex reads of this incarnation by request id: awaiting confirmation, then their index. */
    private final TreeMap<Long, OpRecord> reads = new TreeMap<>();

    private HardState lastSynced = HardState.EMPTY;
    /** Crash as soon as the next sync starts, so that the crash finds unsynced writes to lose. */
    private boolean crashAtNextSync;
    /** The newest durable snapshot and its data (null if none): the node's snapshot store, never lost. */
    private SnapshotMeta snapshotMeta;

    private byte[] snapshotData;
    /** The snapshot being received from a leader (volatile: a crash drops a partial transfer). */
    private SnapshotMeta stagedMeta;

    private ByteArrayOutputStream staged;
    private final SnapshotSource snapshotSource = new SnapshotSource() {
        @Override
        public SnapshotMeta latest() {
            return snapshotMeta;
        }

        @Override
        public long sizeBytes(SnapshotMeta meta) {
            return meta.equals(snapshotMeta) ? snapshotData.length : -1;
        }

        @Override
        public byte[] read(SnapshotMeta meta, long offset, int maxBytes) {
            if (!meta.equals(snapshotMeta)) {
                return null;
            }
            if (offset < 0 || offset > snapshotData.length || maxBytes < 1) {
                throw new SimulationFailure("node " + id + " reads its snapshot " + meta.position() + " at offset "
                        + offset + " for " + maxBytes + " bytes, outside its " + snapshotData.length + " bytes");
            }
            int from = (int) offset;
            return Arrays.copyOfRange(snapshotData, from, (int) Math.min(snapshotData.length, from + (long) maxBytes));
        }
    };

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

    /** Shuts a removed node down for good. */
    void decommission() {
        crash();
        removed = true;
    }

    /** The nemesis asks this node, believed leader, to change the membership. */
    void proposeConfChange(ConfChange change) {
        if (crashed) {
            return;
        }
        if (paused || waitingForSync()) {
            enqueue(change);
            return;
        }
        doConfChange(change);
        drive();
    }

    private void doConfChange(ConfChange change) {
        try {
            raft.proposeConfChange(change);
            sim.counters().increment(Counter.MEMBERSHIP_CHANGES_PROPOSED);
        } catch (NotLeaderException | ProposalRejectedException | IllegalArgumentException e) {
            sim.counters().increment(Counter.MEMBERSHIP_CHANGES_REFUSED);
        }
    }

    boolean isPaused() {
        return paused;
    }

    int incarnation() {
        return incarnation;
    }

    long appliedIndex() {
        return crashed ? 0 : stateMachine.appliedIndex();
    }

    RaftNode raft() {
        return raft;
    }

    /** Starts (or restarts) the node from its durable state only. */
    void start(long randomSeed) {
        if (!crashed || removed) {
            throw new IllegalStateException("node " + id + " is running or removed");
        }
        started = true;
        storage = disk.open();
        ConfState conf = initialConf;
        long appliedIndex = 0;
        if (snapshotMeta != null) {
            stateMachine = restoreFrom(snapshotMeta, snapshotData);
            long index = snapshotMeta.index();
            boolean holdsSnapshotEntry = storage.firstIndex() - 1 <= index
                    && index <= storage.lastIndex()
                    && storage.term(index) == snapshotMeta.term();
            if (!holdsSnapshotEntry) {
                // A crash between installing a leader's snapshot and a durable compaction: finish the job.
                storage.compact(snapshotMeta.position());
            }
            conf = snapshotMeta.conf();
            appliedIndex = index;
        } else {
            stateMachine = new KvStateMachine();
        }
        sim.invariants().onStart(index, storage, lastSynced, appliedIndex, stateMachine.stateHash());
        var nodeConfig = sim.config().nodeConfig(id, randomSeed).withSnapshotChunkBytes(sim.snapshotChunkBytes());
        raft = new RaftNode(nodeConfig, storage, snapshotSource, conf, appliedIndex);
        long startedTerm = raft.status().term();
        if (startedTerm < storage.hardState().term()) {
            throw new SimulationFailure("node " + id + " started in term " + startedTerm + " below its durable term "
                    + storage.hardState().term());
        }
        crashed = false;
        paused = false;
        awaitingSync = null;
        overlapped = null;
        overlappedThrough = null;
        writtenUnsynced = null;
        blockedReady = null;
        sendAfterSyncInFlight.clear();
        sendAfterNextSync.clear();
        pendingTicks = 0;
        crashAtNextSync = false;
        drive();
    }

    /** Kills the node: volatile state is gone, unsynced writes may be lost. */
    void crash() {
        if (crashed) {
            return;
        }
        crashed = true;
        incarnation++;
        raft = null;
        storage = null;
        stateMachine = null;
        awaitingSync = null;
        blockedReady = null;
        overlapped = null;
        stagedMeta = null;
        staged = null;
        SimDisk.CrashReport report = disk.crash(sim.diskRandom());
        sim.counters().add(Counter.UNSYNCED_ENTRIES_LOST, report.unsyncedEntriesLost());
        sim.counters().add(Counter.UNSYNCED_ENTRIES_KEPT, report.unsyncedEntriesKept());
        if (report.tornWrite()) {
            sim.counters().increment(Counter.TORN_WRITES);
        }
        sim.invariants().onCrash(index);
        // Ops whose proposals were accepted may still commit: their outcome is unknown.
        for (OpRecord op : proposed.values()) {
            sim.completeOp(op, KvOp.Outcome.INFO, 0);
        }
        proposed.clear();
        for (OpRecord op : reads.values()) {
            sim.completeOp(op, KvOp.Outcome.INFO, 0);
        }
        reads.clear();
        // Ops still queued never reached the node: they certainly did not happen.
        for (Object input : inbox) {
            if (input instanceof OpRecord op) {
                sim.completeOp(op, KvOp.Outcome.FAIL, 0);
            }
        }
        inbox.clear();
        pendingTicks = 0;
    }

    void armCrashAtNextSync() {
        crashAtNextSync = true;
    }

    void pause() {
        if (!paused) {
            paused = true;
            pausedAtMillis = sim.nowMillis();
        }
    }

    void resume() {
        if (!paused) {
            return;
        }
        paused = false;
        if (sim.config().leaseReads() && !crashed) {
            // A clock that kept running: the ticks missed while paused arrive before any queued input.
            pendingTicks +=
                    (int) ((sim.nowMillis() - pausedAtMillis) / sim.config().tickMillis());
        }
        if (!crashed) {
            drive();
        }
    }

    void tick() {
        if (crashed || paused) {
            return;
        }
        sim.counters().increment(Counter.TICKS);
        if (waitingForSync()) {
            pendingTicks++;
            return;
        }
        raft.tick();
        drive();
    }

    void deliver(Message m) {
        if (crashed) {
            sim.counters().increment(Counter.MESSAGES_TO_DEAD_NODES);
            return;
        }
        sim.counters().increment(Counter.MESSAGES_DELIVERED);
        if (paused || waitingForSync()) {
            enqueue(m);
            return;
        }
        raft.step(m);
        drive();
    }

    /** A client asks this node to run {@code op}. */
    void propose(OpRecord op) {
        if (crashed) {
            sim.completeOp(op, KvOp.Outcome.FAIL, 0);
            return;
        }
        if (paused || waitingForSync()) {
            enqueue(op);
            return;
        }
        doPropose(op);
        drive();
    }

    /** The forgotten timeout of an op: stop waiting for it here. */
    void forget(OpRecord op) {
        proposed.remove(op.command.requestId());
        reads.remove(op.command.requestId());
    }

    /** The nemesis asks this node, believed leader, to hand leadership to {@code target}. */
    void transferLeadership(long target) {
        if (crashed) {
            return;
        }
        if (paused || waitingForSync()) {
            enqueue(new TransferRequest(target));
            return;
        }
        doTransfer(target);
        drive();
    }

    private record TransferRequest(long target) {}

    private void doTransfer(long target) {
        try {
            raft.transferLeadership(target);
        } catch (NotLeaderException | IllegalArgumentException e) {
            // It lost leadership meanwhile, or the target left the configuration: nothing to hand over.
        }
    }

    private void enqueue(Object input) {
        if (inbox.size() >= sim.config().hostInboxMessagesMax()) {
            if (input instanceof OpRecord op) {
                sim.completeOp(op, KvOp.Outcome.FAIL, 0);
            } else {
                sim.counters().increment(Counter.MESSAGES_DROPPED);
            }
            return;
        }
        inbox.add(input);
    }

    private void doPropose(OpRecord op) {
        if (!op.isOpen()) {
            return; // timed out while queued; proposing it now would only add noise
        }
        if (op.viaReadIndex) {
            try {
                raft.readIndex(op.command.requestId());
                reads.put(op.command.requestId(), op);
            } catch (NotLeaderException e) {
                sim.noteLeaderHint(op, e.leaderHint());
                sim.completeOp(op, KvOp.Outcome.FAIL, 0);
            } catch (ProposalRejectedException e) {
                sim.completeOp(op, KvOp.Outcome.FAIL, 0);
            }
            return;
        }
        try {
            Proposal p = raft.propose(List.of(op.command.encode()));
            if (p instanceof Proposal.Forwarded) {
                sim.counters().increment(Counter.PROPOSALS_FORWARDED);
            }
            proposed.put(op.command.requestId(), op);
        } catch (NotLeaderException e) {
            sim.noteLeaderHint(op, e.leaderHint());
            sim.completeOp(op, KvOp.Outcome.FAIL, 0);
        } catch (ProposalRejectedException e) {
            sim.completeOp(op, KvOp.Outcome.FAIL, 0);
        }
    }

    /** True while a Ready is out waiting for a sync: the node takes no input until it is advanced. */
    private boolean waitingForSync() {
        return awaitingSync != null || blockedReady != null;
    }

    /** Handles Readies and queued inputs until the node waits for a sync, is paused, or is idle. */
    private void drive() {
        while (!crashed && !paused && !waitingForSync()) {
            if (raft.hasReady()) {
                handleReady(raft.ready());
            } else if (pendingTicks > 0) {
                pendingTicks--;
                raft.tick();
            } else if (!inbox.isEmpty()) {
                Object input = inbox.poll();
                if (input instanceof Message m) {
                    raft.step(m);
                } else if (input instanceof TransferRequest t) {
                    doTransfer(t.target());
                } else if (input instanceof ConfChange c) {
                    doConfChange(c);
                } else {
                    doPropose((OpRecord) input);
                }
            } else {
                return;
            }
        }
    }

    private void handleReady(Ready ready) {
        boolean overlap = sim.config().overlappedSyncs()
                && ready.mayAdvanceBeforeSync()
                && (ready.entries().isEmpty() || ready.entries().get(0).index() == storage.lastIndex() + 1);
        if (overlapped != null && ready.needsSync() && !overlap) {
            // Storage allows nothing but extending appends while a sync is pending (LogStorage#beginSync).
            blockedReady = ready;
            return;
        }
        stage(ready.snapshotChunks());
        if (ready.snapshot() != null) {
            install(ready.snapshot());
        }
        // The commit index is volatile (persisted only opportunistically with term and vote), so it is
        // read from the node rather than from the Ready's hard state.
        sim.invariants()
                .onReady(index, ready, storage.lastIndex(), raft.status().commitIndex());
        checkAddressed(ready.messages());
        checkAddressed(ready.messagesAfterSync());
        sim.sendAll(ready.messages());
        boolean early =
                sim.config().hostMisbehaviour() == SimulationConfig.HostMisbehaviour.SEND_AFTER_SYNC_MESSAGES_EARLY;
        if (early) {
            sim.sendAll(ready.messagesAfterSync());
        }
        if (!ready.entries().isEmpty()) {
            storage.append(ready.entries());
        }
        if (overlap) {
            if (!ready.entries().isEmpty()) {
                writtenUnsynced =
                        ready.entries().get(ready.entries().size() - 1).position();
            }
            if (!early && !ready.messagesAfterSync().isEmpty()) {
                if (writtenUnsynced == null && overlapped != null) {
                    sendAfterSyncInFlight.addAll(ready.messagesAfterSync());
                } else {
                    sendAfterNextSync.addAll(ready.messagesAfterSync());
                    if (writtenUnsynced == null) {
                        writtenUnsynced = new LogPosition(storage.term(storage.lastIndex()), storage.lastIndex());
                    }
                }
            }
            finishReady(ready, true);
            startOverlappedSync();
            return;
        }
        if (ready.hardState() != null) {
            storage.saveHardState(ready.hardState());
        }
        if (ready.needsSync()) {
            writtenUnsynced = null; // this sync covers them, and what waited for it
            sendAfterSyncInFlight.addAll(sendAfterNextSync);
            sendAfterNextSync.clear();
            awaitingSync = ready;
            sim.scheduleSync(this, incarnation);
            if (crashAtNextSync) {
                crashAtNextSync = false;
                sim.scheduleCrash(this);
            }
        } else {
            finishReady(ready, false);
        }
    }

    /** Begins a sync of what was written and advanced without one, unless one is in flight already. */
    private void startOverlappedSync() {
        if (overlapped != null || writtenUnsynced == null) {
            return;
        }
        overlapped = storage.beginSync();
        var swap = sendAfterSyncInFlight;
        sendAfterSyncInFlight = sendAfterNextSync;
        sendAfterNextSync = swap;
        overlappedThrough = writtenUnsynced;
        writtenUnsynced = null;
        sim.scheduleSync(this, incarnation, OVERLAPPED_SYNC);
        if (crashAtNextSync) {
            crashAtNextSync = false;
            sim.scheduleCrash(this);
        }
    }

    /** The overlapped sync in flight completed: report it, then go on with what waited for it. */
    private void overlappedSyncDone(int syncIncarnation) {
        if (crashed || syncIncarnation != incarnation || overlapped == null) {
            return;
        }
        overlapped.complete();
        overlapped = null;
        sim.sendAll(sendAfterSyncInFlight);
        sendAfterSyncInFlight.clear();
        sim.counters().increment(Counter.SYNCS);
        sim.counters().increment(Counter.OVERLAPPED_SYNCS);
        LogPosition through = overlappedThrough;
        overlappedThrough = null;
        if (blockedReady != null) {
            // The blocked Ready is out between ready() and advance(), so the node takes no report now; its
            // own sync covers everything and advance() counts it all durable.
            Ready ready = blockedReady;
            blockedReady = null;
            handleReady(ready);
        } else {
            raft.synced(through);
            startOverlappedSync();
        }
        drive();
    }

    /**
     * Every message must come from this node and go to another. A leader that removes itself currently
     * addresses its "last word to the removed member" to itself (reported; see the module notes): such
     * messages are counted and dropped rather than failing the run, so the counter shows whether the
     * quirk is still there.
     */
    private void checkAddressed(List<Message> messages) {
        for (Message m : messages) {
            if (m.from() != id) {
                throw new SimulationFailure("node " + id + " emits a message in another node's name: " + m);
            }
            if (m.to() == id) {
                sim.counters().increment(Counter.SELF_ADDRESSED_MESSAGES_DROPPED);
            }
        }
    }

    /** The sync started for the Ready in flight has completed (unless the node crashed meanwhile). */
    void syncDone(int syncIncarnation, Object kind) {
        if (kind == OVERLAPPED_SYNC) {
            overlappedSyncDone(syncIncarnation);
            return;
        }
        if (crashed || syncIncarnation != incarnation || awaitingSync == null) {
            return;
        }
        Ready ready = awaitingSync;
        storage.sync();
        lastSynced = storage.hardState();
        sim.counters().increment(Counter.SYNCS);
        awaitingSync = null;
        sim.sendAll(sendAfterSyncInFlight); // what overlapped Readies held for this sync
        sendAfterSyncInFlight.clear();
        finishReady(ready, false);
        drive();
    }

    private void finishReady(Ready ready, boolean syncLater) {
        if (!syncLater
                && sim.config().hostMisbehaviour()
                        != SimulationConfig.HostMisbehaviour.SEND_AFTER_SYNC_MESSAGES_EARLY) {
            sim.sendAll(ready.messagesAfterSync());
        }
        for (Entry e : ready.committedEntries()) {
            apply(e);
        }
        for (ReadState rs : ready.readStates()) {
            OpRecord op = reads.get(rs.context());
            if (op == null) {
                continue; // timed out already
            }
            if (!rs.confirmed()) {
                reads.remove(rs.context());
                sim.counters().increment(Counter.READ_INDEX_READS_REFUSED);
                sim.completeOp(op, KvOp.Outcome.FAIL, 0);
            } else {
                sim.invariants().onReadIndex(index, rs.readIndex());
                op.readIndex = rs.readIndex();
            }
        }
        serveReads();
        if (syncLater
                && sim.config().hostMisbehaviour() != SimulationConfig.HostMisbehaviour.COUNT_UNSYNCED_AS_DURABLE) {
            raft.advanceWithoutSync(ready);
        } else {
            raft.advance(ready);
        }
        maybeSnapshot();
    }

    /** Writes received chunks into the staging area; a chunk at offset 0 starts a new transfer. */
    private void stage(List<SnapshotChunk> chunks) {
        for (SnapshotChunk chunk : chunks) {
            sim.counters().increment(Counter.SNAPSHOT_CHUNKS_RECEIVED);
            if (chunk.offset() == 0) {
                stagedMeta = chunk.meta();
                staged = new ByteArrayOutputStream();
            }
            if (staged == null || !chunk.meta().equals(stagedMeta) || chunk.offset() != staged.size()) {
                throw new SimulationFailure("node " + id + " is handed snapshot chunk "
                        + chunk.meta().position() + " at offset "
                        + chunk.offset() + " but has staged "
                        + (staged == null ? "nothing" : stagedMeta.position() + " through offset " + staged.size()));
            }
            staged.writeBytes(chunk.data());
        }
    }

    /** Makes the staged snapshot the node's newest, restores the state machine from it, compacts the log. */
    private void install(SnapshotMeta meta) {
        if (staged == null || !meta.equals(stagedMeta)) {
            throw new SimulationFailure(
                    "node " + id + " is told to install snapshot " + meta + " but has staged " + stagedMeta);
        }
        byte[] data = staged.toByteArray();
        stagedMeta = null;
        staged = null;
        if (snapshotMeta != null && meta.index() <= snapshotMeta.index()) {
            throw new SimulationFailure("node " + id + " is told to install snapshot " + meta.position()
                    + " which is not newer than its own " + snapshotMeta.position());
        }
        KvStateMachine restored = restoreFrom(meta, data);
        if (restored.appliedIndex() <= stateMachine.appliedIndex()) {
            throw new SimulationFailure("node " + id + " is told to install snapshot " + meta.position()
                    + " but has applied through " + stateMachine.appliedIndex() + " already");
        }
        snapshotMeta = meta;
        snapshotData = data;
        stateMachine = restored;
        storage.compact(meta.position());
        sim.counters().increment(Counter.SNAPSHOTS_INSTALLED);
        sim.invariants().onSnapshotInstalled(index, storage, meta.index(), restored.stateHash());
    }

    private KvStateMachine restoreFrom(SnapshotMeta meta, byte[] data) {
        KvStateMachine restored;
        try {
            restored = KvStateMachine.restore(data);
        } catch (IllegalArgumentException e) {
            throw new SimulationFailure(
                    "node " + id + ": snapshot " + meta.position() + " is corrupt: " + e.getMessage());
        }
        if (restored.appliedIndex() != meta.index()) {
            throw new SimulationFailure("node " + id + ": snapshot " + meta.position() + " holds the state at index "
                    + restored.appliedIndex());
        }
        return restored;
    }

    /**
     * Snapshots the state machine once enough entries were applied since the last snapshot, then
     * compacts the log through a random index at or below it (keeping a random tail for slow followers).
     */
    private void maybeSnapshot() {
        long applied = stateMachine.appliedIndex();
        long last = snapshotMeta == null ? 0 : snapshotMeta.index();
        if (applied - last < sim.snapshotIntervalEntries()) {
            return;
        }
        snapshotMeta =
                new SnapshotMeta(applied, storage.term(applied), raft.status().conf());
        snapshotData = stateMachine.snapshot();
        sim.counters().increment(Counter.SNAPSHOTS_TAKEN);
        long compacted = storage.compactedThrough().index();
        if (applied <= compacted) {
            return;
        }
        var random = sim.snapshotRandom();
        long through = random.nextBoolean() ? applied : compacted + 1 + random.nextLong(applied - compacted);
        storage.compact(new LogPosition(storage.term(through), through));
        sim.counters().increment(Counter.LOG_COMPACTIONS);
    }

    /** Answers every confirmed ReadIndex read whose index this node has applied (thesis §6.4). */
    private void serveReads() {
        if (reads.isEmpty()) {
            return;
        }
        var it = reads.values().iterator();
        while (it.hasNext()) {
            OpRecord op = it.next();
            if (op.readIndex >= 0 && op.readIndex <= stateMachine.appliedIndex()) {
                it.remove();
                sim.counters().increment(Counter.READ_INDEX_READS_OK);
                if (raft.role() != Role.LEADER) {
                    sim.counters().increment(Counter.FOLLOWER_READS_OK);
                }
                sim.completeOp(op, KvOp.Outcome.OK, stateMachine.value(op.command.key()));
            }
        }
    }

    private void apply(Entry e) {
        long expected = stateMachine.appliedIndex() + 1;
        if (e.index() < expected) {
            throw new SimulationFailure("node " + id + " was handed entry " + e + " again (applied through "
                    + stateMachine.appliedIndex() + ")");
        }
        // A restarted node may resume applying after its durable commit index; rebuild the volatile
        // state machine from the durable log first.
        if (e.index() > expected) {
            for (Entry missed : storage.entries(expected, e.index(), Long.MAX_VALUE)) {
                applyOne(missed);
            }
        }
        applyOne(e);
    }

    private void applyOne(Entry e) {
        sim.invariants().onApply(index, e);
        if (e.type() == EntryType.CONFIG_CHANGE) {
            sim.onConfEntryApplied(e.index(), e.data());
        }
        if (e.type() != EntryType.NORMAL) {
            stateMachine.skip(e.index());
            sim.invariants().onStateAfter(index, e.index(), stateMachine.stateHash());
            return;
        }
        KvCommand command = KvCommand.decode(e.data());
        KvStateMachine.Applied applied = stateMachine.apply(e.index(), command);
        sim.invariants().onStateAfter(index, e.index(), stateMachine.stateHash());
        sim.onCommandApplied(this, e.index(), command);
        if (command.originNode() == id) {
            OpRecord op = proposed.remove(command.requestId());
            if (op != null) {
                op.appliedIndex = e.index();
                sim.completeOp(op, KvOp.Outcome.OK, applied.result());
            }
        }
    }

    String describe() {
        if (crashed) {
            return "node " + id + ": " + (removed ? "removed" : started ? "crashed" : "not started");
        }
        var s = raft.status();
        return "node " + id + ": " + s.role() + " term " + s.term() + " leader " + s.leaderId() + " commit "
                + s.commitIndex() + " applied " + stateMachine.appliedIndex() + " last " + s.lastIndex()
                + (paused ? " PAUSED" : "") + (waitingForSync() ? " syncing" : "") + " inbox " + inbox.size()
                + " conf " + s.conf();
    }
}
