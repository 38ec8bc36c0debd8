package dev.raftchat.raft.model;

/**
 * The outcome of a linearizable read request (ReadIndex, thesis §6.4).
 *
 * <p>When {@code confirmed}, the read may be served once this node has applied {@code readIndex}: at
 * the time the request arrived at the leader, {@code readIndex} covered every acknowledged write, and
 * a quorum has since confirmed that leader was still the leader. When not confirmed the read failed
 * (leadership was lost or never confirmed) and should be retried, and {@code readIndex} is -1.
 *
 * @param context the caller's identifier for the request, echoed back
 */
public record ReadState(long context, long readIndex, boolean confirmed) {}
