package dev.raftchat.raft.runtime;

import java.util.Arrays;

/**
 * A proposal's outcome from {@link RaftServer#proposeWithIndex}: the log index it was committed and applied at
 * (identical on every replica, so usable as a version or an id) and what {@code StateMachine#apply} returned.
 */
public record ProposalResult(long index, byte[] result) {

    public ProposalResult {
        if (index < 1) {
            throw new IllegalArgumentException("index must be positive, got " + index);
        }
        result = result.clone();
    }

    /** The state machine's result; a copy. */
    @Override
    public byte[] result() {
        return result.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProposalResult other && index == other.index && Arrays.equals(result, other.result);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(index) * 31 + Arrays.hashCode(result);
    }

    @Override
    public String toString() {
        return "ProposalResult[index=" + index + ", result=" + result.length + " bytes]";
    }
}
