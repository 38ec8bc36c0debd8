package dev.raftchat.raft.internal.tracker;

import dev.raftchat.raft.model.Check;

/**
 * What a leader knows of one member's log, and how it is replicating to it.
 *
 * <p>States (after etcd's tracker): {@link State#PROBE} sends one AppendRequest at a time and waits,
 * used while the match point is unknown; {@link State#REPLICATE} streams optimistically, bounded by the
 * {@link Inflights} window; {@link State#SNAPSHOT} waits for a snapshot to be installed.
 *
 * <p>Invariants: {@code 0 <= match < next}; in REPLICATE every inflight index is {@code < next}.
 */
public final class Progress {

    public enum State {
        PROBE,
        REPLICATE,
        SNAPSHOT
    }

    /** Highest index known to be durably replicated on the member. */
    private long match;
    /** Index of the next entry to send. */
    private long next;

    private State state = State.PROBE;
    /** In PROBE: an AppendRequest is out and unanswered, so hold further ones until a response or heartbeat. */
    private boolean probeSent;
    /** Set by any response from the member; cleared by the leader's CheckQuorum each election timeout. */
    private boolean recentlyActive;
    /** In SNAPSHOT: the index of the snapshot being sent. */
    private long pendingSnapshot;

    private final Inflights inflights;

    public Progress(long match, long next, int inflightCapacity) {
        Check.that(match >= 0 && next > match, "progress needs 0 <= match < next, got match=%s next=%s", match, next);
        this.match = match;
        this.next = next;
        this.inflights = new Inflights(inflightCapacity);
    }

    public long match() {
        return match;
    }

    public long next() {
        return next;
    }

    public State state() {
        return state;
    }

    public boolean recentlyActive() {
        return recentlyActive;
    }

    public void setRecentlyActive(boolean active) {
        this.recentlyActive = active;
    }

    public long pendingSnapshot() {
        return pendingSnapshot;
    }

    public Inflights inflights() {
        return inflights;
    }

    /** True when the leader must not send this member more entries now. */
    public boolean isPaused() {
        return switch (state) {
            case PROBE -> probeSent;
            case REPLICATE -> inflights.isFull();
            case SNAPSHOT -> true;
        };
    }

    public void becomeProbe() {
        // After a snapshot, probe from just past it; otherwise from just past what is known to match.
        if (state == State.SNAPSHOT) {
            long snapshotIndex = pendingSnapshot;
            resetState(State.PROBE);
            next = Math.max(match + 1, snapshotIndex + 1);
        } else {
            resetState(State.PROBE);
            next = match + 1;
        }
    }

    public void becomeReplicate() {
        resetState(State.REPLICATE);
        next = match + 1;
    }

    public void becomeSnapshot(long snapshotIndex) {
        resetState(State.SNAPSHOT);
        pendingSnapshot = snapshotIndex;
    }

    private void resetState(State newState) {
        probeSent = false;
        pendingSnapshot = 0;
        state = newState;
        inflights.reset();
    }

    /** Lets a probe go out again (a heartbeat response proved the member is there). */
    public void resumeProbe() {
        probeSent = false;
    }

    /**
     * Records that an AppendRequest ending at {@code lastIndex} (carrying {@code entryCount} entries)
     * was sent.
     */
    public void sentEntries(int entryCount, long lastIndex) {
        switch (state) {
            case REPLICATE -> {
                if (entryCount > 0) {
                    Check.that(lastIndex >= next, "sent up to %s but next is %s", lastIndex, next);
                    next = lastIndex + 1;
                    inflights.add(lastIndex);
                }
            }
            case PROBE -> probeSent = true;
            case SNAPSHOT -> Check.that(false, "sending entries while in SNAPSHOT state");
        }
    }

    /**
     * Handles an acknowledgement up to {@code index}. Returns false if it was stale (not above the
     * current match).
     */
    public boolean maybeUpdate(long index) {
        boolean updated = false;
        if (index > match) {
            match = index;
            updated = true;
            probeSent = false;
        }
        next = Math.max(next, index + 1);
        return updated;
    }

    /**
     * Handles a rejection of the AppendRequest whose previous index was {@code rejected}; the member
     * suggests {@code hintIndex} as the last index that may match. Returns false if the rejection is
     * stale and was ignored.
     */
    public boolean maybeDecreaseTo(long rejected, long hintIndex) {
        if (state == State.REPLICATE) {
            // Entries up to match are known to match, so a rejection at or below it is a stale message.
            if (rejected <= match) {
                return false;
            }
            next = match + 1;
            return true;
        }
        // In PROBE only the answer to the one outstanding probe (prev index next - 1) counts.
        if (next - 1 != rejected) {
            return false;
        }
        if (rejected <= match) {
            // The member denies an entry it acknowledged: recovery found its synced entries corrupt and cut
            // them (LogStorage.repairThroughIndex). It waits, without voting, for us to send them again, so
            // what we knew it to hold no longer holds. (A duplicate of an older probe's answer lands here too;
            // it costs one more probe round.) Match only ever drives future commits, so lowering it is safe.
            match = Math.max(0, Math.min(hintIndex, rejected - 1));
        }
        next = Math.max(Math.min(rejected, hintIndex + 1), match + 1);
        probeSent = false;
        return true;
    }

    @Override
    public String toString() {
        return state + " match=" + match + " next=" + next
                + (state == State.REPLICATE ? " inflight=" + inflights.count() : "")
                + (state == State.SNAPSHOT ? " snapshot=" + pendingSnapshot : "");
    }
}
