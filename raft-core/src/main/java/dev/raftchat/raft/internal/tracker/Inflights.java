package dev.raftchat.raft.internal.tracker;

import dev.raftchat.raft.model.Check;

/**
 * The AppendRequests sent to one follower and not yet acknowledged, remembered by the last index each
 * carried. A bounded ring buffer: when full, the leader stops sending until acknowledgements free
 * slots (the pipelining window, flow control).
 *
 * <p>Invariant: the recorded indexes are strictly increasing from oldest to newest.
 */
public final class Inflights {

    private final long[] lastIndexes;
    private int start;
    private int count;

    public Inflights(int capacity) {
        Check.argument(capacity >= 1, "inflight capacity must be >= 1, got %s", capacity);
        this.lastIndexes = new long[capacity];
    }

    public int capacity() {
        return lastIndexes.length;
    }

    public int count() {
        return count;
    }

    public boolean isFull() {
        return count == lastIndexes.length;
    }

    /** Records an AppendRequest whose last entry is {@code lastIndex}. */
    public void add(long lastIndex) {
        Check.that(!isFull(), "inflights full (%s)", count);
        if (count > 0) {
            long newest = lastIndexes[(start + count - 1) % lastIndexes.length];
            Check.that(lastIndex > newest, "inflight index %s not above newest %s", lastIndex, newest);
        }
        lastIndexes[(start + count) % lastIndexes.length] = lastIndex;
        count++;
    }

    /** Frees every request whose last index is at most {@code index} (they were all acknowledged). */
    public void freeUpTo(long index) {
        while (count > 0 && lastIndexes[start] <= index) {
            start = (start + 1) % lastIndexes.length;
            count--;
        }
    }

    /** Frees the oldest request; used when a follower is alive but its acknowledgements were lost. */
    public void freeFirst() {
        if (count > 0) {
            start = (start + 1) % lastIndexes.length;
            count--;
        }
    }

    public void reset() {
        start = 0;
        count = 0;
    }
}
