package dev.raftchat.raft.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * One entry of the replicated log.
 *
 * <p>Invariant: {@code index >= 1}, {@code term >= 1}; {@code data} is never null (an empty array for
 * a no-op). The array is owned by the entry once constructed: callers must not mutate it.
 *
 * @param term  the leader term in which the entry was created
 * @param index the position of the entry in the log, starting at 1
 * @param type  what the entry carries
 * @param data  the payload: user bytes for {@link EntryType#NORMAL}, an encoded
 *              configuration change for {@link EntryType#CONFIG_CHANGE}, empty for {@link EntryType#NO_OP}
 */
public record Entry(long term, long index, EntryType type, byte[] data) {

    /** Fixed per-entry overhead used when bounding batches in bytes: term, index, type, length. */
    public static final int OVERHEAD_BYTES = 8 + 8 + 1 + 4;

    public Entry {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
        // Tested before calling Check, whose varargs would box both longs on every entry made (a profile of the
        // replication path found Long.valueOf from here among its top frames).
        if (index < 1) {
            Check.that(false, "entry index must be >= 1, got %s", index);
        }
        if (term < 1) {
            Check.that(false, "entry term must be >= 1, got %s", term);
        }
    }

    public static Entry normal(long term, long index, byte[] data) {
        return new Entry(term, index, EntryType.NORMAL, data);
    }

    public static Entry noOp(long term, long index) {
        return new Entry(term, index, EntryType.NO_OP, new byte[0]);
    }

    /** The size counted against byte limits (append batches, uncommitted log, apply batches). */
    public long sizeBytes() {
        return (long) OVERHEAD_BYTES + data.length;
    }

    public LogPosition position() {
        return new LogPosition(term, index);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Entry e
                && e.term == term
                && e.index == index
                && e.type == type
                && Arrays.equals(e.data, data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(term, index, type, Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return type == EntryType.NORMAL
                ? index + "@" + term + "[" + data.length + "B]"
                : index + "@" + term + "[" + type + "]";
    }
}
