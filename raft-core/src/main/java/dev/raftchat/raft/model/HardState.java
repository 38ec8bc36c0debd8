package dev.raftchat.raft.model;

/**
 * The state a node must persist before it answers any message that depends on it (Raft Figure 2).
 *
 * @param term     the latest term this node has seen
 * @param votedFor the candidate voted for in {@code term}, or {@link #NO_VOTE}
 * @param commit   the highest index known to be committed when the hard state was last written. Written
 *                 only along with a new term or vote, so it may lag: a restarted node applies up to it at
 *                 once and learns the rest from the leader
 */
public record HardState(long term, long votedFor, long commit) {

    public static final long NO_VOTE = 0;
    public static final HardState EMPTY = new HardState(0, NO_VOTE, 0);

    public HardState {
        Check.that(term >= 0, "term must be >= 0, got %s", term);
        Check.that(votedFor >= 0, "votedFor must be >= 0, got %s", votedFor);
        Check.that(commit >= 0, "commit must be >= 0, got %s", commit);
    }

    public boolean isEmpty() {
        return equals(EMPTY);
    }
}
