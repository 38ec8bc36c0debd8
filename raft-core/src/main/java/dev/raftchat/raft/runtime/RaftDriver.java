package dev.raftchat.raft.runtime;

import dev.raftchat.raft.confchange.ConfChange;
import dev.raftchat.raft.core.RaftNode;
import dev.raftchat.raft.core.Ready;
import dev.raftchat.raft.core.Role;
import dev.raftchat.raft.core.Status;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.model.Check;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.EntryType;
import dev.raftchat.raft.model.ReadState;
import dev.raftchat.raft.model.SnapshotMeta;
import dev.raftchat.raft.statemachine.StateMachine;
import dev.raftchat.raft.storage.LogStorage;
import dev.raftchat.raft.storage.SnapshotSource;
import dev.raftchat.raft.storage.SnapshotStore;
import dev.raftchat.raft.transport.Transport;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's logic for one node, free of threads and of the clock: everything the Raft thread does
 * between taking its inputs and parking. It owns the pure {@link RaftNode} and carries out each
 * {@link Ready} in its order (send, stage or install a snapshot, write, sync, send what waited for the
 * sync, apply, serve reads, advance), overlaps syncs ({@link OverlappedSyncs}), batches proposals
 * ({@link Proposals}), confirms reads ({@link LinearizableReads}), runs membership changes and transfers
 * ({@link AdminOperations}) and snapshots ({@link SnapshotManager}), ticks the node when its clock says
 * so, and expires what timed out.
 *
 * <p>Two drivers bind it: {@link RaftServer} (a Raft thread, a sync thread, a notification thread,
 * {@link RaftClock#SYSTEM}) and the deterministic simulator (one thread, virtual time, its fault plan). The
 * bindings are the small interfaces of {@link Bindings}: what time it is, where syncs run, where
 * completions run, where snapshots are written, and the {@link Events} a host may watch.
 *
 * <p><b>Threading.</b> Not thread-safe: one thread at a time calls {@link #step}, {@link #tickIfDue},
 * {@link #finishSyncs} and {@link #process} (the "driver's thread"). {@link #propose}, {@link #read},
 * {@link #changeMembership}, {@link #transferLeadership}, snapshot requests and the counters may be
 * called from any thread: they only queue work for the driver's thread. While {@link #busy()} (a Ready
 * waits for a sync) the host gives the node no input.
 */
public final class RaftDriver {

    private static final Logger log = LoggerFactory.getLogger(RaftDriver.class);

    private static final int SNAPSHOT_REQUESTS_MAX = 16;

    /**
     * What a host may watch, on the driver's thread, for checks and metrics. Every method defaults to
     * nothing. Production uses it to publish its status and announce leaders; the simulator checks its
     * invariants with it.
     */
    public interface Events {
        /**
         * A Ready is being handled: its messages may have left and a snapshot it completes is installed, but
         * none of its entries is written yet.
         */
        default void handlingReady(Ready ready) {}

        /** {@code entry} was applied (after the state machine, for a NORMAL entry). */
        default void applied(Entry entry) {}

        /** A snapshot from the leader was installed and the state machine restored from it. */
        default void snapshotInstalled(SnapshotMeta meta) {}

        /** The node confirmed (or refused) a read. */
        default void readState(ReadState state) {}

        /** Proposals are about to complete: whatever the host publishes must show them applied. */
        default void beforeCompletions() {}

        /** The node now follows another leader (or none), or changed role. */
        default void leaderChanged(LeaderChange change) {}
    }

    /**
     * The driver's bindings to the world.
     *
     * @param clock          what time it is
     * @param syncs          where syncs run
     * @param notifier       where futures complete (never the driver's thread in production, so that a
     *                       slow callback cannot stall Raft)
     * @param snapshotWriter where snapshots are serialized
     * @param session        distinguishes this run of the node from its earlier runs in command envelopes
     *                       (production draws it at random)
     * @param forwardSession marks this run's forwarded proposals (>= 0; must differ in every run of the node,
     *                       whatever its {@code NodeConfig.randomSeed}: the leader drops forwards it has seen)
     * @param firstReadContext where this run's read contexts start (>= 0; must differ in every run, or a late
     *                       answer to the previous run's read confirms one of this run's at an old index)
     * @param events         what the host watches
     */
    public record Bindings(
            RaftClock clock,
            SyncExecutor syncs,
            Executor notifier,
            Executor snapshotWriter,
            long session,
            long forwardSession,
            long firstReadContext,
            Events events) {
        public Bindings {
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(syncs, "syncs");
            Objects.requireNonNull(notifier, "notifier");
            Objects.requireNonNull(events, "events");
        }
    }

    private final RaftServerConfig config;
    private final long id;
    private final LogStorage storage;
    private final Transport transport;
    private final StateMachine stateMachine;
    private final RaftMetrics metrics;
    private final RaftClock clock;
    private final SyncExecutor syncs;
    private final Events events;
    private final long tickNanos;

    private final RaftNode node;
    /** Snapshot duties, or null without a snapshot store. */
    private final SnapshotManager snapshots;
    /** On-demand snapshot requests, handed to the driver's thread. */
    private final ArrayBlockingQueue<CompletableFuture<SnapshotMeta>> snapshotRequests =
            new ArrayBlockingQueue<>(SNAPSHOT_REQUESTS_MAX);

    private final Proposals proposals;
    private final LinearizableReads reads;
    private final AdminOperations admin;
    private final OverlappedSyncs overlapped;

    // The driver's thread only.
    /** Invariant: every committed entry up to here was applied, in order, exactly once. */
    private long appliedIndex;

    private long currentTerm;
    private long knownLeaderId;
    private long nextTickAtNanos;
    /** A Ready that needs its own sync and waits for the overlapped sync in flight; null if none. */
    private Ready blocked;
    /** A Ready whose own sync was handed to {@link SyncExecutor#runAwaited} and has not finished. */
    private Ready syncing;

    /**
     * Creates the node from the durable state in {@code storage} (and the newest snapshot in
     * {@code snapshotStore}, from which the state machine is restored).
     *
     * @param snapshotStore where snapshots live; null for none (then the log is never compacted)
     */
    public RaftDriver(
            RaftServerConfig config,
            LogStorage storage,
            SnapshotStore snapshotStore,
            Transport transport,
            StateMachine stateMachine,
            RaftMetrics metrics,
            Bindings bindings) {
        this.config = Objects.requireNonNull(config, "config");
        if (snapshotStore == null && (config.snapshotIntervalEntries() > 0 || config.snapshotIntervalBytes() > 0)) {
            throw new IllegalArgumentException("snapshotIntervalEntries=" + config.snapshotIntervalEntries()
                    + " and snapshotIntervalBytes=" + config.snapshotIntervalBytes() + " need a snapshot store");
        }
        this.storage = Objects.requireNonNull(storage, "storage");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.stateMachine = Objects.requireNonNull(stateMachine, "stateMachine");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.id = config.id();
        this.clock = bindings.clock();
        this.syncs = bindings.syncs();
        this.events = bindings.events();
        this.tickNanos = TimeUnit.MILLISECONDS.toNanos(config.tickMillis());
        if (snapshotStore != null) {
            this.snapshots = new SnapshotManager(
                    id,
                    snapshotStore,
                    stateMachine,
                    storage,
                    new SnapshotPolicy(
                            config.snapshotIntervalEntries(),
                            config.snapshotIntervalBytes(),
                            config.snapshotGrowthPercent()),
                    config.snapshotLogTailEntries(),
                    Objects.requireNonNull(bindings.snapshotWriter(), "snapshotWriter"),
                    clock);
            SnapshotMeta restored = snapshots.restoreAtStartup();
            this.node = new RaftNode(
                    config.node(),
                    storage,
                    snapshotStore,
                    restored == null ? config.initialConf() : restored.conf(),
                    restored == null ? 0 : restored.index(),
                    bindings.forwardSession());
        } else {
            this.snapshots = null;
            this.node = new RaftNode(
                    config.node(),
                    storage,
                    SnapshotSource.NONE,
                    config.initialConf(),
                    storage.compactedThrough().index(),
                    bindings.forwardSession());
        }
        this.currentTerm = storage.hardState().term();
        this.appliedIndex = node.status().appliedIndex();
        this.proposals = new Proposals(id, config, bindings.session(), metrics, bindings.notifier(), clock);
        this.reads = new LinearizableReads(
                id, config, stateMachine, bindings.notifier(), clock, bindings.firstReadContext());
        this.admin = new AdminOperations(id, config, bindings.notifier());
        this.overlapped = new OverlappedSyncs(storage, metrics, this::sendAll, syncs, clock);
        this.nextTickAtNanos = clock.nanoTime() + tickNanos;
    }

    public long id() {
        return id;
    }

    // ---------------------------------------------------------------- requests (any thread)

    /** Queues a proposal; see {@link RaftServer#propose}. The future may have failed already (over a limit). */
    public CompletableFuture<byte[]> propose(byte[] command) {
        return submitProposal(command).future;
    }

    Proposals.PendingProposal submitProposal(byte[] command) {
        return proposals.submit(command);
    }

    /** Queues a linearizable read; see {@link RaftServer#read}. */
    public CompletableFuture<byte[]> read(byte[] query) {
        return submitRead(query).future;
    }

    LinearizableReads.PendingRead submitRead(byte[] query) {
        return reads.submit(query);
    }

    /** Queues a membership change; see {@link RaftServer#changeMembership}. */
    public CompletableFuture<ConfState> changeMembership(ConfChange change) {
        return admin.submitMembershipChange(change);
    }

    /** Queues a leadership transfer; see {@link RaftServer#transferLeadership}. */
    public CompletableFuture<Void> transferLeadership(long targetId) {
        return admin.submitTransfer(targetId);
    }

    /** Queues a snapshot request, or returns false when too many are queued. */
    boolean requestSnapshot(CompletableFuture<SnapshotMeta> future) {
        return snapshotRequests.offer(future);
    }

    boolean hasSnapshots() {
        return snapshots != null;
    }

    /** Fails every pending request (the node stopped). Any thread; see {@link AdminOperations#failAll}. */
    public void failAll(RuntimeException exception, boolean driverStopped) {
        reads.failAll(exception);
        admin.failAll(exception, driverStopped);
        proposals.failAll(exception);
    }

    /** At shutdown: fails queued snapshot requests and, once the driver stopped, those waiting for a snapshot. */
    void failSnapshotRequests(RuntimeException exception, boolean driverStopped) {
        for (CompletableFuture<SnapshotMeta> request = snapshotRequests.poll();
                request != null;
                request = snapshotRequests.poll()) {
            request.completeExceptionally(exception);
        }
        if (driverStopped && snapshots != null) {
            snapshots.failWaiting(exception);
        }
    }

    /**
     * What a proposal's failure becomes before its future fails (the server adds the leader's address to a
     * {@link dev.raftchat.raft.core.NotLeaderException}). Set before the driver runs; called on the notification
     * executor; must not throw.
     */
    void routeProposalFailures(UnaryOperator<Throwable> router) {
        proposals.routeFailures(router);
    }

    void failProposal(Proposals.PendingProposal proposal, Throwable error) {
        proposals.settle(proposal, null, error);
    }

    void failRead(LinearizableReads.PendingRead read, Throwable error) {
        reads.settle(read, null, error);
    }

    void failAdmin(RuntimeException exception) {
        admin.failAll(exception, false);
    }

    public int pendingProposals() {
        return proposals.pendingCount();
    }

    /** Proposals in the registry of those the driver took; see {@link Proposals#registeredCount}. */
    int proposalsRegistered() {
        return proposals.registeredCount();
    }

    public int pendingReads() {
        return reads.pendingCount();
    }

    // ---------------------------------------------------------------- the driver's thread

    /** The node's status. The driver's thread only. */
    public Status nodeStatus() {
        return node.status();
    }

    public Role role() {
        return node.role();
    }

    /** The node's current term. The driver's thread only. */
    public long term() {
        return node.term();
    }

    /** The leader the node believes in, or 0. The driver's thread only. */
    public long leaderId() {
        return node.leaderId();
    }

    public long appliedIndex() {
        return appliedIndex;
    }

    /**
     * True while a Ready waits for a sync (its own, or the overlapped one in flight before its own): the
     * host must give the node no input until {@link #finishSyncs} or the awaited sync ends it.
     */
    public boolean busy() {
        return blocked != null || syncing != null;
    }

    /** Whether requests wait for {@link #process} (the host must not park while they do). */
    public boolean hasQueuedWork() {
        return proposals.hasSubmitted() || reads.hasSubmitted() || admin.hasSubmitted() || overlapped.finished();
    }

    /** When the node's next tick is due, on {@link Bindings#clock()}. */
    public long nextTickAtNanos() {
        return nextTickAtNanos;
    }

    /** Steps one message from the network. */
    public void step(Message message) {
        Check.that(!busy(), "node %s: stepped while a Ready waits for a sync", id);
        node.step(message);
    }

    /**
     * Ticks the node if a tick is due at {@code nowNanos}. After a stall (a slow sync, a GC pause, a stopped
     * process) the missed ticks are skipped, not fired in a burst, which would expire election timeouts
     * that peers' messages, still queued, were about to reset. Returns whether it ticked.
     */
    public boolean tickIfDue(long nowNanos) {
        if (nowNanos - nextTickAtNanos < 0 || busy()) {
            return false;
        }
        node.tick();
        nextTickAtNanos += tickNanos;
        if (nowNanos - nextTickAtNanos >= 0) {
            // They still age the read lease, which must not outlive real time.
            node.ticksLost((nowNanos - nextTickAtNanos) / tickNanos + 1);
            nextTickAtNanos = nowNanos + tickNanos;
        }
        return true;
    }

    /**
     * Reports a completed overlapped sync to the node, or goes on with the Ready that waited for it.
     * Returns whether anything happened. A failed sync is fatal: it throws.
     */
    public boolean finishSyncs() {
        if (syncing != null) {
            return false;
        }
        if (blocked != null) {
            if (overlapped.inFlight()) {
                return false;
            }
            Ready ready = blocked;
            blocked = null;
            handleReadyWithSync(ready, overlapped.awaitForSyncOnRaftThread());
            return true;
        }
        return overlapped.finishIfDone(node::synced);
    }

    /**
     * The Raft thread's duties after its inputs: hand queued proposals to the node in one batch, queued reads
     * in one ReadIndex request, start queued membership changes and transfers, handle every Ready (unless
     * one must wait for a sync: then {@link #busy()}), start or finish snapshots, expire what timed out.
     * Returns whether anything changed.
     */
    public boolean process() {
        if (busy()) {
            return false;
        }
        long now = clock.nanoTime();
        boolean changed = proposals.proposeQueued(node, now);
        changed |= reads.requestConfirmation(node);
        changed |= admin.startQueued(node, now);
        while (!busy() && node.hasReady()) {
            handleReady(node.ready());
            changed = true;
        }
        if (busy()) {
            return true;
        }
        if (snapshots != null) {
            for (CompletableFuture<SnapshotMeta> request = snapshotRequests.poll();
                    request != null;
                    request = snapshotRequests.poll()) {
                snapshots.request(request);
            }
            changed |= snapshots.finishWritten();
            changed |= snapshots.maybeStart(appliedIndex, () -> node.status().conf());
        }
        long afterReadyNanos = clock.nanoTime();
        changed |= proposals.expire(afterReadyNanos);
        changed |= reads.expire(afterReadyNanos);
        changed |= admin.check(node, afterReadyNanos);
        return changed;
    }

    /** At shutdown, on the driver's thread: waits for the sync in flight (the storage allows nothing else). */
    void awaitSyncAndShutdown() {
        overlapped.awaitAndShutdown();
    }

    void shutdownSyncs() {
        overlapped.shutdown();
    }

    private void handleReady(Ready ready) {
        if (config.overlapSyncs()
                && ready.mayAdvanceBeforeSync()
                && (ready.entries().isEmpty() || ready.entries().get(0).index() == storage.lastIndex() + 1)) {
            events.handlingReady(ready);
            handleReadyOverlapped(ready);
            return;
        }
        if (ready.needsSync() && overlapped.inFlight()) {
            // Storage allows only extending appends while a sync is pending: wait for it (taking no input).
            blocked = ready;
            return;
        }
        // This Ready's own sync will also cover what was written since the last sync began (advance() then
        // counts everything durable), and the acknowledgements that waited for it.
        List<Message> heldForThisSync = ready.needsSync() ? overlapped.awaitForSyncOnRaftThread() : List.of();
        handleReadyWithSync(ready, heldForThisSync);
    }

    private void handleReadyWithSync(Ready ready, List<Message> heldForThisSync) {
        sendAll(ready.messages());
        if (!ready.snapshotChunks().isEmpty() || ready.snapshot() != null) {
            if (snapshots == null) {
                throw new IllegalStateException("node " + id + " received a snapshot from its leader but has no "
                        + "snapshot store; configure one on every node of a cluster that compacts its log");
            }
            snapshots.stage(ready.snapshotChunks());
            if (ready.snapshot() != null) {
                Check.that(
                        ready.snapshot().index() > appliedIndex,
                        "node %s: told to install snapshot %s with %s applied already",
                        id,
                        ready.snapshot().position(),
                        appliedIndex);
                snapshots.install(ready.snapshot());
                appliedIndex = ready.snapshot().index();
                events.snapshotInstalled(ready.snapshot());
            }
        }
        events.handlingReady(ready);
        // Committed entries already in the log before this Ready's new entries were made durable by an
        // earlier sync: apply them and answer their proposers now, before this Ready's sync, rather than one
        // sync later. On a leader this is the common case under load: followers' acknowledgements of batch k
        // arrive while the leader syncs batch k, so the Ready that commits batch k also carries batch k+1.
        List<Entry> committed = ready.committedEntries();
        int durableCommitted = committedBefore(committed, ready.entries());
        if (durableCommitted > 0 && ready.needsSync()) {
            applyCommitted(committed.subList(0, durableCommitted));
            onReadStates(ready.readStates());
            reads.serveApplied(appliedIndex);
            completeAppliedProposals();
        } else {
            durableCommitted = 0;
        }
        if (!ready.entries().isEmpty()) {
            storage.append(ready.entries());
        }
        if (ready.hardState() != null) {
            storage.saveHardState(ready.hardState());
            currentTerm = ready.hardState().term();
        }
        int appliedEarly = durableCommitted;
        if (ready.needsSync()) {
            syncing = ready;
            syncs.runAwaited(() -> {
                long syncStartNanos = clock.nanoTime();
                storage.sync();
                metrics.syncCompleted(
                        clock.nanoTime() - syncStartNanos, ready.entries().size());
                syncing = null;
                afterSync(ready, heldForThisSync, appliedEarly);
            });
        } else {
            afterSync(ready, heldForThisSync, appliedEarly);
        }
    }

    private void afterSync(Ready ready, List<Message> heldForThisSync, int appliedEarly) {
        sendAll(heldForThisSync);
        sendAll(ready.messagesAfterSync());
        List<Entry> committed = ready.committedEntries();
        applyCommitted(committed.subList(appliedEarly, committed.size()));
        if (appliedEarly == 0) {
            onReadStates(ready.readStates());
        }
        reads.serveApplied(appliedIndex);
        if (ready.softState() != null) {
            noteSoftState(ready.softState());
        }
        node.advance(ready);
        metrics.readyHandled(
                ready.entries().size(),
                ready.messages().size() + ready.messagesAfterSync().size(),
                ready.committedEntries().size());
        completeAppliedProposals();
    }

    /**
     * A Ready that needs a sync only for its entries and acknowledgements (a leader's batch, a follower's
     * append): write the entries, do the other duties, advance, and leave the sync to the sync executor —
     * one in flight at a time, each covering everything written before it began — with the Ready's
     * acknowledgements held until a sync begun after its writes completes. Meanwhile the driver goes on
     * stepping acknowledgements, appends and proposals; the node counts these entries toward a quorum and
     * applies them only once {@link RaftNode#synced} reports them durable.
     */
    private void handleReadyOverlapped(Ready ready) {
        sendAll(ready.messages());
        if (!ready.entries().isEmpty()) {
            storage.append(ready.entries());
        }
        applyCommitted(ready.committedEntries());
        onReadStates(ready.readStates());
        reads.serveApplied(appliedIndex);
        if (ready.softState() != null) {
            noteSoftState(ready.softState());
        }
        node.advanceWithoutSync(ready);
        metrics.readyHandled(
                ready.entries().size(),
                ready.messages().size(),
                ready.committedEntries().size());
        completeAppliedProposals();
        overlapped.written(ready.entries(), ready.messagesAfterSync());
        // The Ready is advanced, so the node may hear of a finished sync now: at once when there was nothing
        // to force (sync disabled), or when the sync was quick.
        overlapped.finishIfDone(node::synced);
    }

    private void onReadStates(List<ReadState> readStates) {
        for (ReadState state : readStates) {
            events.readState(state);
        }
        reads.onReadStates(readStates);
    }

    private void completeAppliedProposals() {
        if (proposals.hasApplied()) {
            events.beforeCompletions();
            proposals.completeApplied();
        }
    }

    /**
     * How many of {@code committed} (a prefix) lie below the first of {@code newEntries}: those were
     * appended by earlier Readies, each synced before it was advanced, and a committed entry is never
     * replaced, so they are durable here whatever this Ready truncates or appends.
     */
    private static int committedBefore(List<Entry> committed, List<Entry> newEntries) {
        if (newEntries.isEmpty()) {
            return committed.size();
        }
        long firstNewIndex = newEntries.get(0).index();
        int count = 0;
        while (count < committed.size() && committed.get(count).index() < firstNewIndex) {
            count++;
        }
        return count;
    }

    private void sendAll(List<Message> messages) {
        for (Message message : messages) {
            try {
                transport.send(message);
            } catch (RuntimeException e) {
                // The transport broke its never-throw contract; losing a message is safe (Raft retries),
                // stopping the node for it is not necessary.
                log.warn(
                        "node {}: transport threw while sending {}; message dropped",
                        id,
                        message.getClass().getSimpleName(),
                        e);
            }
        }
    }

    private void applyCommitted(List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        for (Entry entry : entries) {
            Check.that(
                    entry.index() == appliedIndex + 1,
                    "node %s: committed entry %s does not follow the applied index %s",
                    id,
                    entry,
                    appliedIndex);
            long completedSequence = entry.type() == EntryType.NORMAL ? applyNormal(entry) : Proposals.NO_SEQUENCE;
            if (entry.type() == EntryType.CONFIG_CHANGE) {
                applyMembershipChange(entry);
            }
            if (snapshots != null) {
                snapshots.onApplied(entry.data().length);
            }
            proposals.onEntryApplied(entry, completedSequence);
            admin.onApplied(entry);
            // NO_OP entries carry nothing to apply; the node adopts a CONFIG_CHANGE in advance().
            appliedIndex = entry.index();
            events.applied(entry);
        }
        metrics.entriesApplied(entries.size(), appliedIndex);
    }

    /** Shows a committed membership change, with its context, to the state machine. */
    private void applyMembershipChange(Entry entry) {
        ConfChange change;
        try {
            change = ConfChange.decode(entry.data());
        } catch (IllegalArgumentException e) {
            // The node ignores it the same way on every replica (RaftNode.applyConfEntry); so does the state machine.
            log.warn("node {}: committed configuration change {} cannot be decoded; ignored", id, entry.index(), e);
            return;
        }
        try {
            stateMachine.applyMembershipChange(entry.index(), change);
        } catch (RuntimeException e) {
            throw new IllegalStateException(
                    "node " + id + ": the state machine failed to apply membership change " + entry.index()
                            + "; stopping, because skipping it would make replicas diverge",
                    e);
        }
    }

    /** Applies one NORMAL entry; returns the sequence of this node's proposal it completes, or NO_SEQUENCE. */
    private long applyNormal(Entry entry) {
        String defect = CommandEnvelope.defect(entry.data());
        if (defect != null) {
            // A poisoned entry (issue 18): stopping would stop again at every replay, for good. Its fate
            // depends on its bytes alone, so every replica rejects it alike; the state machine never sees
            // it and no proposal of ours can be in it (only envelopes carry our session).
            metrics.undecodableEntryApplied(entry.index());
            log.warn(
                    "node {}: committed log entry {} (term {}) is {}; applied as a rejection, as on every replica",
                    id,
                    entry.index(),
                    entry.term(),
                    defect);
            return Proposals.NO_SEQUENCE;
        }
        byte[] data = entry.data();
        byte[] result;
        try {
            result = stateMachine.apply(entry.index(), CommandEnvelope.command(data));
        } catch (RuntimeException e) {
            throw new IllegalStateException(
                    "node " + id + ": the state machine failed to apply entry " + entry.index()
                            + "; stopping, because skipping it would make replicas diverge",
                    e);
        }
        if (result == null) {
            throw new IllegalStateException("node " + id + ": the state machine returned null for entry "
                    + entry.index() + " (its contract requires a result, possibly empty)");
        }
        return proposals.onCommandApplied(
                entry.index(),
                CommandEnvelope.originId(data),
                CommandEnvelope.session(data),
                CommandEnvelope.sequence(data),
                result);
    }

    private void noteSoftState(Ready.SoftState softState) {
        if (softState.leaderId() == knownLeaderId) {
            return;
        }
        knownLeaderId = softState.leaderId();
        LeaderChange change = new LeaderChange(id, currentTerm, softState.leaderId(), softState.role());
        log.info(
                "node {}: leader is now {} in term {} (local role {})",
                id,
                change.hasLeader() ? change.leaderId() : "unknown",
                change.term(),
                change.localRole());
        metrics.leaderChanged(change.term(), change.leaderId());
        events.leaderChanged(change);
    }

    /** After a fatal failure: the proposals applied before it are committed, so they get their real results. */
    void completeAppliedAfterFailure() {
        proposals.completeApplied();
    }
}
