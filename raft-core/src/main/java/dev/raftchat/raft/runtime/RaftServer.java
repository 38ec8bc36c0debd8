package dev.raftchat.raft.runtime;

import dev.raftchat.raft.confchange.ConfChange;
import dev.raftchat.raft.core.NotLeaderException;
import dev.raftchat.raft.core.ProposalRejectedException;
import dev.raftchat.raft.core.Role;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.SnapshotMeta;
import dev.raftchat.raft.statemachine.StateMachine;
import dev.raftchat.raft.storage.LogStorage;
import dev.raftchat.raft.storage.SnapshotStore;
import dev.raftchat.raft.transport.Transport;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one pure {@link dev.raftchat.raft.core.RaftNode} on one thread it owns, wiring it to a {@link LogStorage}, a
 * {@link Transport} and a {@link StateMachine}, and offers the asynchronous API applications use.
 *
 * <p><b>One runtime, two drivers.</b> This class is the thread binding of {@link RaftDriver}, which holds the
 * runtime's logic free of threads and of the clock: here a Raft thread, a sync thread
 * ({@link ThreadSyncExecutor}), a notification thread and {@link RaftClock#SYSTEM}; under the deterministic
 * simulator one thread and virtual time drive the same driver.
 *
 * <p><b>The Raft thread.</b> Everything that touches the node, the storage and the state machine runs on
 * one dedicated thread ({@code raft-<id>}). Each iteration of its loop: step a bounded batch of inbound
 * messages; tick when a tick is due (every {@link RaftServerConfig#tickMillis()}); hand a bounded batch
 * of proposals to the node in one {@code propose} call, queued reads in one {@code readIndex} request,
 * and queued membership changes or transfers; then, while the node has a {@link dev.raftchat.raft.core.Ready}: send
 * {@code messages()}, append the entries and save the hard state, <em>one</em> {@code sync()}, send
 * {@code messagesAfterSync()}, apply the committed entries, serve reads whose index is applied,
 * {@code advance}. A burst of concurrent
 * proposals therefore costs one sync per Ready (group commit), not one per proposal. When there is
 * nothing to do the thread parks until the next tick or until new input arrives.
 *
 * <p><b>Overlapped syncs</b> ({@link RaftServerConfig#overlapSyncs()}, on by default). A Ready that needs a
 * sync only for its entries and acknowledgements ({@link dev.raftchat.raft.core.Ready#mayAdvanceBeforeSync()}) is written and
 * advanced without waiting: its sync runs on the sync thread ({@code raft-<id>-sync}), one at a time, each
 * covering everything written before it began, and its acknowledgements leave when that sync completes,
 * which the Raft thread reports to the node ({@link dev.raftchat.raft.core.RaftNode#synced}) at the top of its loop. The Raft
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

    /** Draws each run's forwarding session and first read context. */
    private static final SecureRandom RUN_RANDOM = new SecureRandom();

    private final RaftServerConfig config;
    private final long id;
    private final LogStorage storage;
    private final Transport transport;
    private final RaftMetrics metrics;

    private final ArrayBlockingQueue<Message> inbox;
    private final AtomicLong inboundMessagesDropped = new AtomicLong();

    private final Thread raftThread;
    /** True while the Raft thread checks its queues for the last time and parks; see wakeRaftThreadForProposal. */
    private volatile boolean raftThreadParking;

    private final ThreadPoolExecutor notifier;
    private final SyncExecutor syncs;
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
    /** The Raft thread's record of what {@link #publishedStatus} shows, and whether it is behind (see publishStatusIfDue). */
    private boolean statusStale;

    private long statusPublishedAtNanos;
    private long publishedAppliedIndex;
    private Role publishedRole;
    private long publishedTerm;
    private long publishedLeaderId;
    private final long tickNanos;
    private boolean closeStarted;

    /** Writes snapshots off the Raft thread; null without a snapshot store. */
    private final ThreadPoolExecutor snapshotWriter;

    /** The runtime's logic; owned by the Raft thread once started (its request methods are thread-safe). */
    private final RaftDriver driver;

    /** Where a {@link NotLeaderException}'s leader can be reached (see {@link Builder#leaderAddresses}). */
    private volatile LongFunction<Optional<String>> leaderAddresses;

    /**
     * The way to make a server: {@code RaftServer.builder(config, storage, transport, stateMachine)}, then the
     * optional parts ({@link Builder#snapshots}, {@link Builder#metrics}, {@link Builder#leaderAddresses}), then
     * {@link Builder#build()} or {@link Builder#start()}.
     */
    public static Builder builder(
            RaftServerConfig config, LogStorage storage, Transport transport, StateMachine stateMachine) {
        return new Builder(config, storage, transport, stateMachine);
    }

    /** Collects a server's parts; not thread-safe. */
    public static final class Builder {
        private final RaftServerConfig config;
        private final LogStorage storage;
        private final Transport transport;
        private final StateMachine stateMachine;
        private SnapshotStore snapshots;
        private RaftMetrics metrics = RaftMetrics.NOOP;
        private LongFunction<Optional<String>> leaderAddresses;

        private Builder(RaftServerConfig config, LogStorage storage, Transport transport, StateMachine stateMachine) {
            this.config = Objects.requireNonNull(config, "config");
            this.storage = Objects.requireNonNull(storage, "storage");
            this.transport = Objects.requireNonNull(transport, "transport");
            this.stateMachine = Objects.requireNonNull(stateMachine, "stateMachine");
        }

        /**
         * Where snapshots live: the state machine is snapshotted every
         * {@link RaftServerConfig#snapshotIntervalEntries()} entries and on {@link #takeSnapshot()}, the log is
         * compacted behind each snapshot, the state machine is restored from the newest one at start, and
         * followers too far behind are sent it in chunks. Without one the log is never compacted.
         */
        public Builder snapshots(SnapshotStore store) {
            this.snapshots = Objects.requireNonNull(store, "store");
            return this;
        }

        /** Where to report metrics; {@link RaftMetrics#NOOP} by default. */
        public Builder metrics(RaftMetrics value) {
            this.metrics = Objects.requireNonNull(value, "metrics");
            return this;
        }

        /**
         * Maps a node id to the address a client should use to reach that node, reported by
         * {@link NotLeaderException#leaderAddress()}. By default the transport's address of the node
         * ({@link Transport#peerAddress}); a service whose clients use another port (HTTP beside Raft) maps its
         * own. Called on any thread; must not block.
         */
        public Builder leaderAddresses(LongFunction<Optional<String>> addresses) {
            this.leaderAddresses = Objects.requireNonNull(addresses, "addresses");
            return this;
        }

        /** The server, not started. */
        public RaftServer build() {
            RaftServer server = new RaftServer(config, storage, snapshots, transport, stateMachine, metrics);
            if (leaderAddresses != null) {
                server.leaderAddresses = leaderAddresses;
            }
            return server;
        }

        /** The server, started. */
        public RaftServer start() {
            return build().start();
        }
    }

    /**
     * Creates a server whose state machine is snapshotted into {@code snapshots} (every
     * {@link RaftServerConfig#snapshotIntervalEntries()} entries, and on {@link #takeSnapshot()}), whose
     * log is compacted behind each snapshot, and which restores the state machine from the newest
     * snapshot before it starts. Followers too far behind are sent the snapshot in chunks.
     *
     * @param snapshots where snapshots live; null for none (then the log is never compacted)
     */
    private RaftServer(
            RaftServerConfig config,
            LogStorage storage,
            SnapshotStore snapshots,
            Transport transport,
            StateMachine stateMachine,
            RaftMetrics metrics) {
        this.config = Objects.requireNonNull(config, "config");
        this.storage = Objects.requireNonNull(storage, "storage");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.id = config.id();
        this.tickNanos = TimeUnit.MILLISECONDS.toNanos(config.tickMillis());
        this.leaderAddresses = transport::peerAddress;
        this.inbox = new ArrayBlockingQueue<>(config.inboxMessagesMax());
        this.snapshotWriter = snapshots == null
                ? null
                : new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(1), runnable -> {
                    Thread thread = new Thread(runnable, "raft-" + id + "-snapshot");
                    thread.setDaemon(true);
                    return thread;
                });
        this.raftThread = new Thread(this::runLoop, "raft-" + id);
        raftThread.setDaemon(true);
        this.syncs = new ThreadSyncExecutor(id, raftThread);
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
        RaftDriver.Events events = new RaftDriver.Events() {
            @Override
            public void beforeCompletions() {
                publishStatus();
            }

            @Override
            public void leaderChanged(LeaderChange change) {
                latestLeaderChange.set(change);
                if (leaderNotificationScheduled.compareAndSet(false, true)) {
                    notifier.execute(RaftServer.this::deliverLatestLeaderChange);
                }
            }
        };
        RaftDriver created;
        try {
            created = new RaftDriver(
                    config,
                    storage,
                    snapshots,
                    transport,
                    stateMachine,
                    metrics,
                    new RaftDriver.Bindings(
                            RaftClock.SYSTEM,
                            syncs,
                            notifier,
                            snapshotWriter,
                            ThreadLocalRandom.current().nextLong(),
                            // Forwarding sessions and read contexts must differ in every run of this node,
                            // whatever its NodeConfig.randomSeed: a late answer or duplicate check from the
                            // previous run would otherwise match this run's requests (a forward dropped as a
                            // duplicate; a read confirmed at an old index).
                            RUN_RANDOM.nextLong() >>> 1,
                            RUN_RANDOM.nextLong() >>> 2,
                            events));
        } catch (RuntimeException | Error e) {
            notifier.shutdown();
            if (snapshotWriter != null) {
                snapshotWriter.shutdown();
            }
            throw e;
        }
        this.driver = created;
        driver.routeProposalFailures(this::withLeaderAddress);
        this.publishedStatus =
                new ServerStatus(ServerStatus.State.NEW, driver.nodeStatus(), driver.appliedIndex(), 0, 0, 0, null);
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
        Proposals.PendingProposal proposal = submit(command);
        if (proposal == null) {
            return CompletableFuture.failedFuture(shutdownException());
        }
        // Not routed(): the driver adds the leader's address to a NotLeaderException itself (routeFailures), which
        // spares every proposal a dependent future.
        return proposal.future;
    }

    /**
     * {@link #propose}, answering also the log index at which the command was committed and applied: the same
     * on every replica, so it can serve as a version, an id or a position to wait for elsewhere
     * ({@link ServerStatus#appliedIndex()}). Fails as {@link #propose} does.
     */
    public CompletableFuture<ProposalResult> proposeWithIndex(byte[] command) {
        Proposals.PendingProposal proposal = submit(command);
        if (proposal == null) {
            return CompletableFuture.failedFuture(shutdownException());
        }
        return proposal.future.thenApply(result -> new ProposalResult(proposal.appliedIndex, result));
    }

    /**
     * Queues {@code command} for the Raft thread and wakes it; null, with the rejection counted, when the server is
     * not running. The two {@code propose} methods differ only in what their future answers.
     */
    private Proposals.PendingProposal submit(byte[] command) {
        Objects.requireNonNull(command, "command");
        if (state != ServerStatus.State.RUNNING) {
            metrics.proposalRejected(RaftShutdownException.class);
            return null;
        }
        Proposals.PendingProposal proposal = driver.submitProposal(command);
        if (state != ServerStatus.State.RUNNING) {
            // Perhaps lost a race with close(), which may already have failed everything pending.
            driver.failProposal(proposal, shutdownException());
        }
        wakeRaftThreadForProposal();
        return proposal;
    }

    /**
     * Wakes the Raft thread for a queued proposal only when it is parking or parked: under load it is awake, and
     * an unpark per proposal cost the submitters (and the Raft thread, whose park state they contend on) 2–4 % of
     * the Java CPU samples. The Raft thread raises {@link #raftThreadParking} before it checks its queues for the
     * last time, and the proposal was queued before this read: one of the two sees the other.
     */
    private void wakeRaftThreadForProposal() {
        if (raftThreadParking) {
            LockSupport.unpark(raftThread);
        }
    }

    /** Adds the leader's address to a {@link NotLeaderException} the future fails with. */
    private <T> CompletableFuture<T> routed(CompletableFuture<T> future) {
        return future.exceptionallyCompose(failure -> CompletableFuture.failedFuture(withLeaderAddress(failure)));
    }

    private Throwable withLeaderAddress(Throwable failure) {
        Throwable cause =
                failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (!(cause instanceof NotLeaderException notLeader)
                || notLeader.leaderHint() == 0
                || notLeader.leaderAddress().isPresent()) {
            return cause;
        }
        Optional<String> address;
        try {
            address = leaderAddresses.apply(notLeader.leaderHint());
        } catch (RuntimeException e) {
            log.warn("node {}: the leader address lookup failed for node {}", id, notLeader.leaderHint(), e);
            return cause;
        }
        if (address == null || address.isEmpty()) {
            return cause;
        }
        NotLeaderException routed = new NotLeaderException(notLeader.nodeId(), notLeader.leaderHint(), address.get());
        routed.setStackTrace(notLeader.getStackTrace());
        return routed;
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
        LinearizableReads.PendingRead read = driver.submitRead(query);
        if (state != ServerStatus.State.RUNNING) {
            // Perhaps lost a race with close(), which may already have failed everything pending.
            driver.failRead(read, shutdownException());
        }
        LockSupport.unpark(raftThread);
        return routed(read.future);
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
        CompletableFuture<ConfState> future = driver.changeMembership(change);
        afterAdminSubmit();
        return routed(future);
    }

    /** Adds {@code nodeId} as a voter, or promotes it from learner. See {@link #changeMembership}. */
    public CompletableFuture<ConfState> addVoter(long nodeId) {
        return changeMembership(ConfChange.addVoter(nodeId));
    }

    /** Adds {@code nodeId} as a learner: it receives the log but does not vote. See {@link #changeMembership}. */
    public CompletableFuture<ConfState> addLearner(long nodeId) {
        return changeMembership(ConfChange.addLearner(nodeId));
    }

    /**
     * Adds {@code nodeId} as a voter with a {@link ConfChange#context() context} (for example its address) that
     * replicates with the change and reaches {@code StateMachine#applyMembershipChange} on every node.
     */
    public CompletableFuture<ConfState> addVoter(long nodeId, byte[] context) {
        return changeMembership(ConfChange.addVoter(nodeId).withContext(context));
    }

    /** Adds {@code nodeId} as a learner with a context; see {@link #addVoter(long, byte[])}. */
    public CompletableFuture<ConfState> addLearner(long nodeId, byte[] context) {
        return changeMembership(ConfChange.addLearner(nodeId).withContext(context));
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
        CompletableFuture<Void> future = driver.transferLeadership(targetId);
        afterAdminSubmit();
        return routed(future);
    }

    private void afterAdminSubmit() {
        if (state != ServerStatus.State.RUNNING) {
            driver.failAdmin(shutdownException());
        }
        LockSupport.unpark(raftThread);
    }

    /**
     * Takes a snapshot of the state machine at its current applied index (unless one is already being
     * written, whose completion then answers), then compacts the log behind it.
     *
     * @return completes with the snapshot's metadata once it is durable; fails with
     *         {@link ProposalRejectedException} when too many requests are queued, or
     *         {@link IllegalStateException} when the server has no snapshot store
     */
    public CompletableFuture<SnapshotMeta> takeSnapshot() {
        if (!driver.hasSnapshots()) {
            return CompletableFuture.failedFuture(new IllegalStateException("node " + id + " has no snapshot store"));
        }
        if (state != ServerStatus.State.RUNNING) {
            return CompletableFuture.failedFuture(shutdownException());
        }
        CompletableFuture<SnapshotMeta> future = new CompletableFuture<>();
        if (!driver.requestSnapshot(future)) {
            return CompletableFuture.failedFuture(
                    new ProposalRejectedException("node " + id + ": too many snapshot requests queued"));
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

    /**
     * A snapshot of this server: role, term, leader, commit and applied index, members, counters. Safe
     * from any thread; never waits for the Raft thread. The role, term, leader and applied index are those
     * after the Raft thread's last loop iteration; the commit and last index and the followers' progress may
     * lag by up to one tick ({@link RaftServerConfig#tickMillis()}) when nothing else changed.
     */
    public ServerStatus status() {
        ServerStatus last = publishedStatus;
        return new ServerStatus(
                state,
                last.raft(),
                last.appliedIndex(),
                driver.pendingProposals(),
                driver.pendingReads(),
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
        driver.shutdownSyncs(); // the Raft thread waited for the sync in flight before it stopped
        transport.close();
        if (snapshotWriter != null) {
            snapshotWriter.shutdown();
            driver.failSnapshotRequests(shutdownException(), raftThreadStopped);
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
        // As for proposals (see wakeRaftThreadForProposal): the offer above is ordered before this read by the
        // inbox's lock, and the Raft thread checks the inbox after raising the flag.
        if (raftThreadParking) {
            LockSupport.unpark(raftThread);
        }
    }

    // ---------------------------------------------------------------- the Raft thread

    /**
     * The Raft thread: each iteration finishes a sync that completed (or goes on with the Ready that waited
     * for it, taking no input meanwhile), steps a bounded batch of inbound messages, ticks when a tick is
     * due, lets the driver do the rest ({@link RaftDriver#process}), publishes the status, and parks until
     * the next tick or new input.
     */
    private void runLoop() {
        Throwable fatal = null;
        try {
            List<Message> messageBatch = new ArrayList<>();
            publishStatus();
            while (state == ServerStatus.State.RUNNING) {
                boolean changed = driver.finishSyncs();
                while (driver.busy()) {
                    // A Ready waits for the sync in flight: like the blocking wait it replaces, take no input
                    // (the sync thread unparks this one when the sync is done).
                    LockSupport.park(this);
                    changed |= driver.finishSyncs();
                }

                messageBatch.clear();
                inbox.drainTo(messageBatch, config.inboxBatchMessagesMax());
                for (Message message : messageBatch) {
                    driver.step(message);
                }
                changed |= !messageBatch.isEmpty();

                changed |= driver.tickIfDue(System.nanoTime());
                changed |= driver.process();
                publishStatusIfDue(changed);
                raftThreadParking = true;
                if (inbox.isEmpty()
                        && !driver.busy()
                        && !driver.hasQueuedWork()
                        && state == ServerStatus.State.RUNNING) {
                    long waitNanos = driver.nextTickAtNanos() - System.nanoTime();
                    if (waitNanos > 0) {
                        LockSupport.parkNanos(this, waitNanos);
                    }
                    // Nobody should interrupt this thread; if someone does, a set flag would make every
                    // later park return at once and the loop spin, so clear it.
                    if (Thread.interrupted()) {
                        log.warn("node {}: the Raft thread was interrupted; ignoring (use close() to stop)", id);
                    }
                }
                raftThreadParking = false;
            }
        } catch (Throwable t) {
            fatal = t;
        }
        try {
            driver.awaitSyncAndShutdown();
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
     * Republishes the status after a loop iteration that changed something, when it matters at once — the role,
     * term, leader or applied index moved — or when the last one is a tick old: the rest of the Raft part (commit
     * and last index, followers' progress) moves with nearly every message, and building it on every iteration
     * (a node status and two sorted maps) cost 9 % of the Java CPU samples at 32 clients. Proposals publish it
     * before completing ({@link RaftDriver.Events#beforeCompletions}), so a completed future's index shows.
     */
    private void publishStatusIfDue(boolean changed) {
        statusStale |= changed;
        if (statusStale
                && (driver.appliedIndex() != publishedAppliedIndex
                        || driver.role() != publishedRole
                        || driver.term() != publishedTerm
                        || driver.leaderId() != publishedLeaderId
                        || System.nanoTime() - statusPublishedAtNanos >= tickNanos)) {
            publishStatus();
        }
    }

    private void publishStatus() {
        statusStale = false;
        statusPublishedAtNanos = System.nanoTime();
        publishedAppliedIndex = driver.appliedIndex();
        publishedRole = driver.role();
        publishedTerm = driver.term();
        publishedLeaderId = driver.leaderId();
        publishedStatus = new ServerStatus(
                state,
                driver.nodeStatus(),
                driver.appliedIndex(),
                driver.pendingProposals(),
                driver.pendingReads(),
                inboundMessagesDropped.get(),
                failure);
    }

    private void stopAfterFailure(Throwable fatal) {
        synchronized (lifecycleLock) {
            failure = fatal;
            state = ServerStatus.State.FAILED;
        }
        // One line for the operator; the stack trace only at debug level (it is for developers).
        log.error(
                "node {} stopped after a fatal failure: {}; pending proposals fail, close() releases resources",
                id,
                String.valueOf(fatal));
        log.debug("node {}: the fatal failure's stack trace", id, fatal);
        // Entries applied before the failure are committed: their proposers get the real result.
        driver.completeAppliedAfterFailure();
        failAllPending(shutdownException(), true);
        transport.close();
        notifyStopped(fatal);
    }

    // ---------------------------------------------------------------- completions

    /** @param raftThreadStopped whether state owned by the Raft thread may be touched (it has stopped, or this is it) */
    private void failAllPending(RaftShutdownException exception, boolean raftThreadStopped) {
        driver.failAll(exception, raftThreadStopped);
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
}
