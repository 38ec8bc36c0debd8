package dev.raftchat.raft.statemachine;

import dev.raftchat.raft.confchange.ConfChange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

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
     * Sees the membership change committed at {@code index}, with the {@link ConfChange#context()} its proposer
     * gave it (for example the new member's address), on every node at the same position in the log as
     * {@link #apply}: entries are applied in index order, each exactly once. Called on the Raft thread. Keep what
     * you need of the context in the state, so that your {@link #snapshot()} carries it: the log entry is
     * compacted away behind a snapshot, and a node that installs the snapshot never sees this call for it.
     * Raft adopts the new configuration when this entry is applied; the default does nothing. Must not throw
     * (an exception stops the node, as for {@link #apply}).
     */
    default void applyMembershipChange(long index, ConfChange change) {}

    /**
     * Answers a read-only query against the current state. Called on the Raft thread after the read's
     * index has been applied; must not change state.
     */
    default byte[] query(byte[] query) {
        throw new UnsupportedOperationException("this state machine does not answer queries");
    }

    /**
     * Captures the current state for a snapshot. Called on the Raft thread, between two
     * {@link #apply} calls, and must return quickly: take a point-in-time view (a copy, or a persistent
     * data structure), not a serialization. The returned {@link Snapshot} is then written on a
     * background thread while {@link #apply} goes on, so it must not see later changes.
     *
     * @throws UnsupportedOperationException if this state machine does not support snapshots (then the
     *                                       runtime must not be configured to take any)
     */
    default Snapshot snapshot() {
        throw new UnsupportedOperationException("this state machine does not support snapshots");
    }

    /**
     * Replaces the whole state by the snapshot read from {@code in} (written earlier by a
     * {@link Snapshot} of this or another replica). Called on the Raft thread at startup and when a
     * follower installs a snapshot from its leader; nothing is applied concurrently.
     */
    default void restore(InputStream in) throws IOException {
        throw new UnsupportedOperationException("this state machine does not support snapshots");
    }

    /** A point-in-time view of the state, serialized off the Raft thread. */
    @FunctionalInterface
    interface Snapshot {
        void writeTo(OutputStream out) throws IOException;
    }
}
