package dev.raftchat.raft.core;

import dev.raftchat.raft.internal.quorum.JointConfig;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * A leader's bookkeeping of linearizable reads (ReadIndex, thesis §6.4).
 *
 * <p>Reads are confirmed in rounds. Every heartbeat carries the current round; a read registered in
 * round {@code r} is confirmed once a quorum has answered a heartbeat of round {@code r} or later: that
 * heartbeat left after the read arrived, so the answers prove this node was still the leader then. One
 * round therefore confirms every read registered before it, and periodic heartbeats confirm reads too.
 *
 * <p>Invariants: {@link #pending} is ordered by round (registration order); every read in it has the
 * index the commit index had when it was registered.
 */
final class ReadIndexTracker {

    /** A read held by the leader; {@code from} is the leader itself or the follower that asked. */
    record Read(long context, long from, long index, long round) {}

    private long round;
    /** Whether a heartbeat already carried {@link #round}; the next broadcast then opens a new round. */
    private boolean roundSent = true;
    /** Per voter, the latest round it answered. */
    private final TreeMap<Long, Long> ackedRound = new TreeMap<>();

    private final ArrayDeque<Read> pending = new ArrayDeque<>();
    /** Reads that arrived before this term's first commit: their index is not known yet. */
    private final ArrayList<Read> awaitingCommit = new ArrayList<>();

    /**
     * The round the next heartbeat broadcast carries: a round no heartbeat carried before, so that an
     * answer to it dates from this broadcast (the read lease is measured from it). Reads registered in an
     * earlier round are confirmed by answers to a later one, which left after they arrived.
     */
    long heartbeatRound() {
        if (roundSent) {
            round++;
        }
        roundSent = true;
        return round;
    }

    int size() {
        return pending.size() + awaitingCommit.size();
    }

    void awaitCommit(long context, long from) {
        awaitingCommit.add(new Read(context, from, 0, 0));
    }

    /** The reads held until this term's first commit, removed from the tracker. */
    List<Read> takeAwaitingCommit() {
        List<Read> reads = List.copyOf(awaitingCommit);
        awaitingCommit.clear();
        return reads;
    }

    /** Registers {@code reads} at {@code index} in a new round. */
    void start(List<Read> reads, long index) {
        round++;
        roundSent = false;
        for (Read r : reads) {
            pending.addLast(new Read(r.context(), r.from(), index, round));
        }
    }

    void ack(long voter, long answeredRound) {
        ackedRound.merge(voter, answeredRound, Math::max);
    }

    void forget(long member) {
        ackedRound.remove(member);
    }

    /** Removes and returns the reads a quorum of {@code quorum} has confirmed ({@code self} counts as current). */
    List<Read> takeConfirmed(JointConfig quorum, long self) {
        long confirmedRound =
                quorum.committedIndex(voter -> voter == self ? round : ackedRound.getOrDefault(voter, 0L));
        List<Read> confirmed = new ArrayList<>();
        while (!pending.isEmpty() && pending.peekFirst().round() <= confirmedRound) {
            confirmed.add(pending.pollFirst());
        }
        return confirmed;
    }

    /** Removes and returns every read held (leadership is lost), and forgets all answers. */
    List<Read> takeAll() {
        List<Read> all = new ArrayList<>(pending);
        all.addAll(awaitingCommit);
        pending.clear();
        awaitingCommit.clear();
        ackedRound.clear();
        return all;
    }
}
