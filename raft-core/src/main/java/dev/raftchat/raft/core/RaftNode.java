package dev.raftchat.raft.core;

import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.storage.LogStorage;
import java.util.List;

/**
 * The Raft algorithm for one node, as a pure, deterministic object (API skeleton; body in progress).
 */
public final class RaftNode {

    public RaftNode(NodeConfig config, LogStorage storage, ConfState initialConf) {
        throw new UnsupportedOperationException("in progress");
    }

    public long id() {
        throw new UnsupportedOperationException("in progress");
    }

    /** Advances logical time by one tick. */
    public void tick() {
        throw new UnsupportedOperationException("in progress");
    }

    /** Handles a message from a peer. */
    public void step(Message message) {
        throw new UnsupportedOperationException("in progress");
    }

    /**
     * Proposes application commands.
     *
     * @throws NotLeaderException         when not leader and forwarding is off or no leader is known
     * @throws ProposalRejectedException when over a limit
     */
    public Proposal propose(List<byte[]> commands) {
        throw new UnsupportedOperationException("in progress");
    }

    /** Starts an election now (tests and leadership transfer). */
    public void campaign() {
        throw new UnsupportedOperationException("in progress");
    }

    public boolean hasReady() {
        throw new UnsupportedOperationException("in progress");
    }

    public Ready ready() {
        throw new UnsupportedOperationException("in progress");
    }

    public void advance(Ready ready) {
        throw new UnsupportedOperationException("in progress");
    }

    public Status status() {
        throw new UnsupportedOperationException("in progress");
    }
}
