package dev.raftchat.raft.runtime;

import java.util.function.Consumer;

/**
 * Callbacks about a {@link RaftServer}'s life.
 *
 * <p><b>Threading.</b> Called on the server's notification thread, never on the Raft thread, one call
 * at a time and in the order the events happened. A slow listener delays other notifications and the
 * completion of proposal futures, but never Raft itself. An exception thrown by a listener is logged
 * and otherwise ignored.
 *
 * <p><b>Coalescing.</b> Leader changes are coalesced: when leadership changes several times faster than
 * listeners consume them, the intermediate states may be skipped, but the last state is always
 * delivered.
 */
public interface RaftServerListener {

    /** The leader this node knows changed (including to "none"). */
    default void onLeaderChange(LeaderChange change) {}

    /**
     * The server stopped: {@code failure} is null after {@link RaftServer#close()}, otherwise the error
     * that stopped it (a storage or state machine failure). Called at most once.
     */
    default void onStopped(Throwable failure) {}

    /** A listener for leader changes only. */
    static RaftServerListener onLeaderChange(Consumer<LeaderChange> consumer) {
        return new RaftServerListener() {
            @Override
            public void onLeaderChange(LeaderChange change) {
                consumer.accept(change);
            }
        };
    }
}
