package dev.raftchat.raft.runtime;

import dev.raftchat.raft.confchange.ConfChange;
import dev.raftchat.raft.core.Check;
import dev.raftchat.raft.core.ConfState;
import dev.raftchat.raft.core.Entry;
import dev.raftchat.raft.core.EntryType;
import dev.raftchat.raft.core.NotLeaderException;
import dev.raftchat.raft.core.Proposal;
import dev.raftchat.raft.core.ProposalRejectedException;
import dev.raftchat.raft.core.RaftNode;
import dev.raftchat.raft.core.Ready;
import dev.raftchat.raft.core.Role;
import dev.raftchat.raft.core.SnapshotMeta;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.statemachine.StateMachine;
import dev.raftchat.raft.storage.LogStorage;
import dev.raftchat.raft.storage.SnapshotSource;
import dev.raftchat.raft.storage.SnapshotStore;
import dev.raftchat.raft.transport.Transport;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one pure {@link RaftNode} on one thread it owns, wiring it to a {@link LogStorage}, a
 * {@link Transport} and a {@link StateMachine}, and offers the asynchronous API applications use.
 *
 * <p><b>The Raft thread.</b> Everything that touches the node, the storage and the state machine runs on
 * one dedicated thread ({@code raft-<id>}). Each iteration of its loop: step a bounded batch of inbound
 * messages; tick when a tick is due (every {@link RaftServerConfig#tickMillis()}); hand a bounded batch
 * of proposals to the node in one {@code propose} call, queued reads in one {@code readIndex} request,
 * and queued membership changes or transfers; then, while the node has a {@link Ready}: send
 * {@code messages()}, append the entries and save the hard state, <em>one</em> {@code sync()}, send
 * {@code messagesAfterSync()}, apply the committed entries, serve reads whose index is applied,
 * {@code advance}. A burst of concurrent
 * proposals therefore costs one sync per Ready (group commit), not one per proposal. When there is
 * nothing to do the thread parks until the next tick or until new input arrives.
 *
 * <p><b>Overlapped syncs</b> ({@link RaftServerConfig#overlapSyncs()}, on by default). A Ready that needs a
 * sync only for its entries and acknowledgements ({@link Ready#mayAdvanceBeforeSync()}) is written and
 * advanced without waiting: its sync runs on the sync thread ({@code raft-<id>-sync}), one at a time, each
 * covering everything written before it began, and its acknowledgements leave when that sync completes,
 * which the Raft thread reports to the node ({@link RaftNode#synced}) at the top of its loop. The Raft
 * thread meanwhile goes on stepping messages and proposals. A Ready with a hard state or a snapshot, or one
 * that truncates the log, first waits for the sync in flight and then syncs on the Raft thread.
 *
 * <p><b>Inputs from other threads</b> go through bounded queues: inbound messages
 * ({@link RaftServerConfig#inboxMessagesMax()}; when full they are dropped and counted, Raft retries),
 * proposals ({@link RaftServerConfig#pendingProposalsMax()}), reads
 * ({@link RaftServerConfig#pendingReadsMax()}) and admin operations
 * ({@link RaftServerConfig#pendingAdminOperationsMax()}); a request over its bound is rejected at once.
 * {@link #status()} reads a snapshot the Raft thread publishes and never waits for it.
 *
 * <p><b>Notifications.</b> Futures are completed, and listeners called, on a separate notification
 * thread ({@code raft-<id>-notify}), proposals in log order, so that a slow or blocking callback never
 * stalls Raft. Its queue is bounded by the pending limits plus a constant, because each pending request
 * holds its slot until its completion has run. When a proposal's future completes, {@link #status()}
 * already shows an applied index at least as high as the proposal's.
 *
 * <p><b>Failure semantics.</b> An exception from the storage, the state machine or the node is fatal:
 * the server stops at once (it never continues after a failed sync, whose effect on disk is unknown),
 * state becomes {@link ServerStatus.State#FAILED}, every pending future fails with
 * {@link RaftShutdownException} carrying the cause, and listeners get
 * {@link RaftServerListener#onStopped(Throwable)}. Call {@link #close()} to release resources.
 * One exception: a committed NORMAL entry that is not a command envelope (forged or foreign bytes that
 * reached the log) is applied as a rejection — counted by {@link RaftMetrics#undecodableEntryApplied},
 * logged, never shown to the state machine — because stopping would stop again at every replay, and its
 * fate depends on its bytes alone, so every replica decides alike.
 *
 * <p><b>Ownership.</b> Once started, the server owns the storage and the transport: {@link #close()}
 * closes both. The state machine is called only on the Raft thread.
 *
 * <p>All public methods are thread-safe.
 */
public final class RaftServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RaftServer.class);

    /**
     * Notification queue slots beyond one per pending proposal, read or admin operation (each holds its
     * slot until its completion has run): one leader change, one stop event.
     */
    private static final int NOTIFICATION_SLOTS_EXTRA = 2;
    /** Proposal sequences start at 1. */
    private static final long NO_SEQUENCE = 0;

    private final RaftServerConfig config;
    private final long id;
    private final LogStorage storage;
    private final Transport transport;
    private final StateMachine stateMachine;
    private final RaftMetrics metrics;
    private final long tickNanos;
    private final long proposalTimeoutNanos;
    /**
     * Distinguishes this run of the node from earlier ones in the command envelopes, so that entries
     * proposed before a restart and replayed after it never complete a new request.
     */
    private final long session;

    private final ArrayBlockingQueue<Message> inbox;
    /** Hands proposals accepted by {@link #propose} to the Raft thread. */
    private final ArrayBlockingQueue<PendingProposal> submitted;
    /**
     * Every accepted proposal until it is claimed for completion, by sequence: queued, handed to the node,
     * or applied. Its own registry rather than the Raft thread's private state, so that {@link #close()}
     * can fail every pending future even when the Raft thread is stuck in a sync. A hash map, not a sorted
     * one: expiry order is kept by the Raft thread in {@link #expiryOrder} (a skip list here cost 7 % of
     * the CPU samples of a 128-client benchmark).
     */
    private final ConcurrentHashMap<Long, PendingProposal> pending = new ConcurrentHashMap<>();
    /** Proposals holding a slot: accepted and not yet completed. Invariant: <= pendingProposalsMax. */
    private final AtomicInteger pendingProposals = new AtomicInteger();

    private final AtomicLong pendingProposalBytes = new AtomicLong();
    private final AtomicLong lastSequence = new AtomicLong();
    private final AtomicLong inboundMessagesDropped = new AtomicLong();

    private final Thread raftThread;
    private final ThreadPoolExecutor notifier;
    private final LinearizableReads reads;
    private final AdminOperations admin;
    private volatile Thread notifierThread;
    private final CopyOnWriteArrayList<RaftServerListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<LeaderChange> latestLeaderChange = new AtomicReference<>();
    private final AtomicBoolean leaderNotificationScheduled = new AtomicBoolean();
    /** Notification thread only. */
    private LeaderChange lastDeliveredLeaderChange;

    private final Object lifecycleLock = new Object();
    private volatile ServerStatus.State state = ServerStatus.State.NEW;
    private volatile Throwable failure;
    private volatile ServerStatus publishedStatus;
    private boolean closeStarted;

    /** Snapshot duties, or null without a snapshot store. */
    private final SnapshotManager snapshots;

    private final ThreadPoolExecutor snapshotWriter;
    /** On-demand snapshot requests, handed to the Raft thread. */
    private final ArrayBlockingQueue<CompletableFuture<SnapshotMeta>> snapshotRequests;

    private static final int SNAPSHOT_REQUESTS_MAX = 16;

    // Owned by the Raft thread once started.
    private final RaftNode node;

    private final OverlappedSyncs overlapped;
    /** Invariant: every committed entry up to here was applied, in order, exactly once. */
    private long appliedIndex;
    /**
     * Proposals applied by the Ready being handled, with their results. Completed only after the
     * status is republished, so that a caller whose future completes sees at least that applied index.
     */
    private final List<AppliedProposal> appliedProposals = new ArrayList<>();
    /**
     * Proposals this node appended as leader, by the log index they were given. When a different entry
     * is applied at that index the proposal can never commit (an index, once committed, never changes,
     * and the runtime never re-proposes), so it fails at once instead of timing out. Holds at most
     * about twice {@code pendingProposalsMax} entries: completed proposals are pruned when it grows.
     */
    private final TreeMap<Long, PendingProposal> appendedAtIndex = new TreeMap<>();
    /** A proposal taken from the queue that did not fit in the last batch's byte limit; goes first next time. */
    private PendingProposal deferredProposal;
    /**
     * Proposals the Raft thread took from {@link #submitted}, in that order, which is the order of their
     * deadlines (assigned with their sequences in {@link #propose}, up to the nanoseconds two racing
     * callers can reorder them): the head expires first. Completed ones leave when they reach the head, or
     * in a sweep when the deque holds more than {@link #EXPIRY_ORDER_SWEEP_FACTOR} times
     * {@code pendingProposalsMax} (many completions behind one slow proposal), which bounds it.
     */
    private final ArrayDeque<PendingProposal> expiryOrder = new ArrayDeque<>();

    private static final int EXPIRY_ORDER_SWEEP_FACTOR = 2;
    private long currentTerm;
    private long knownLeaderId;

    /**
     * Creates a server and its node from the durable state in {@code storage}. Nothing runs until
     * {@link #start()}.
     *
     * @param metrics where to report metrics; {@link RaftMetrics#NOOP} for none
     */
    public RaftServer(
            RaftServerConfig config,
            LogStorage storage,
            Transport transport,
            StateMachine stateMachine,
            RaftMetrics metrics) {
        this(config, storage, null, transport, stateMachine, metrics);
    }

    /**
     * Creates a server whose state machine is snapshotted into {@code snapshots} (every
     * {@link RaftServerConfig#snapshotIntervalEntries()} entries, and on {@link #takeSnapshot()}), whose
     * log is compacted behind each snapshot, and which restores the state machine from the newest
     * snapshot before it starts. Followers too far behind are sent the snapshot in chunks.
     *
     * @param snapshots where snapshots live; null for none (then the log is never compacted)
     */
    public RaftServer(
            RaftServerConfig config,
            LogStorage storage,
            SnapshotStore snapshots,
            Transport transport,
            StateMachine stateMachine,
            RaftMetrics metrics) {
        this.config = Objects.requireNonNull(config, "config");
        if (snapshots == null && (config.snapshotIntervalEntries() > 0 || config.snapshotIntervalBytes() > 0)) {
            throw new IllegalArgumentException("snapshotIntervalEntries=" + config.snapshotIntervalEntries()
                    + " and snapshotIntervalBytes=" + config.snapshotIntervalBytes() + " need a snapshot store");
        }
        this.storage = Objects.requireNonNull(storage, "storage");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.stateMachine = Objects.requireNonNull(stateMachine, "stateMachine");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.id = config.id();
        this.tickNanos = TimeUnit.MILLISECONDS.toNanos(config.tickMillis());
        this.proposalTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.proposalTimeoutMillis());
        this.session = ThreadLocalRandom.current().nextLong();
        // Forwarding sessions and read contexts must differ in every run of this node, whatever its
        // NodeConfig.randomSeed: a late answer or duplicate check from the previous run would otherwise
        // match this run's requests (a forward dropped as a duplicate; a read confirmed at an old index).
        SecureRandom runRandom = new SecureRandom();
        long forwardSession = runRandom.nextLong() >>> 1;
        long firstReadContext = runRandom.nextLong() >>> 2;
        this.inbox = new ArrayBlockingQueue<>(config.inboxMessagesMax());
        this.submitted = new ArrayBlockingQueue<>(config.pendingProposalsMax());

        if (snapshots != null) {
            this.snapshotWriter =
                    new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(1), runnable -> {
                        Thread thread = new Thread(runnable, "raft-" + id + "-snapshot");
                        thread.setDaemon(true);
                        return thread;
                    });
            this.snapshots = new SnapshotManager(
                    id,
                    snapshots,
                    stateMachine,
                    storage,
                    config.snapshotIntervalEntries(),
                    config.snapshotIntervalBytes(),
                    config.snapshotLogTailEntries(),
                    snapshotWriter);
            SnapshotMeta restored = this.snapshots.restoreAtStartup();
            this.node = new RaftNode(
                    config.node(),
                    storage,
                    snapshots,
                    restored == null ? config.initialConf() : restored.conf(),
                    restored == null ? 0 : restored.index(),
                    forwardSession);
        } else {
            this.snapshotWriter = null;
            this.snapshots = null;
            this.node = new RaftNode(
                    config.node(),
                    storage,
                    SnapshotSource.NONE,
                    config.initialConf(),
                    storage.compactedThrough().index(),
                    forwardSession);
        }
        this.snapshotRequests = new ArrayBlockingQueue<>(SNAPSHOT_REQUESTS_MAX);
        this.currentTerm = storage.hardState().term();
        this.appliedIndex = node.status().appliedIndex();

        this.raftThread = new Thread(this::runLoop, "raft-" + id);
        raftThread.setDaemon(true);
        this.overlapped = new OverlappedSyncs(id, storage, metrics, this::sendAll, raftThread);
        this.notifier = new ThreadPoolExecutor(
                1,
                1,
                0,
                TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(config.pendingProposalsMax()
                        + config.pendingReadsMax()
                        + config.pendingAdminOperationsMax()
                        + NOTIFICATION_SLOTS_EXTRA),
                runnable -> {
                    Thread thread = new Thread(runnable, "raft-" + id + "-notify");
                    thread.setDaemon(true);
                    notifierThread = thread;
                    return thread;
                },
                (task, executor) -> {
                    // Unreachable while the slot accounting holds, and after shutdown by design: run the
                    // completion here rather than lose it.
                    if (!executor.isShutdown()) {
                        log.warn("node {}: notification queue full, running a notification inline", id);
                    }
                    task.run();
                });
        this.reads = new LinearizableReads(id, config, stateMachine, notifier, firstReadContext);
        this.admin = new AdminOperations(id, config, notifier);
        this.publishedStatus = new ServerStatus(ServerStatus.State.NEW, node.status(), appliedIndex, 0, 0, 0, null);
    }

    /** Same as {@link #RaftServer(RaftServerConfig, LogStorage, Transport, StateMachine, RaftMetrics)} without metrics. */
    public RaftServer(RaftServerConfig config, LogStorage storage, Transport transport, StateMachine stateMachine) {
        this(config, storage, transport, stateMachine, RaftMetrics.NOOP);
    }

    /**
     * Starts the transport and the Raft thread. Call once.
     *
     * @return this server
     * @throws IllegalStateException when already started or closed
     */
    public RaftServer start() {
        synchronized (lifecycleLock) {
            if (state != ServerStatus.State.NEW) {
                throw new IllegalStateException("node " + id + " cannot start: it is " + state);
            }
            state = ServerStatus.State.RUNNING;
        }
        transport.start(this::deliver);
        raftThread.start();
        return this;
    }

    public long id() {
        return id;
    }

    public RaftServerConfig config() {
        return config;
    }

    /**
     * Proposes {@code command} to the replicated log.
     *
     * <p>The future completes with the state machine's result once the command is committed <em>and
     * applied on this node</em>. On a follower the proposal is forwarded to the leader (when
     * {@link dev.raftchat.raft.core.NodeConfig#forwardProposals()} is on) and completes the same way.
     * It fails with:
     * <ul>
     *   <li>{@link NotLeaderException} (with the leader hint) when this node cannot propose: it is not the
     *       leader and forwarding is off, or no leader is known — the command was not logged;</li>
     *   <li>{@link ProposalRejectedException} when over a limit ({@code commandBytesMax},
     *       {@code pendingProposalsMax}, {@code pendingProposalBytesMax}, the node's uncommitted bytes) —
     *       the command was not logged;</li>
     *   <li>{@link ProposalNotCommittedException} when this node, as leader, appended it and a newer
     *       leader has committed a different entry at its index — certainly not committed;</li>
     *   <li>{@link RaftTimeoutException} when not applied within {@code proposalTimeoutMillis} —
     *       <b>outcome unknown</b>;</li>
     *   <li>{@link RaftShutdownException} when the server is not running or stops first — outcome
     *       unknown if it had reached Raft.</li>
     * </ul>
     * The command array is copied; the caller may reuse it. Never blocks.
     */
    public CompletableFuture<byte[]> propose(byte[] command) {
        Objects.requireNonNull(command, "command");
        if (state != ServerStatus.State.RUNNING) {
            return rejected(shutdownException());
        }
        if (command.length > config.commandBytesMax()) {
            return rejected(new ProposalRejectedException("node " + id + " rejected a command of " + command.length
                    + " bytes: larger than commandBytesMax=" + config.commandBytesMax()));
        }
        if (pendingProposals.incrementAndGet() > config.pendingProposalsMax()) {
            pendingProposals.decrementAndGet();
            return rejected(new ProposalRejectedException("node " + id + " has " + config.pendingProposalsMax()
                    + " proposals pending, the limit pendingProposalsMax; retry after some complete"));
        }
        long bytesNow = pendingProposalBytes.addAndGet(command.length);
        if (bytesNow > config.pendingProposalBytesMax()) {
            pendingProposalBytes.addAndGet(-command.length);
            pendingProposals.decrementAndGet();
            return rejected(new ProposalRejectedException("node " + id + " rejected a command of " + command.length
                    + " bytes: pending proposals would hold " + bytesNow + " bytes, over pendingProposalBytesMax="
                    + config.pendingProposalBytesMax() + "; retry after some complete"));
        }
        long sequence = lastSequence.incrementAndGet();
        long now = System.nanoTime();
        PendingProposal proposal = new PendingProposal(
                sequence,
                new CommandEnvelope(id, session, sequence, command).encode(),
                command.length,
                now,
                now + proposalTimeoutNanos);
        pending.put(sequence, proposal);
        if (!submitted.offer(proposal)) {
            // Unreachable: the queue's capacity is pendingProposalsMax and every element holds a slot.
            settle(proposal, null, new ProposalRejectedException("node " + id + ": proposal queue full"));
            return proposal.future;
        }
        if (state != ServerStatus.State.RUNNING) {
            // Perhaps lost a race with close(), which may already have failed everything pending.
            settle(proposal, null, shutdownException());
        }
        LockSupport.unpark(raftThread);
        return proposal.future;
    }

    /**
     * Reads linearizably (Raft thesis §6.4, ReadIndex): the future completes with
     * {@link StateMachine#query} of {@code query}, run on a state that includes every write whose future
     * completed before this call — on the leader or on a follower alike. Reads queued together share one
     * leadership confirmation round. Fails with:
     * <ul>
     *   <li>{@link NotLeaderException} when no leader is known;</li>
     *   <li>{@link ReadNotConfirmedException} when the leader could not confirm its leadership;</li>
     *   <li>{@link ReadRejectedException} when over {@code queryBytesMax} or {@code pendingReadsMax};</li>
     *   <li>{@link RaftTimeoutException} when not served within {@code readTimeoutMillis};</li>
     *   <li>{@link RaftShutdownException} when the server is not running;</li>
     *   <li>whatever {@link StateMachine#query} threw.</li>
     * </ul>
     * Reads change nothing, so every failure may be retried. Never blocks.
     */
    public CompletableFuture<byte[]> read(byte[] query) {
        Objects.requireNonNull(query, "query");
        if (state != ServerStatus.State.RUNNING) {
            return CompletableFuture.failedFuture(shutdownException());
        }
        LinearizableReads.PendingRead read = reads.submit(query);
        if (state != ServerStatus.State.RUNNING) {
            // Perhaps lost a race with close(), which may already have failed everything pending.
            reads.settle(read, null, shutdownException());
        }
        LockSupport.unpark(raftThread);
        return read.future;
    }

    /**
     * Changes the membership (Raft thesis §4.3). Only the leader accepts changes. A change of the voter
     * set passes through a joint configuration that the leader leaves by itself; the future completes
     * with the final configuration once it is applied on this node. Add a new node as a learner first
     * and promote it with {@link #addVoter} once it has caught up. Fails with {@link NotLeaderException},
     * {@link ProposalRejectedException} (another change in progress, or the leader has not yet committed
     * an entry of its term — retry shortly), {@link IllegalArgumentException} (the change does not apply
     * to the current configuration), {@link ProposalNotCommittedException} (a newer leader replaced it)
     * or {@link RaftTimeoutException} after {@code proposalTimeoutMillis} (outcome unknown).
     */
    public CompletableFuture<ConfState> changeMembership(ConfChange change) {
        Objects.requireNonNull(change, "change");
        if (state != ServerStatus.State.RUNNING) {
            return CompletableFuture.failedFuture(shutdownException());
        }
        CompletableFuture<ConfState> future = admin.submitMembershipChange(change);
        afterAdminSubmit();
        return future;
    }

    /** Adds {@code nodeId} as a voter, or promotes it from learner. See {@link #changeMembership}. */
    public CompletableFuture<ConfState> addVoter(long nodeId) {
        return changeMembership(ConfChange.addVoter(nodeId));
    }

    /** Adds {@code nodeId} as a learner: it receives the log but does not vote. See {@link #changeMembership}. */
    public CompletableFuture<ConfState> addLearner(long nodeId) {
        return changeMembership(ConfChange.addLearner(nodeId));
    }

    /** Removes voter or learner {@code nodeId}. See {@link #changeMembership}. */
    public CompletableFuture<ConfState> removeMember(long nodeId) {
        return changeMembership(ConfChange.remove(nodeId));
    }

    /**
     * Hands leadership to voter {@code targetId} (Raft thesis §3.10). Only the leader accepts it; it
     * refuses proposals meanwhile. The future completes once this node sees {@code targetId} lead, and
     * fails with {@link NotLeaderException} (this node does not lead, or another node won),
     * {@link IllegalArgumentException} (not a voter) or {@link RaftTimeoutException} (the target did not
     * catch up within an election timeout, and this node still leads).
     */
    public CompletableFuture<Void> transferLeadership(long targetId) {
        if (state != ServerStatus.State.RUNNING) {
            return CompletableFuture.failedFuture(shutdownException());
        }
        CompletableFuture<Void> future = admin.submitTransfer(targetId);
        afterAdminSubmit();
        return future;
    }

    private void afterAdminSubmit() {
        if (state != ServerStatus.State.RUNNING) {
            admin.failAll(shutdownException(), false);
        }
        LockSupport.unpark(raftThread);
    }

    /**
     * A snapshot of this server: role, term, leader, commit and applied index, members, counters. Safe
     * from any thread; never waits for the Raft thread (the Raft part may lag by one loop iteration).
     */
    /**
     * Takes a snapshot of the state machine at its current applied index (unless one is already being
     * written, whose completion then answers), then compacts the log behind it.
     *
     * @return completes with the snapshot's metadata once it is durable; fails with
     *         {@link ProposalRejectedException} when too many requests are queued, or
     *         {@link IllegalStateException} when the server has no snapshot store
     */
    public CompletableFuture<SnapshotMeta> takeSnapshot() {
        if (snapshots == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("node " + id + " has no snapshot store"));
        }
        if (state != ServerStatus.State.RUNNING) {
            return CompletableFuture.failedFuture(shutdownException());
        }
        CompletableFuture<SnapshotMeta> future = new CompletableFuture<>();
        if (!snapshotRequests.offer(future)) {
            return CompletableFuture.failedFuture(new ProposalRejectedException(
                    "node " + id + ": more than " + SNAPSHOT_REQUESTS_MAX + " snapshot requests queued"));
        }
        LockSupport.unpark(raftThread);
        return future;
    }

    /**
     * Whether this node is running and was the leader when it last published its status: the allocation-free
     * check for a client that sends every proposal to the leader. Like {@link #status()}, it may be stale by
     * the time the caller acts on it; a proposal sent to a former leader fails with
     * {@link NotLeaderException} or is forwarded.
     */
    public boolean isLeader() {
        return state == ServerStatus.State.RUNNING && publishedStatus.raft().role() == Role.LEADER;
    }

    public ServerStatus status() {
        ServerStatus last = publishedStatus;
        return new ServerStatus(
                state,
                last.raft(),
                last.appliedIndex(),
                pendingProposals.get(),
                reads.pendingCount(),
                inboundMessagesDropped.get(),
                failure);
    }

    /** Adds a listener; it sees events from now on (read {@link #status()} for the current leader). */
    public void addListener(RaftServerListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(RaftServerListener listener) {
        listeners.remove(listener);
    }

    /**
     * Stops the server: the Raft thread finishes the Ready it is handling (never abandons one between
     * persisting and advancing) and exits, pending futures fail with {@link RaftShutdownException}, the
     * transport and the storage are closed, listeners get {@code onStopped}. Waits up to
     * {@link RaftServerConfig#shutdownTimeoutMillis()} for the threads. Idempotent; safe from any thread,
     * including callbacks.
     */
    @Override
    public void close() {
        boolean wasNew;
        synchronized (lifecycleLock) {
            if (closeStarted) {
                return;
            }
            closeStarted = true;
            wasNew = state == ServerStatus.State.NEW;
            if (state != ServerStatus.State.FAILED) {
                state = ServerStatus.State.CLOSED;
            }
        }
        boolean raftThreadStopped = wasNew || awaitRaftThread();
        overlapped.shutdown(); // the Raft thread waited for the sync in flight before it stopped
        transport.close();
        if (snapshotWriter != null) {
            snapshotWriter.shutdown();
            RaftShutdownException stopped = shutdownException();
            for (CompletableFuture<SnapshotMeta> request = snapshotRequests.poll();
                    request != null;
                    request = snapshotRequests.poll()) {
                request.completeExceptionally(stopped);
            }
            if (raftThreadStopped) {
                snapshots.failWaiting(stopped);
            }
            try {
                if (!snapshotWriter.awaitTermination(config.shutdownTimeoutMillis(), TimeUnit.MILLISECONDS)) {
                    log.warn(
                            "node {}: snapshot writer still busy after shutdownTimeoutMillis={}",
                            id,
                            config.shutdownTimeoutMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        failAllPending(shutdownException(), raftThreadStopped);
        if (raftThreadStopped) {
            storage.close();
        } else {
            log.warn(
                    "node {}: Raft thread did not stop within shutdownTimeoutMillis={}; storage left open",
                    id,
                    config.shutdownTimeoutMillis());
        }
        if (failure == null) {
            notifyStopped(null);
        }
        notifier.shutdown();
        if (Thread.currentThread() != notifierThread) {
            try {
                if (!notifier.awaitTermination(config.shutdownTimeoutMillis(), TimeUnit.MILLISECONDS)) {
                    log.warn(
                            "node {}: notification thread still busy after shutdownTimeoutMillis={}",
                            id,
                            config.shutdownTimeoutMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean awaitRaftThread() {
        LockSupport.unpark(raftThread);
        if (Thread.currentThread() == raftThread) {
            return false;
        }
        try {
            raftThread.join(config.shutdownTimeoutMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !raftThread.isAlive();
    }

    // ---------------------------------------------------------------- inputs from other threads

    /** The transport's inbox: enqueue or drop, never block. */
    private void deliver(Message message) {
        if (state != ServerStatus.State.RUNNING) {
            return;
        }
        if (!inbox.offer(message)) {
            inboundMessagesDropped.incrementAndGet();
            metrics.inboundMessageDropped();
            return;
        }
        LockSupport.unpark(raftThread);
    }

    // ---------------------------------------------------------------- the Raft thread

    private void runLoop() {
        Throwable fatal = null;
        try {
            List<Message> messageBatch = new ArrayList<>();
            List<PendingProposal> proposalBatch = new ArrayList<>();
            long nextTickAtNanos = System.nanoTime() + tickNanos;
            publishStatus();
            while (state == ServerStatus.State.RUNNING) {
                boolean changed = overlapped.finishIfDone(node::synced);

                messageBatch.clear();
                inbox.drainTo(messageBatch, config.inboxBatchMessagesMax());
                for (Message message : messageBatch) {
                    node.step(message);
                }
                changed |= !messageBatch.isEmpty();

                long now = System.nanoTime();
                if (now - nextTickAtNanos >= 0) {
                    node.tick();
                    changed = true;
                    nextTickAtNanos += tickNanos;
                    if (now - nextTickAtNanos >= 0) {
                        // Fell behind (a slow sync, a GC pause): skip the missed ticks rather than fire
                        // them in a burst, which would expire election timeouts that peers' messages,
                        // still queued in the inbox, were about to reset. They still age the read lease,
                        // which must not outlive real time.
                        node.ticksLost((now - nextTickAtNanos) / tickNanos + 1);
                        nextTickAtNanos = now + tickNanos;
                    }
                }

                proposalBatch.clear();
                collectProposalBatch(proposalBatch, now);
                if (!proposalBatch.isEmpty()) {
                    proposeBatch(proposalBatch);
                    changed = true;
                }
                changed |= reads.requestConfirmation(node);
                changed |= admin.startQueued(node, now);

                while (node.hasReady()) {
                    handleReady(node.ready());
                    changed = true;
                }

                if (snapshots != null) {
                    for (CompletableFuture<SnapshotMeta> request = snapshotRequests.poll();
                            request != null;
                            request = snapshotRequests.poll()) {
                        snapshots.request(request);
                    }
                    changed |= snapshots.finishWritten();
                    changed |= snapshots.maybeStart(
                            appliedIndex, () -> node.status().conf());
                }

                long afterReadyNanos = System.nanoTime();
                changed |= expireProposals(afterReadyNanos);
                changed |= reads.expire(afterReadyNanos);
                changed |= admin.check(node, afterReadyNanos);
                if (changed) {
                    publishStatus();
                }
                if (inbox.isEmpty()
                        && submitted.isEmpty()
                        && deferredProposal == null
                        && !reads.hasSubmitted()
                        && !admin.hasSubmitted()
                        && !overlapped.finished()
                        && state == ServerStatus.State.RUNNING) {
                    long waitNanos = nextTickAtNanos - System.nanoTime();
                    if (waitNanos > 0) {
                        LockSupport.parkNanos(this, waitNanos);
                    }
                    // Nobody should interrupt this thread; if someone does, a set flag would make every
                    // later park return at once and the loop spin, so clear it.
                    if (Thread.interrupted()) {
                        log.warn("node {}: the Raft thread was interrupted; ignoring (use close() to stop)", id);
                    }
                }
            }
        } catch (Throwable t) {
            fatal = t;
        }
        try {
            overlapped.awaitAndShutdown();
        } catch (Throwable t) {
            if (fatal == null) {
                fatal = t;
            }
        }
        if (fatal != null) {
            stopAfterFailure(fatal);
        } else {
            // Closed. close() fails what is pending too, but cannot touch this thread's state when it
            // was called from this very thread (a state machine or a listener running inline).
            failAllPending(shutdownException(), true);
        }
    }

    /**
     * Takes up to {@code proposalBatchMax} queued proposals and at most {@code proposalBatchBytesMax}
     * bytes (but always at least one), skipping those already completed and timing out those whose
     * deadline passed while they were queued.
     */
    private void collectProposalBatch(List<PendingProposal> batch, long nowNanos) {
        long batchBytes = 0;
        while (batch.size() < config.proposalBatchMax()) {
            PendingProposal next;
            if (deferredProposal != null) {
                next = deferredProposal;
                deferredProposal = null;
            } else {
                next = submitted.poll();
                if (next == null) {
                    return;
                }
                trackExpiry(next);
            }
            if (next.settled.get()) {
                continue;
            }
            if (next.deadlineNanos - nowNanos <= 0) {
                timeOut(next);
                continue;
            }
            if (!batch.isEmpty() && batchBytes + next.envelope.length > config.proposalBatchBytesMax()) {
                deferredProposal = next;
                return;
            }
            batch.add(next);
            batchBytes += next.envelope.length;
        }
    }

    private void proposeBatch(List<PendingProposal> batch) {
        List<byte[]> payloads = new ArrayList<>(batch.size());
        for (PendingProposal proposal : batch) {
            payloads.add(proposal.envelope);
        }
        try {
            Proposal outcome = node.propose(payloads);
            metrics.proposalsBatched(payloads.size());
            if (outcome instanceof Proposal.Appended appended) {
                Check.that(
                        appended.count() == batch.size(),
                        "node %s appended %s of %s proposals",
                        id,
                        appended.count(),
                        batch.size());
                for (int i = 0; i < batch.size(); i++) {
                    appendedAtIndex.put(appended.firstIndex() + i, batch.get(i));
                }
                if (appendedAtIndex.size() > 2 * config.pendingProposalsMax()) {
                    appendedAtIndex.values().removeIf(proposal -> proposal.settled.get());
                }
            }
        } catch (NotLeaderException | ProposalRejectedException e) {
            for (PendingProposal proposal : batch) {
                metrics.proposalRejected(e.getClass());
                settle(proposal, null, e);
            }
        }
    }

    private void handleReady(Ready ready) {
        if (config.overlapSyncs()
                && ready.mayAdvanceBeforeSync()
                && (ready.entries().isEmpty() || ready.entries().get(0).index() == storage.lastIndex() + 1)) {
            handleReadyOverlapped(ready);
            return;
        }
        List<Message> heldForThisSync = List.of();
        if (ready.needsSync()) {
            // Storage allows only extending appends while a sync is pending; this Ready's own sync will
            // also cover what was written since (advance() then counts everything durable).
            heldForThisSync = overlapped.awaitForSyncOnRaftThread();
        }
        sendAll(ready.messages());
        if (!ready.snapshotChunks().isEmpty() || ready.snapshot() != null) {
            if (snapshots == null) {
                throw new IllegalStateException("node " + id + " received a snapshot from its leader but has no "
                        + "snapshot store; configure one on every node of a cluster that compacts its log");
            }
            snapshots.stage(ready.snapshotChunks());
            if (ready.snapshot() != null) {
                snapshots.install(ready.snapshot());
                appliedIndex = ready.snapshot().index();
            }
        }
        // Committed entries already in the log before this Ready's new entries were made durable by an
        // earlier sync: apply them and answer their proposers now, before this Ready's sync, rather than one
        // sync later. On a leader this is the common case under load: followers' acknowledgements of batch k
        // arrive while the leader syncs batch k, so the Ready that commits batch k also carries batch k+1.
        List<Entry> committed = ready.committedEntries();
        int durableCommitted = committedBefore(committed, ready.entries());
        if (durableCommitted > 0 && ready.needsSync()) {
            applyCommitted(committed.subList(0, durableCommitted));
            reads.onReadStates(ready.readStates());
            reads.serveApplied(appliedIndex);
            if (!appliedProposals.isEmpty()) {
                publishStatus();
                completeAppliedProposals();
            }
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
        if (ready.needsSync()) {
            long syncStartNanos = System.nanoTime();
            storage.sync();
            metrics.syncCompleted(
                    System.nanoTime() - syncStartNanos, ready.entries().size());
        }
        sendAll(heldForThisSync);
        sendAll(ready.messagesAfterSync());
        applyCommitted(committed.subList(durableCommitted, committed.size()));
        if (durableCommitted == 0) {
            reads.onReadStates(ready.readStates());
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
        if (!appliedProposals.isEmpty()) {
            publishStatus();
            completeAppliedProposals();
        }
    }

    /**
     * A Ready that needs a sync only for its entries and acknowledgements (a leader's batch, a follower's
     * append): write the entries, do the other duties, advance, and leave the sync to the sync thread —
     * one in flight at a time, each covering everything written before it began — with the Ready's
     * acknowledgements held until a sync begun after its writes completes. Meanwhile the Raft thread goes
     * on stepping acknowledgements, appends and proposals; the node counts these entries toward a quorum
     * and applies them only once {@link RaftNode#synced} reports them durable.
     */
    private void handleReadyOverlapped(Ready ready) {
        sendAll(ready.messages());
        if (!ready.entries().isEmpty()) {
            storage.append(ready.entries());
        }
        applyCommitted(ready.committedEntries());
        reads.onReadStates(ready.readStates());
        reads.serveApplied(appliedIndex);
        if (ready.softState() != null) {
            noteSoftState(ready.softState());
        }
        node.advanceWithoutSync(ready);
        metrics.readyHandled(
                ready.entries().size(),
                ready.messages().size(),
                ready.committedEntries().size());
        if (!appliedProposals.isEmpty()) {
            publishStatus();
            completeAppliedProposals();
        }
        overlapped.written(ready.entries(), ready.messagesAfterSync());
        // The Ready is advanced, so the node may hear of a finished sync now: at once when there was nothing
        // to force (sync disabled), or when the sync thread was quick.
        overlapped.finishIfDone(node::synced);
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

    /**
     * Completes the proposals applied by the Ready just handled, in log order, with one notification task
     * for all of them: under load a Ready applies hundreds, and a task per proposal cost the notification
     * thread a queue hand-off each.
     */
    private void completeAppliedProposals() {
        if (appliedProposals.isEmpty()) {
            return;
        }
        List<AppliedProposal> batch = new ArrayList<>(appliedProposals.size());
        for (AppliedProposal applied : appliedProposals) {
            if (claim(applied.proposal())) {
                batch.add(applied);
            }
        }
        appliedProposals.clear();
        if (!batch.isEmpty()) {
            notifier.execute(() -> {
                for (AppliedProposal applied : batch) {
                    release(applied.proposal());
                    applied.proposal().future.complete(applied.result());
                }
            });
        }
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
            long completedSequence = entry.type() == EntryType.NORMAL ? applyNormal(entry) : NO_SEQUENCE;
            if (snapshots != null) {
                snapshots.onApplied(entry.data().length);
            }
            PendingProposal appendedHere = appendedAtIndex.remove(entry.index());
            if (appendedHere != null && appendedHere.sequence != completedSequence) {
                settle(
                        appendedHere,
                        null,
                        new ProposalNotCommittedException("proposal " + appendedHere.sequence
                                + " of node " + id + " was not committed: log index " + entry.index()
                                + " now holds a different entry of term " + entry.term()
                                + ", written by a newer leader; retrying cannot apply it twice"));
            }
            admin.onApplied(entry);
            // NO_OP entries carry nothing to apply; CONFIG_CHANGE is applied by the node in advance().
            appliedIndex = entry.index();
        }
        metrics.entriesApplied(entries.size(), appliedIndex);
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
            return NO_SEQUENCE;
        }
        CommandEnvelope envelope = CommandEnvelope.decode(entry.index(), entry.data());
        byte[] result;
        try {
            result = stateMachine.apply(entry.index(), envelope.command());
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
        if (envelope.originId() == id && envelope.session() == session) {
            PendingProposal proposal = pending.get(envelope.sequence());
            if (proposal != null) {
                metrics.proposalCompleted(System.nanoTime() - proposal.submittedAtNanos);
                appliedProposals.add(new AppliedProposal(proposal, result));
                return proposal.sequence;
            }
        }
        return NO_SEQUENCE;
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
        latestLeaderChange.set(change);
        if (leaderNotificationScheduled.compareAndSet(false, true)) {
            notifier.execute(this::deliverLatestLeaderChange);
        }
    }

    /** Fails pending proposals whose deadline passed; returns whether any did. */
    /**
     * Fails the proposals whose deadline passed. Those still in {@link #submitted} are timed out when
     * the Raft thread takes them ({@link #collectProposalBatch}), which it does every iteration.
     */
    private boolean expireProposals(long nowNanos) {
        boolean expired = false;
        for (PendingProposal oldest = expiryOrder.peekFirst(); oldest != null; oldest = expiryOrder.peekFirst()) {
            if (oldest.settled.get()) {
                expiryOrder.pollFirst();
                continue;
            }
            if (oldest.deadlineNanos - nowNanos > 0) {
                return expired;
            }
            expiryOrder.pollFirst();
            timeOut(oldest);
            expired = true;
        }
        return expired;
    }

    private void trackExpiry(PendingProposal proposal) {
        expiryOrder.addLast(proposal);
        if (expiryOrder.size() > EXPIRY_ORDER_SWEEP_FACTOR * config.pendingProposalsMax()) {
            expiryOrder.removeIf(tracked -> tracked.settled.get());
        }
    }

    private void timeOut(PendingProposal proposal) {
        metrics.proposalTimedOut();
        settle(
                proposal,
                null,
                new RaftTimeoutException("proposal " + proposal.sequence + " of node " + id
                        + " was not applied within proposalTimeoutMillis=" + config.proposalTimeoutMillis()
                        + "; its outcome is unknown: it may still be committed and applied, or be lost"
                        + " (retry only idempotent commands)"));
    }

    private void publishStatus() {
        publishedStatus = new ServerStatus(
                state,
                node.status(),
                appliedIndex,
                pendingProposals.get(),
                reads.pendingCount(),
                inboundMessagesDropped.get(),
                failure);
    }

    private void stopAfterFailure(Throwable fatal) {
        synchronized (lifecycleLock) {
            failure = fatal;
            state = ServerStatus.State.FAILED;
        }
        log.error(
                "node {} stopped after a fatal failure; pending proposals fail, close() releases resources", id, fatal);
        // Entries applied before the failure are committed: their proposers get the real result.
        completeAppliedProposals();
        failAllPending(shutdownException(), true);
        transport.close();
        notifyStopped(fatal);
    }

    // ---------------------------------------------------------------- completions

    /** @param raftThreadStopped whether state owned by the Raft thread may be touched (it has stopped, or this is it) */
    private void failAllPending(RaftShutdownException exception, boolean raftThreadStopped) {
        reads.failAll(exception);
        admin.failAll(exception, raftThreadStopped);
        PendingProposal proposal;
        while ((proposal = submitted.poll()) != null) {
            settle(proposal, null, exception);
        }
        List<PendingProposal> remaining = new ArrayList<>(pending.values());
        remaining.sort(Comparator.comparingLong(pendingProposal -> pendingProposal.sequence));
        for (PendingProposal pendingProposal : remaining) {
            settle(pendingProposal, null, exception);
        }
    }

    /** Completes a proposal exactly once, on the notification thread, then frees its slot. */
    private void settle(PendingProposal proposal, byte[] result, Throwable error) {
        if (!claim(proposal)) {
            return;
        }
        notifier.execute(() -> {
            release(proposal);
            if (error == null) {
                proposal.future.complete(result);
            } else {
                proposal.future.completeExceptionally(error);
            }
        });
    }

    /** Makes the caller the one completer of {@code proposal}; false when someone else already is. */
    private boolean claim(PendingProposal proposal) {
        if (!proposal.settled.compareAndSet(false, true)) {
            return false;
        }
        pending.remove(proposal.sequence, proposal);
        return true;
    }

    /** Frees the slot of a claimed proposal, just before its future completes (on the notification thread). */
    private void release(PendingProposal proposal) {
        pendingProposalBytes.addAndGet(-proposal.commandBytes);
        pendingProposals.decrementAndGet();
    }

    private CompletableFuture<byte[]> rejected(RuntimeException exception) {
        metrics.proposalRejected(exception.getClass());
        return CompletableFuture.failedFuture(exception);
    }

    private RaftShutdownException shutdownException() {
        Throwable cause = failure;
        if (cause != null) {
            return new RaftShutdownException(
                    "node " + id + " stopped after a fatal failure (" + cause
                            + "); the outcome of a proposal already handed to Raft is unknown",
                    cause);
        }
        if (state == ServerStatus.State.NEW) {
            return new RaftShutdownException("node " + id + " is not started");
        }
        return new RaftShutdownException(
                "node " + id + " is closed; the outcome of a proposal already handed" + " to Raft is unknown");
    }

    private void deliverLatestLeaderChange() {
        leaderNotificationScheduled.set(false);
        LeaderChange change = latestLeaderChange.get();
        if (change == null || change.equals(lastDeliveredLeaderChange)) {
            return;
        }
        lastDeliveredLeaderChange = change;
        for (RaftServerListener listener : listeners) {
            try {
                listener.onLeaderChange(change);
            } catch (RuntimeException e) {
                log.warn("node {}: a listener failed on {}", id, change, e);
            }
        }
    }

    private void notifyStopped(Throwable cause) {
        notifier.execute(() -> {
            for (RaftServerListener listener : listeners) {
                try {
                    listener.onStopped(cause);
                } catch (RuntimeException e) {
                    log.warn("node {}: a listener failed on stop", id, e);
                }
            }
        });
    }

    private record AppliedProposal(PendingProposal proposal, byte[] result) {}

    /** A proposal from {@link #propose} until its future is completed. */
    private static final class PendingProposal {
        final long sequence;
        final byte[] envelope;
        final int commandBytes;
        final long submittedAtNanos;
        final long deadlineNanos;
        final CompletableFuture<byte[]> future = new CompletableFuture<>();
        /** Set by whoever completes the proposal first; guarantees exactly one completion. */
        final AtomicBoolean settled = new AtomicBoolean();

        PendingProposal(long sequence, byte[] envelope, int commandBytes, long submittedAtNanos, long deadlineNanos) {
            this.sequence = sequence;
            this.envelope = envelope;
            this.commandBytes = commandBytes;
            this.submittedAtNanos = submittedAtNanos;
            this.deadlineNanos = deadlineNanos;
        }
    }
}
