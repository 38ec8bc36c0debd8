package dev.raftchat.raft.core;

/** The role a node plays in its current term. A learner is always a {@link #FOLLOWER}. */
public enum Role {
    FOLLOWER,
    /** Probing with PreVote whether an election could succeed, without bumping the term (thesis §9.6). */
    PRE_CANDIDATE,
    CANDIDATE,
    LEADER
}
