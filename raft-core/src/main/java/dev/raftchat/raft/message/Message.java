package dev.raftchat.raft.message;

/**
 * A message between two Raft nodes. Every message names its sender, its receiver and the sender's
 * term; a term of 0 marks a message that is not subject to term checks (a forwarded proposal).
 *
 * <p>Messages are immutable values. The transport's codec is the only place they meet a wire format.
 */
public sealed interface Message
        permits VoteRequest,
                VoteResponse,
                AppendRequest,
                AppendResponse,
                HeartbeatRequest,
                HeartbeatResponse,
                ForwardProposal,
                TimeoutNow,
                ReadIndexRequest,
                ReadIndexResponse,
                InstallSnapshotRequest,
                InstallSnapshotResponse {

    long from();

    long to();

    long term();

    /** An approximate encoded size, for byte limits on outboxes and batches. */
    default long sizeBytes() {
        return 64;
    }
}
