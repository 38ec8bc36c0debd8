package dev.raftchat.raft.runtime;

import dev.raftchat.raft.core.NotLeaderException;
import dev.raftchat.raft.core.ProposalRejectedException;
import dev.raftchat.raft.core.RaftNode;
import dev.raftchat.raft.model.ReadState;
import dev.raftchat.raft.statemachine.StateMachine;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The linearizable reads of one {@link RaftServer}, by ReadIndex (Raft thesis §6.4): every read queued
 * during one loop iteration shares one {@link RaftNode#readIndex} request (one quorum round, however
 * many reads); once the leader has confirmed its leadership the batch waits until this node has applied
 * the read index, then each query runs against the state machine on the Raft thread.
 *
 * <p><b>Threading.</b> {@link #submit} and {@link #failAll} may be called from any thread; every other
 * method only on the Raft thread, outside a Ready's handling except where noted.
 */
final class LinearizableReads {

    private final long nodeId;
    private final RaftServerConfig config;
    private final StateMachine stateMachine;
    private final Executor notifier;
    private final long readTimeoutNanos;
    private final RaftClock clock;

    private final ArrayBlockingQueue<PendingRead> submitted;
    /** Every read accepted and not yet completed, by sequence (oldest first, so they expire first). */
    private final ConcurrentSkipListMap<Long, PendingRead> pending = new ConcurrentSkipListMap<>();
    /** Reads holding a slot. Invariant: <= pendingReadsMax. */
    private final AtomicInteger slotsHeld = new AtomicInteger();

    private final AtomicLong lastSequence = new AtomicLong();

    // Raft thread only.
    private final TreeMap<Long, List<PendingRead>> awaitingConfirmation = new TreeMap<>();
    private final TreeMap<Long, List<PendingRead>> awaitingApply = new TreeMap<>();
    private long lastContext;

    /**
     * @param firstReadContext where this run's read contexts start (the first is one more): drawn at random
     *                         per run, so that a late answer to the previous run's context cannot match one
     *                         of this run's (the core also accepts only answers to contexts it asked)
     */
    LinearizableReads(
            long nodeId,
            RaftServerConfig config,
            StateMachine stateMachine,
            Executor notifier,
            RaftClock clock,
            long firstReadContext) {
        if (firstReadContext < 0) {
            throw new IllegalArgumentException("firstReadContext must be >= 0, got " + firstReadContext);
        }
        this.lastContext = firstReadContext;
        this.nodeId = nodeId;
        this.clock = clock;
        this.config = config;
        this.stateMachine = stateMachine;
        this.notifier = notifier;
        this.readTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.readTimeoutMillis());
        this.submitted = new ArrayBlockingQueue<>(config.pendingReadsMax());
    }

    /** Queues a read; the returned future fails at once when over a limit. Any thread. */
    PendingRead submit(byte[] query) {
        if (query.length > config.queryBytesMax()) {
            return rejected(new ReadRejectedException("node " + nodeId + " rejected a query of " + query.length
                    + " bytes: larger than queryBytesMax=" + config.queryBytesMax()));
        }
        if (slotsHeld.incrementAndGet() > config.pendingReadsMax()) {
            slotsHeld.decrementAndGet();
            return rejected(new ReadRejectedException("node " + nodeId + " has " + config.pendingReadsMax()
                    + " reads pending, the limit pendingReadsMax; retry after some complete"));
        }
        long sequence = lastSequence.incrementAndGet();
        PendingRead read = new PendingRead(sequence, query.clone(), clock.nanoTime() + readTimeoutNanos);
        pending.put(sequence, read);
        if (!submitted.offer(read)) {
            // Unreachable: the queue's capacity is pendingReadsMax and every element holds a slot.
            settle(read, null, new ReadRejectedException("node " + nodeId + ": read queue full"));
        }
        return read;
    }

    private static PendingRead rejected(ReadRejectedException failure) {
        PendingRead read = new PendingRead(0, new byte[0], 0);
        read.settled.set(true);
        read.future.completeExceptionally(failure);
        return read;
    }

    boolean hasSubmitted() {
        return !submitted.isEmpty();
    }

    /** Asks the node to confirm leadership for every queued read, as one request. Returns whether any. */
    boolean requestConfirmation(RaftNode node) {
        List<PendingRead> batch = new ArrayList<>();
        PendingRead read;
        while ((read = submitted.poll()) != null) {
            if (!read.settled.get()) {
                batch.add(read);
            }
        }
        if (batch.isEmpty()) {
            return false;
        }
        long context = ++lastContext;
        try {
            node.readIndex(context);
            awaitingConfirmation.put(context, batch);
        } catch (NotLeaderException | ProposalRejectedException e) {
            for (PendingRead failed : batch) {
                settle(failed, null, e);
            }
        }
        return true;
    }

    /** Takes the node's answers (while handling a Ready). */
    void onReadStates(List<ReadState> readStates) {
        for (ReadState state : readStates) {
            List<PendingRead> batch = awaitingConfirmation.remove(state.context());
            if (batch == null) {
                continue;
            }
            if (state.confirmed()) {
                awaitingApply
                        .computeIfAbsent(state.readIndex(), index -> new ArrayList<>())
                        .addAll(batch);
            } else {
                ReadNotConfirmedException failure = new ReadNotConfirmedException("node " + nodeId
                        + ": the leader could not confirm its leadership for this read (it changed or was cut"
                        + " off); nothing was read, retrying is safe");
                for (PendingRead read : batch) {
                    settle(read, null, failure);
                }
            }
        }
    }

    /** Serves every confirmed read whose index this node has applied (while handling a Ready). */
    void serveApplied(long appliedIndex) {
        while (!awaitingApply.isEmpty() && awaitingApply.firstKey() <= appliedIndex) {
            for (PendingRead read : awaitingApply.pollFirstEntry().getValue()) {
                if (read.settled.get()) {
                    continue;
                }
                byte[] result;
                try {
                    result = stateMachine.query(read.query);
                } catch (RuntimeException e) {
                    // A query changes nothing, so its failure concerns this caller alone: the node goes on.
                    settle(read, null, e);
                    continue;
                }
                if (result == null) {
                    settle(
                            read,
                            null,
                            new IllegalStateException("StateMachine.query returned null (its contract"
                                    + " requires a result, possibly empty)"));
                } else {
                    settle(read, result, null);
                }
            }
        }
    }

    /** Fails reads past their deadline; returns whether any. */
    boolean expire(long nowNanos) {
        boolean expired = false;
        while (true) {
            Map.Entry<Long, PendingRead> oldest = pending.firstEntry();
            if (oldest == null || oldest.getValue().deadlineNanos - nowNanos > 0) {
                break;
            }
            PendingRead read = oldest.getValue();
            if (read.settled.get()) {
                pending.remove(read.sequence, read);
                continue;
            }
            settle(
                    read,
                    null,
                    new RaftTimeoutException("read " + read.sequence + " of node " + nodeId
                            + " was not served within readTimeoutMillis=" + config.readTimeoutMillis()
                            + "; nothing was changed, retrying is safe"));
            expired = true;
        }
        if (expired) {
            // A request or answer lost in the network leaves its batch here; drop batches nobody awaits.
            awaitingConfirmation.values().removeIf(batch -> batch.stream().allMatch(r -> r.settled.get()));
            awaitingApply.values().removeIf(batch -> batch.stream().allMatch(r -> r.settled.get()));
        }
        return expired;
    }

    /** Fails every pending read. Any thread. */
    void failAll(RuntimeException failure) {
        PendingRead read;
        while ((read = submitted.poll()) != null) {
            settle(read, null, failure);
        }
        Map.Entry<Long, PendingRead> entry;
        while ((entry = pending.pollFirstEntry()) != null) {
            settle(entry.getValue(), null, failure);
        }
    }

    int pendingCount() {
        return slotsHeld.get();
    }

    /** Completes a read exactly once, on the notification thread, then frees its slot. */
    void settle(PendingRead read, byte[] result, Throwable error) {
        if (!read.settled.compareAndSet(false, true)) {
            return;
        }
        pending.remove(read.sequence, read);
        notifier.execute(() -> {
            slotsHeld.decrementAndGet();
            if (error == null) {
                read.future.complete(result);
            } else {
                read.future.completeExceptionally(error);
            }
        });
    }

    /** A read from {@link #submit} until its future is completed. */
    static final class PendingRead {
        final long sequence;
        final byte[] query;
        final long deadlineNanos;
        final CompletableFuture<byte[]> future = new CompletableFuture<>();
        final AtomicBoolean settled = new AtomicBoolean();

        PendingRead(long sequence, byte[] query, long deadlineNanos) {
            this.sequence = sequence;
            this.query = query;
            this.deadlineNanos = deadlineNanos;
        }
    }
}
