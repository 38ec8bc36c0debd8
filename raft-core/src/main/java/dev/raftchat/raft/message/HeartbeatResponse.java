package dev.raftchat.raft.message;

/** The answer to a {@link HeartbeatRequest}, echoing its {@code readContext}. */
public record HeartbeatResponse(long from, long to, long term, long readContext) implements Message {}
