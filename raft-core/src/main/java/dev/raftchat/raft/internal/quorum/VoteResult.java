package dev.raftchat.raft.internal.quorum;

/** The outcome of an election so far. */
public enum VoteResult {
    /** Not yet decided: more votes could still tip it either way. */
    PENDING,
    /** Enough rejections that the election cannot be won. */
    LOST,
    /** A quorum granted. */
    WON
}
