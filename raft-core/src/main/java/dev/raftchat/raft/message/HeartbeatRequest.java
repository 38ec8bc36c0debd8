package dev.raftchat.raft.message;

/**
 * A leader's heartbeat. {@code commit} is never above what the follower is known to hold
 * (min(leader commit, follower match)), so a follower never commits an entry it has not matched.
 * {@code readContext} identifies the ReadIndex round this heartbeat confirms, or 0.
 */
public record HeartbeatRequest(long from, long to, long term, long commit, long readContext) implements Message {}
