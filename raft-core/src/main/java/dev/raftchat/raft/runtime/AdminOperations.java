package dev.raftchat.raft.runtime;

import dev.raftchat.raft.confchange.ConfChange;
import dev.raftchat.raft.core.NotLeaderException;
import dev.raftchat.raft.core.ProposalRejectedException;
import dev.raftchat.raft.core.RaftNode;
import dev.raftchat.raft.core.Role;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.EntryType;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Membership changes and leadership transfers of one {@link RaftServer}: operations that run on the Raft
 * thread and complete when their effect is seen there. At most one of each kind is in progress at a
 * time (the node refuses a second membership change anyway); both time out after
 * {@link RaftServerConfig#proposalTimeoutMillis()}.
 *
 * <p><b>Threading.</b> {@link #submit} and {@link #failAll} from any thread; the rest on the Raft thread.
 */
final class AdminOperations {

    /** Work for the Raft thread: starts an operation on the node and records what to wait for. */
    private interface Operation {
        void start(RaftNode node, long nowNanos);

        void fail(Throwable error);
    }

    private final long nodeId;
    private final RaftServerConfig config;
    private final Executor notifier;
    private final long timeoutNanos;
    private final ArrayBlockingQueue<Operation> submitted;
    /** Operations holding a slot: accepted and not yet completed. Invariant: <= pendingAdminOperationsMax. */
    private final AtomicInteger slotsHeld = new AtomicInteger();

    // Raft thread only.
    private PendingMembershipChange membershipChange;
    private PendingTransfer transfer;

    AdminOperations(long nodeId, RaftServerConfig config, Executor notifier) {
        this.nodeId = nodeId;
        this.config = config;
        this.notifier = notifier;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.proposalTimeoutMillis());
        this.submitted = new ArrayBlockingQueue<>(config.pendingAdminOperationsMax());
    }

    CompletableFuture<ConfState> submitMembershipChange(ConfChange change) {
        CompletableFuture<ConfState> future = new CompletableFuture<>();
        return submit(future, new Operation() {
            @Override
            public void start(RaftNode node, long nowNanos) {
                if (membershipChange != null) {
                    throw new ProposalRejectedException(
                            "node " + nodeId + ": another membership change started here is still in progress");
                }
                long index = node.proposeConfChange(change);
                membershipChange =
                        new PendingMembershipChange(change, index, node.term(), future, nowNanos + timeoutNanos);
            }

            @Override
            public void fail(Throwable error) {
                complete(future, null, error);
            }
        });
    }

    CompletableFuture<Void> submitTransfer(long target) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        return submit(future, new Operation() {
            @Override
            public void start(RaftNode node, long nowNanos) {
                if (transfer != null) {
                    throw new ProposalRejectedException("node " + nodeId + ": a leadership transfer to node "
                            + transfer.target + " is still in progress");
                }
                node.transferLeadership(target);
                transfer = new PendingTransfer(target, future, nowNanos + timeoutNanos);
            }

            @Override
            public void fail(Throwable error) {
                complete(future, null, error);
            }
        });
    }

    private <T> CompletableFuture<T> submit(CompletableFuture<T> future, Operation operation) {
        if (slotsHeld.incrementAndGet() > config.pendingAdminOperationsMax()) {
            slotsHeld.decrementAndGet();
            return CompletableFuture.failedFuture(new ProposalRejectedException("node "
                    + nodeId + " has " + config.pendingAdminOperationsMax()
                    + " membership changes or transfers pending, the limit pendingAdminOperationsMax"));
        }
        if (!submitted.offer(operation)) {
            operation.fail(new IllegalStateException("unreachable: admin queue full while holding a slot"));
        }
        return future;
    }

    boolean hasSubmitted() {
        return !submitted.isEmpty();
    }

    /** Starts queued operations on the node (outside a Ready). Returns whether any. */
    boolean startQueued(RaftNode node, long nowNanos) {
        boolean any = false;
        Operation operation;
        while ((operation = submitted.poll()) != null) {
            any = true;
            try {
                operation.start(node, nowNanos);
            } catch (RuntimeException e) {
                // NotLeaderException, ProposalRejectedException, IllegalArgumentException: all name the problem.
                operation.fail(e);
            }
        }
        return any;
    }

    /** Sees each applied entry (while handling a Ready). */
    void onApplied(Entry entry) {
        PendingMembershipChange change = membershipChange;
        if (change == null || entry.index() != change.index) {
            return;
        }
        if (entry.type() == EntryType.CONFIG_CHANGE && entry.term() == change.term) {
            change.applied = true;
        } else {
            membershipChange = null;
            complete(
                    change.future,
                    null,
                    new ProposalNotCommittedException("membership change " + change.change
                            + " of node " + nodeId + " was not committed: log index " + change.index
                            + " holds a different entry, written by a newer leader; retrying is safe"));
        }
    }

    /** Completes what the node's state now shows done, fails what timed out. After advance(). */
    boolean check(RaftNode node, long nowNanos) {
        boolean changed = false;
        PendingMembershipChange change = membershipChange;
        if (change != null) {
            ConfState conf = node.status().conf();
            if (change.applied && !conf.isJoint()) {
                // A voter change passes through a joint configuration, which the leader leaves by itself;
                // the caller hears back once the cluster is in the final configuration.
                membershipChange = null;
                complete(change.future, conf, null);
                changed = true;
            } else if (change.deadlineNanos - nowNanos <= 0) {
                membershipChange = null;
                complete(
                        change.future,
                        null,
                        new RaftTimeoutException("membership change " + change.change
                                + " of node " + nodeId + " did not complete within proposalTimeoutMillis="
                                + config.proposalTimeoutMillis() + "; its outcome is unknown, read status() for the"
                                + " configuration in force"));
                changed = true;
            }
        }
        PendingTransfer pending = transfer;
        if (pending != null) {
            long leader = node.leaderId();
            Throwable failure = null;
            if (leader == pending.target) {
                transfer = null;
                complete(pending.future, null, null);
                return true;
            } else if (node.role() == Role.LEADER && node.transferee() == RaftNode.NONE) {
                failure = new RaftTimeoutException("node " + nodeId + " abandoned the leadership transfer to node "
                        + pending.target + ": it did not take over within an election timeout; this node still leads");
            } else if (leader != RaftNode.NONE && leader != nodeId) {
                failure = new NotLeaderException(nodeId, leader);
            } else if (pending.deadlineNanos - nowNanos <= 0) {
                failure = new RaftTimeoutException("leadership transfer from node " + nodeId + " to node "
                        + pending.target + " did not complete within proposalTimeoutMillis="
                        + config.proposalTimeoutMillis());
            }
            if (failure != null) {
                transfer = null;
                complete(pending.future, null, failure);
                changed = true;
            }
        }
        return changed;
    }

    /** Fails everything pending. Any thread; Raft-thread state is only read if that thread has stopped. */
    void failAll(RuntimeException failure, boolean raftThreadStopped) {
        Operation operation;
        while ((operation = submitted.poll()) != null) {
            operation.fail(failure);
        }
        if (raftThreadStopped) {
            if (membershipChange != null) {
                complete(membershipChange.future, null, failure);
                membershipChange = null;
            }
            if (transfer != null) {
                complete(transfer.future, null, failure);
                transfer = null;
            }
        }
    }

    /** Completes on the notification thread, then frees the slot; a future already done is left alone. */
    private <T> void complete(CompletableFuture<T> future, T value, Throwable error) {
        notifier.execute(() -> {
            slotsHeld.decrementAndGet();
            if (error == null) {
                future.complete(value);
            } else {
                future.completeExceptionally(error);
            }
        });
    }

    private static final class PendingMembershipChange {
        final ConfChange change;
        final long index;
        final long term;
        final CompletableFuture<ConfState> future;
        final long deadlineNanos;
        boolean applied;

        PendingMembershipChange(
                ConfChange change, long index, long term, CompletableFuture<ConfState> future, long deadlineNanos) {
            this.change = change;
            this.index = index;
            this.term = term;
            this.future = future;
            this.deadlineNanos = deadlineNanos;
        }
    }

    private record PendingTransfer(long target, CompletableFuture<Void> future, long deadlineNanos) {}
}
