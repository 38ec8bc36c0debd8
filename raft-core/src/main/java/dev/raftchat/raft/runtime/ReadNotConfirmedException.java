package dev.raftchat.raft.runtime;

import dev.raftchat.raft.core.RaftException;

/**
 * A linearizable read could not be served: the leader could not confirm with a quorum that it still
 * leads (leadership changed, or it was cut off). Nothing was read and reads change nothing, so retrying
 * — on the current leader, or here once a leader is known — is always safe.
 */
public class ReadNotConfirmedException extends RaftException {
    private static final long serialVersionUID = 1L;

    public ReadNotConfirmedException(String message) {
        super(message);
    }
}
