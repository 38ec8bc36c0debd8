package dev.raftchat.raft.statemachine;

/**
 * The application's replicated state. The runtime applies each committed entry exactly once, in log
 * order, on the node's Raft thread.
 *
 * <p><b>Determinism.</b> {@link #apply} must depend only on the state and the command: no clock, no
 * randomness, no I/O whose result can differ between nodes. Values like timestamps are chosen by the
 * proposer and carried inside the command.
 *
 * <p><b>Failures.</b> {@link #apply} must not throw for a bad command (return an error result
 * instead): an exception stops the node, because skipping an entry would make replicas diverge.
 */
public interface StateMachine {

    /**
     * Applies the command committed at {@code index} and returns the result handed to the proposer's
     * future (it may be empty, never null). Called on the Raft thread; must not block for long.
     */
    byte[] apply(long index, byte[] command);

    /**
     * Answers a read-only query against the current state. Called on the Raft thread after the read's
     * index has been applied; must not change state.
     */
    default byte[] query(byte[] query) {
        throw new UnsupportedOperationException("this state machine does not answer queries");
    }
}
