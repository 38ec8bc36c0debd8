package dev.raftchat.raft.message;

/** A follower asks the leader for a read index (thesis §6.4); {@code context} is the follower's request id. */
public record ReadIndexRequest(long from, long to, long term, long context) implements Message {}
