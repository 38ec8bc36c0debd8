package dev.raftchat.raft.runtime;

import dev.raftchat.raft.core.NotLeaderException;
import dev.raftchat.raft.core.Proposal;
import dev.raftchat.raft.core.ProposalRejectedException;
import dev.raftchat.raft.core.RaftNode;
import dev.raftchat.raft.model.Check;
import dev.raftchat.raft.model.Entry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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

    /** Hands proposals accepted by {@link #submit} to the Raft thread. */
    private final ArrayBlockingQueue<PendingProposal> submitted;
    /**
     * Every accepted proposal until it is claimed for completion, by sequence: queued, handed to the node,
     * or applied. Its own registry rather than the Raft thread's private state, so that a close can fail
     * every pending future even when the Raft thread is stuck in a sync. A hash map, not a sorted one:
     * expiry order is kept by the Raft thread in {@link #expiryOrder} (a skip list here cost 7 % of the CPU
     * samples of a 128-client benchmark).
     */
    private final ConcurrentHashMap<Long, PendingProposal> pending = new ConcurrentHashMap<>();
    /** Proposals holding a slot: accepted and not yet completed. Invariant: <= pendingProposalsMax. */
    private final AtomicInteger slotsHeld = new AtomicInteger();

    private final AtomicLong pendingBytes = new AtomicLong();
    private final AtomicLong lastSequence = new AtomicLong();

    // Raft thread only.
    /**
     * Proposals applied by the Ready being handled, with their results. Completed only after the status is
     * republished, so that a caller whose future completes sees at least that applied index.
     */
    private final List<AppliedProposal> applied = new ArrayList<>();
    /**
     * Proposals this node appended as leader, by the log index they were given. When a different entry is
     * applied at that index the proposal can never commit (an index, once committed, never changes, and the
     * runtime never re-proposes), so it fails at once instead of timing out. Holds at most about twice
     * {@code pendingProposalsMax} entries: completed proposals are pruned when it grows.
     */
    private final TreeMap<Long, PendingProposal> appendedAtIndex = new TreeMap<>();
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

    Proposals(long id, RaftServerConfig config, long session, RaftMetrics metrics, Executor notifier, RaftClock clock) {
        this.id = id;
        this.config = config;
        this.session = session;
        this.metrics = metrics;
        this.notifier = notifier;
        this.clock = clock;
        this.proposalTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.proposalTimeoutMillis());
        this.submitted = new ArrayBlockingQueue<>(config.pendingProposalsMax());
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
                new CommandEnvelope(id, session, sequence, command).encode(),
                command.length,
                now,
                now + proposalTimeoutNanos);
        pending.put(sequence, proposal);
        if (!submitted.offer(proposal)) {
            // Unreachable: the queue's capacity is pendingProposalsMax and every element holds a slot.
            settle(proposal, null, new ProposalRejectedException("node " + id + ": proposal queue full"));
        }
        return proposal;
    }

    private PendingProposal rejected(RuntimeException exception) {
        metrics.proposalRejected(exception.getClass());
        PendingProposal proposal = new PendingProposal(NO_SEQUENCE, new byte[0], 0, 0, 0);
        proposal.settled.set(true);
        proposal.future.completeExceptionally(exception);
        return proposal;
    }

    /** Whether proposals wait for the Raft thread. */
    boolean hasSubmitted() {
        return !submitted.isEmpty() || deferred != null;
    }

    int pendingCount() {
        return slotsHeld.get();
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
                    appendedAtIndex.values().removeIf(proposal -> proposal.settled.get());
                }
            }
        } catch (NotLeaderException | ProposalRejectedException e) {
            for (PendingProposal proposal : batch) {
                metrics.proposalRejected(e.getClass());
                settle(proposal, null, e);
            }
        }
        batch.clear();
        return true;
    }

    private void collectBatch(long nowNanos) {
        long batchBytes = 0;
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
                deferred = next;
                return;
            }
            batch.add(next);
            batchBytes += next.envelope.length;
        }
    }

    /**
     * A NORMAL entry was applied with {@code result}: if this run of this node proposed it, it completes
     * with the next {@link #completeApplied}. Returns the sequence of the proposal it completes, or
     * {@link #NO_SEQUENCE}.
     */
    long onCommandApplied(long index, CommandEnvelope envelope, byte[] result) {
        if (envelope.originId() != id || envelope.session() != session) {
            return NO_SEQUENCE;
        }
        PendingProposal proposal = pending.get(envelope.sequence());
        if (proposal == null) {
            return NO_SEQUENCE;
        }
        metrics.proposalCompleted(clock.nanoTime() - proposal.submittedAtNanos);
        proposal.appliedIndex = index;
        applied.add(new AppliedProposal(proposal, result));
        return proposal.sequence;
    }

    /**
     * Any entry was applied at its index; {@code completedSequence} is what {@link #onCommandApplied} said.
     * A proposal this node appended at that index that is not this entry can never commit: it fails now.
     */
    void onEntryApplied(Entry entry, long completedSequence) {
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
        List<AppliedProposal> completing = new ArrayList<>(applied.size());
        for (AppliedProposal done : applied) {
            if (claim(done.proposal())) {
                completing.add(done);
            }
        }
        applied.clear();
        if (!completing.isEmpty()) {
            notifier.execute(() -> {
                for (AppliedProposal done : completing) {
                    release(done.proposal());
                    done.proposal().future.complete(done.result());
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

    /** Fails every pending proposal, in sequence order. Any thread. */
    void failAll(RuntimeException exception) {
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

    /** Completes a proposal exactly once, on the notification executor, then frees its slot. */
    void settle(PendingProposal proposal, byte[] result, Throwable error) {
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
        pendingBytes.addAndGet(-proposal.commandBytes);
        slotsHeld.decrementAndGet();
    }

    private record AppliedProposal(PendingProposal proposal, byte[] result) {}

    /** A proposal from {@link #submit} until its future is completed. */
    static final class PendingProposal {
        final long sequence;
        final byte[] envelope;
        final int commandBytes;
        final long submittedAtNanos;
        final long deadlineNanos;
        final CompletableFuture<byte[]> future = new CompletableFuture<>();
        /**
         * The log index it was applied at, 0 until then. Written on the Raft thread before the future is completed
         * on the notification thread (the executor's hand-off orders the two), read by those who see it complete.
         */
        long appliedIndex;
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
