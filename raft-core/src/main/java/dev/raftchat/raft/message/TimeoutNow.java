package dev.raftchat.raft.message;

/** Leadership transfer (thesis §3.10): the leader tells an up-to-date voter to campaign at once. */
public record TimeoutNow(long from, long to, long term) implements Message {}
