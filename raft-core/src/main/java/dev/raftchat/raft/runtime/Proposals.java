package dev.raftchat.raft.runtime;

import dev.raftchat.raft.core.NotLeaderException;
import dev.raftchat.raft.core.Proposal;
import dev.raftchat.raft.core.ProposalRejectedException;
import dev.raftchat.raft.core.RaftNode;
import dev.raftchat.raft.model.Check;
import dev.raftchat.raft.model.Entry;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * The proposals of one node, from {@link #submit} until their future completes: the bounded queue to the
 * Raft thread, batching into one {@link RaftNode#propose} call, the command envelope that lets this run of
 * the node recognize its own entries when they are applied, the "definitely not committed" answer when a
 * newer leader committed a different entry at a proposal's index, and expiry. The proposal side of
 * {@link RaftDriver}, beside {@link LinearizableReads} (reads) and {@link AdminOperations}.
 *
 * <p><b>Threading.</b> {@link #submit}, {@link #failAll} and the counters may be called from any thread;
 * every other method only on the driver's thread. Completions run on the notification executor.
 */
final class Proposals {

    /** Proposal sequences start at 1. */
    static final long NO_SEQUENCE = 0;

    private static final int EXPIRY_ORDER_SWEEP_FACTOR = 2;

    private final long id;
    private final RaftServerConfig config;
    private final RaftMetrics metrics;
    private final Executor notifier;
    private final RaftClock clock;
    private final long proposalTimeoutNanos;
    /**
     * Distinguishes this run of the node from earlier ones in the command envelopes, so that entries
     * proposed before a restart and replayed after it never complete a new request.
     */
    private final long session;

    /**
     * Hands proposals accepted by {@link #submit} to the Raft thread. Lock-free, so that submitters never queue
     * behind each other or behind the Raft thread; bounded by {@link #slotsHeld}, since every element holds a
     * slot (a bounded lock-based queue here cost its lock's contention on every proposal).
     */
    private final ConcurrentLinkedQueue<PendingProposal> submitted = new ConcurrentLinkedQueue<>();
    /** Proposals holding a slot: accepted and not yet completed. Invariant: <= pendingProposalsMax. */
    private final AtomicInteger slotsHeld = new AtomicInteger();

    private final AtomicLong pendingBytes = new AtomicLong();
    private final AtomicLong lastSequence = new AtomicLong();

    /**
     * Guards {@link #taken} and {@link #failedWith}: the Raft thread changes them under it, in batches, and
     * {@link #failAll} (any thread) reads them under it. The Raft thread reads {@link #taken} without it, being
     * its only writer.
     */
    private final Object takenLock = new Object();
    /**
     * Every proposal the Raft thread took from {@link #submitted} and has not completed, by sequence: how an
     * applied entry finds its proposal. Its own registry rather than a plain Raft-thread structure, so that a
     * close can fail every pending future even when the Raft thread is stuck in a sync. Holds at most
     * {@code pendingProposalsMax} live proposals plus those completed since the last sweep of
     * {@link #expiryOrder}, which removes them here too.
     */
    private final LongKeyedMap<PendingProposal> taken = new LongKeyedMap<>();
    /** Set by {@link #failAll}: what the Raft thread fails anything it takes afterwards with. */
    private RuntimeException failedWith;

    // Raft thread only.
    /**
     * Proposals applied by the Ready being handled, their results in {@link PendingProposal#result}. Completed
     * only after the status is republished, so that a caller whose future completes sees at least that applied
     * index. Handed whole to the notification task, and replaced.
     */
    private List<PendingProposal> applied = new ArrayList<>();
    /**
     * Proposals this node appended as leader, by the log index they were given. When a different entry is
     * applied at that index the proposal can never commit (an index, once committed, never changes, and the
     * runtime never re-proposes), so it fails at once instead of timing out. Holds at most about twice
     * {@code pendingProposalsMax} entries: completed proposals are pruned when it grows.
     */
    private final LongKeyedMap<PendingProposal> appendedAtIndex = new LongKeyedMap<>();
    /** A proposal taken from the queue that did not fit in the last batch's byte limit; goes first next time. */
    private PendingProposal deferred;
    /**
     * Proposals the Raft thread took from {@link #submitted}, in that order, which is the order of their
     * deadlines (assigned with their sequences in {@link #submit}, up to the nanoseconds two racing callers
     * can reorder them): the head expires first. Completed ones leave when they reach the head, or in a
     * sweep when the deque holds more than {@link #EXPIRY_ORDER_SWEEP_FACTOR} times {@code pendingProposalsMax}
     * (many completions behind one slow proposal), which bounds it.
     */
    private final ArrayDeque<PendingProposal> expiryOrder = new ArrayDeque<>();

    private final List<PendingProposal> batch = new ArrayList<>();

    /** See {@link #routeFailures}. */
    private volatile UnaryOperator<Throwable> failureRouter = UnaryOperator.identity();

    Proposals(long id, RaftServerConfig config, long session, RaftMetrics metrics, Executor notifier, RaftClock clock) {
        this.id = id;
        this.config = config;
        this.session = session;
        this.metrics = metrics;
        this.notifier = notifier;
        this.clock = clock;
        this.proposalTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.proposalTimeoutMillis());
    }

    /**
     * Accepts a proposal, or fails it at once when over a limit. Any thread. The caller checks afterwards
     * that the node is still running (and fails the proposal with {@link #settle} if not).
     */
    PendingProposal submit(byte[] command) {
        if (command.length > config.commandBytesMax()) {
            return rejected(new ProposalRejectedException("node " + id + " rejected a command of " + command.length
                    + " bytes: larger than commandBytesMax=" + config.commandBytesMax()));
        }
        if (slotsHeld.incrementAndGet() > config.pendingProposalsMax()) {
            slotsHeld.decrementAndGet();
            return rejected(new ProposalRejectedException("node " + id + " has " + config.pendingProposalsMax()
                    + " proposals pending, the limit pendingProposalsMax; retry after some complete"));
        }
        long bytesNow = pendingBytes.addAndGet(command.length);
        if (bytesNow > config.pendingProposalBytesMax()) {
            pendingBytes.addAndGet(-command.length);
            slotsHeld.decrementAndGet();
            return rejected(new ProposalRejectedException("node " + id + " rejected a command of " + command.length
                    + " bytes: pending proposals would hold " + bytesNow + " bytes, over pendingProposalBytesMax="
                    + config.pendingProposalBytesMax() + "; retry after some complete"));
        }
        long sequence = lastSequence.incrementAndGet();
        long now = clock.nanoTime();
        PendingProposal proposal = new PendingProposal(
                sequence,
                CommandEnvelope.encode(id, session, sequence, command),
                command.length,
                now,
                now + proposalTimeoutNanos);
        submitted.offer(proposal);
        return proposal;
    }

    private PendingProposal rejected(RuntimeException exception) {
        metrics.proposalRejected(exception.getClass());
        PendingProposal proposal = new PendingProposal(NO_SEQUENCE, new byte[0], 0, 0, 0);
        proposal.markSettled();
        proposal.future.completeExceptionally(exception);
        return proposal;
    }

    /**
     * What each failure becomes before a future fails with it; called on the notification executor, must not
     * throw. The identity unless set.
     */
    void routeFailures(UnaryOperator<Throwable> router) {
        this.failureRouter = Objects.requireNonNull(router, "router");
    }

    /** Whether proposals wait for the Raft thread. */
    boolean hasSubmitted() {
        return !submitted.isEmpty() || deferred != null;
    }

    int pendingCount() {
        return slotsHeld.get();
    }

    /** How many proposals the registry holds (taken by the Raft thread, not yet met completed); for tests. */
    int registeredCount() {
        synchronized (takenLock) {
            return taken.size();
        }
    }

    /**
     * Hands a batch of queued proposals to the node in one {@code propose} call: up to {@code proposalBatchMax}
     * of them and at most {@code proposalBatchBytesMax} bytes (always at least one), skipping those already
     * completed and timing out those whose deadline passed while queued. Returns whether it proposed any.
     */
    boolean proposeQueued(RaftNode node, long nowNanos) {
        batch.clear();
        collectBatch(nowNanos);
        if (batch.isEmpty()) {
            return false;
        }
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
                    appendedAtIndex.removeValuesIf(PendingProposal::isSettled);
                }
            }
        } catch (NotLeaderException | ProposalRejectedException e) {
            synchronized (takenLock) {
                for (PendingProposal proposal : batch) {
                    metrics.proposalRejected(e.getClass());
                    settle(proposal, null, e);
                    taken.remove(proposal.sequence);
                }
            }
        }
        batch.clear();
        return true;
    }

    private void collectBatch(long nowNanos) {
        long batchBytes = 0;
        synchronized (takenLock) {
            while (batch.size() < config.proposalBatchMax()) {
                PendingProposal next;
                if (deferred != null) {
                    next = deferred;
                    deferred = null;
                } else {
                    next = submitted.poll();
                    if (next == null) {
                        return;
                    }
                    if (failedWith != null) {
                        // failAll ran between the poll and here: it could not see this one.
                        settle(next, null, failedWith);
                        continue;
                    }
                    taken.put(next.sequence, next);
                    trackExpiry(next);
                }
                if (next.isSettled()) {
                    taken.remove(next.sequence);
                    continue;
                }
                if (next.deadlineNanos - nowNanos <= 0) {
                    timeOut(next);
                    taken.remove(next.sequence);
                    continue;
                }
                if (!batch.isEmpty() && batchBytes + next.envelope.length > config.proposalBatchBytesMax()) {
                    deferred = next;
                    return;
                }
                batch.add(next);
                batchBytes += next.envelope.length;
            }
        }
    }

    /**
     * A NORMAL entry was applied with {@code result}: if this run of this node proposed it, it completes
     * with the next {@link #completeApplied}. Returns the sequence of the proposal it completes, or
     * {@link #NO_SEQUENCE}.
     */
    long onCommandApplied(long index, long originId, long originSession, long sequence, byte[] result) {
        if (originId != id || originSession != session) {
            return NO_SEQUENCE;
        }
        PendingProposal proposal = taken.get(sequence);
        if (proposal == null || proposal.isSettled()) {
            return NO_SEQUENCE;
        }
        metrics.proposalCompleted(clock.nanoTime() - proposal.submittedAtNanos);
        proposal.appliedIndex = index;
        proposal.result = result;
        applied.add(proposal);
        return proposal.sequence;
    }

    /**
     * Any entry was applied at its index; {@code completedSequence} is what {@link #onCommandApplied} said.
     * A proposal this node appended at that index that is not this entry can never commit: it fails now.
     */
    void onEntryApplied(Entry entry, long completedSequence) {
        PendingProposal appendedHere = appendedAtIndex.remove(entry.index());
        if (appendedHere != null && appendedHere.sequence != completedSequence) {
            forget(appendedHere);
            settle(
                    appendedHere,
                    null,
                    new ProposalNotCommittedException("proposal " + appendedHere.sequence
                            + " of node " + id + " was not committed: log index " + entry.index()
                            + " now holds a different entry of term " + entry.term()
                            + ", written by a newer leader; retrying cannot apply it twice"));
        }
    }

    boolean hasApplied() {
        return !applied.isEmpty();
    }

    /**
     * Completes the proposals applied by the Ready just handled, in log order, with one notification task
     * for all of them: under load a Ready applies hundreds, and a task per proposal cost the notification
     * thread a queue hand-off each.
     */
    void completeApplied() {
        if (applied.isEmpty()) {
            return;
        }
        List<PendingProposal> completing = applied;
        applied = new ArrayList<>(completing.size());
        synchronized (takenLock) {
            for (PendingProposal proposal : completing) {
                taken.remove(proposal.sequence);
            }
        }
        // Those completed meanwhile by someone else (a timeout, a close) are left out.
        completing.removeIf(proposal -> !proposal.claim());
        if (!completing.isEmpty()) {
            notifier.execute(() -> {
                for (PendingProposal proposal : completing) {
                    release(proposal);
                    proposal.future.complete(proposal.result);
                }
            });
        }
    }

    /**
     * Fails the proposals whose deadline passed; returns whether any did. Those still in {@link #submitted}
     * are timed out when the Raft thread takes them ({@link #proposeQueued}), which it does every iteration.
     */
    boolean expire(long nowNanos) {
        boolean expired = false;
        for (PendingProposal oldest = expiryOrder.peekFirst(); oldest != null; oldest = expiryOrder.peekFirst()) {
            if (oldest.isSettled()) {
                expiryOrder.pollFirst();
                forgetIfTaken(oldest);
                continue;
            }
            if (oldest.deadlineNanos - nowNanos > 0) {
                return expired;
            }
            expiryOrder.pollFirst();
            forget(oldest);
            timeOut(oldest);
            expired = true;
        }
        return expired;
    }

    /** Under {@link #takenLock}. */
    private void trackExpiry(PendingProposal proposal) {
        expiryOrder.addLast(proposal);
        if (expiryOrder.size() > EXPIRY_ORDER_SWEEP_FACTOR * config.pendingProposalsMax()) {
            expiryOrder.removeIf(tracked -> {
                if (!tracked.isSettled()) {
                    return false;
                }
                if (taken.get(tracked.sequence) == tracked) {
                    taken.remove(tracked.sequence);
                }
                return true;
            });
        }
    }

    /** Removes a proposal from {@link #taken}. Raft thread. */
    private void forget(PendingProposal proposal) {
        synchronized (takenLock) {
            taken.remove(proposal.sequence);
        }
    }

    /**
     * Removes a completed proposal from {@link #taken} if it is still there (completed by another thread, which
     * leaves it to the Raft thread). Raft thread; takes the lock only when there is something to remove.
     */
    private void forgetIfTaken(PendingProposal proposal) {
        if (taken.get(proposal.sequence) == proposal) {
            forget(proposal);
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

    /**
     * Fails every pending proposal, in sequence order, and whatever the Raft thread takes from the queue later.
     * Any thread.
     */
    void failAll(RuntimeException exception) {
        List<PendingProposal> remaining;
        synchronized (takenLock) {
            if (failedWith == null) {
                failedWith = exception;
            }
            remaining = taken.values();
        }
        PendingProposal proposal;
        while ((proposal = submitted.poll()) != null) {
            remaining.add(proposal);
        }
        remaining.sort(Comparator.comparingLong(pendingProposal -> pendingProposal.sequence));
        for (PendingProposal pendingProposal : remaining) {
            settle(pendingProposal, null, exception);
        }
    }

    /**
     * Completes a proposal exactly once, on the notification executor, then frees its slot. It stays in
     * {@link #taken} until the Raft thread meets it completed.
     */
    void settle(PendingProposal proposal, byte[] result, Throwable error) {
        if (!proposal.claim()) {
            return;
        }
        notifier.execute(() -> {
            release(proposal);
            if (error == null) {
                proposal.future.complete(result);
            } else {
                proposal.future.completeExceptionally(failureRouter.apply(error));
            }
        });
    }

    /** Frees the slot of a claimed proposal, just before its future completes (on the notification thread). */
    private void release(PendingProposal proposal) {
        pendingBytes.addAndGet(-proposal.commandBytes);
        slotsHeld.decrementAndGet();
    }

    /** A proposal from {@link #submit} until its future is completed. */
    static final class PendingProposal {
        private static final VarHandle SETTLED;

        static {
            try {
                SETTLED = MethodHandles.lookup().findVarHandle(PendingProposal.class, "settled", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final long sequence;
        final byte[] envelope;
        final int commandBytes;
        final long submittedAtNanos;
        final long deadlineNanos;
        final CompletableFuture<byte[]> future = new CompletableFuture<>();
        /**
         * The log index it was applied at, 0 until then, and the state machine's result. Written on the Raft thread
         * before the future is completed on the notification thread (the executor's hand-off orders the two), read
         * by those who see it complete.
         */
        long appliedIndex;

        byte[] result;
        /** Set by whoever completes the proposal first ({@link #claim}); guarantees exactly one completion. */
        @SuppressWarnings("UnusedVariable") // accessed through SETTLED
        private volatile boolean settled;

        PendingProposal(long sequence, byte[] envelope, int commandBytes, long submittedAtNanos, long deadlineNanos) {
            this.sequence = sequence;
            this.envelope = envelope;
            this.commandBytes = commandBytes;
            this.submittedAtNanos = submittedAtNanos;
            this.deadlineNanos = deadlineNanos;
        }

        boolean isSettled() {
            return settled;
        }

        /** Makes the caller the one completer of this proposal; false when someone else already is. */
        boolean claim() {
            return SETTLED.compareAndSet(this, false, true);
        }

        void markSettled() {
            settled = true;
        }
    }
}
