package dev.raftchat.raft.message;

/**
 * The leader's answer to a {@link ReadIndexRequest}: once the follower has applied {@code readIndex}
 * it may serve the read. {@code ok} is false when the receiver could not confirm leadership.
 */
public record ReadIndexResponse(long from, long to, long term, long context, long readIndex, boolean ok)
        implements Message {}
