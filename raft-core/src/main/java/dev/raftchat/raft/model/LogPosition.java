package dev.raftchat.raft.model;

/**
 * A (term, index) pair: the identity of a log entry. A record so that the two longs can never be
 * swapped silently. {@code LogPosition(0, 0)} is the position before the first entry.
 */
public record LogPosition(long term, long index) implements Comparable<LogPosition> {

    public static final LogPosition ZERO = new LogPosition(0, 0);

    public LogPosition {
        Check.that(term >= 0 && index >= 0, "negative log position %s@%s", index, term);
    }

    /** Raft §5.4.1: a log is at least as up to date if its last term is higher, or equal with a longer log. */
    @Override
    public int compareTo(LogPosition other) {
        int byTerm = Long.compare(term, other.term);
        return byTerm != 0 ? byTerm : Long.compare(index, other.index);
    }

    public boolean isAtLeastAsUpToDateAs(LogPosition other) {
        return compareTo(other) >= 0;
    }

    @Override
    public String toString() {
        return index + "@" + term;
    }
}
