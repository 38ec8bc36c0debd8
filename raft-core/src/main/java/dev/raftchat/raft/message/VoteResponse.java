package dev.raftchat.raft.message;

/** The answer to a {@link VoteRequest}; {@code preVote} echoes the request's flag. */
public record VoteResponse(long from, long to, long term, boolean preVote, boolean granted) implements Message {}
