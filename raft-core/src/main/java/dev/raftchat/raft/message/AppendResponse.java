package dev.raftchat.raft.message;

/**
 * The answer to an {@link AppendRequest}.
 *
 * <p>On success {@code index} is the index of the last entry the follower now durably holds that
 * matches the leader (prevLogIndex + number of entries). On rejection {@code index} is the
 * request's prevLogIndex, and {@code hintIndex}/{@code hintTerm} point the leader at a position where
 * the follower's log is at most as long, so it can skip a whole term per round trip (§5.3, "fast
 * backtracking"): {@code hintTerm} is the follower's term at {@code hintIndex}.
 */
public record AppendResponse(long from, long to, long term, boolean success, long index, long hintIndex, long hintTerm)
        implements Message {}
