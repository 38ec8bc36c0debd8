package dev.raftchat.raft.core;

/** What became of a proposal accepted by {@link RaftNode#propose}. */
public sealed interface Proposal {

    /** The leader appended the entries at {@code [firstIndex, firstIndex + count)} in {@code term}. */
    record Appended(long term, long firstIndex, int count) implements Proposal {}

    /** A follower forwarded the proposal to {@code leaderId}; the outcome is seen only when applied. */
    record Forwarded(long leaderId) implements Proposal {}
}
