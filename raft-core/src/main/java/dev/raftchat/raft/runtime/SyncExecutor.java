package dev.raftchat.raft.runtime;

/**
 * Where {@link RaftDriver}'s syncs run: "the syncs in flight". Production ({@link RaftServer}) runs an
 * overlapped sync on the node's sync thread and an awaited one inline on the Raft thread; the simulator runs
 * both later in virtual time, so that a crash can strike while one is in flight.
 *
 * <p>Both tasks are the driver's own: the binding only decides when and where they run, runs each exactly
 * once (or never, if the node crashes first), and never runs an awaited sync concurrently with the driver.
 */
public interface SyncExecutor {

    /**
     * Runs {@code sync} (it forces the storage and sends the acknowledgements that waited for it) off the
     * driver's flow, then lets the driver know: production runs it on the sync thread and unparks the Raft
     * thread; the simulator runs it in a later event and then drives the node. Must not run it inline.
     */
    void runOverlapped(Runnable sync);

    /**
     * Runs {@code syncThenContinue}, a sync the driver waits for followed by the rest of the Ready's duties,
     * on the driver's thread: production inline; the simulator in a later event, the node taking no input
     * meanwhile ({@link RaftDriver#busy()}).
     */
    void runAwaited(Runnable syncThenContinue);

    /** Stops accepting syncs (at shutdown). */
    default void shutdown() {}
}
