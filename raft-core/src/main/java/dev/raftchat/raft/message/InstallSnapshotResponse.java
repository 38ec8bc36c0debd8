package dev.raftchat.raft.message;

/**
 * Acknowledges snapshot chunks: {@code nextOffset} is the byte offset the follower expects next (flow
 * control and resumption). When {@code done}, the follower holds the whole snapshot at {@code snapshotIndex}.
 */
public record InstallSnapshotResponse(long from, long to, long term, long snapshotIndex, long nextOffset, boolean done)
        implements Message {}
