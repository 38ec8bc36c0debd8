package dev.raftchat.raft.message;

import java.util.List;

/**
 * Proposals a follower forwards to the leader it knows. {@code term} is the follower's term: the usual
 * term rules apply, so a leader of another term drops them (the proposer's runtime then times out), and
 * a leader that restarted and leads a later term can never accept a stale copy.
 *
 * <p>{@code session} and {@code sequence} make forwarding at-most-once even when the network
 * duplicates or reorders messages: the leader remembers the highest sequence per (sender, session)
 * and drops anything at or below it.
 */
public record ForwardProposal(long from, long to, long term, long session, long sequence, List<byte[]> payloads)
        implements Message {
    public ForwardProposal {
        payloads = List.copyOf(payloads);
    }

    @Override
    public long sizeBytes() {
        long size = 64;
        for (byte[] p : payloads) {
            size += p.length + 4;
        }
        return size;
    }
}
