package dev.raftchat.raft.runtime;

/**
 * A small metrics SPI, so that the library forces no metrics framework on its users. Every method has
 * a no-op default; implement the ones you care about and bridge them to Micrometer, Prometheus, JMX...
 *
 * <p><b>Threading.</b> Most methods are called on the server's Raft thread; {@link #proposalRejected}
 * and {@link #inboundMessageDropped} may be called from any thread (callers of
 * {@link RaftServer#propose} and the transport's threads). Implementations must be thread-safe, must
 * not block and must not throw (an exception thrown on the Raft thread stops the server).
 */
public interface RaftMetrics {

    /** Records nothing. */
    RaftMetrics NOOP = new RaftMetrics() {};

    /** {@code count} proposals were handed to the Raft node in one batch (one {@code propose} call). */
    default void proposalsBatched(int count) {}

    /** A proposal was refused before it reached Raft (over a limit, not leader, closed). */
    default void proposalRejected(Class<? extends Throwable> reason) {}

    /** A proposal of this node was applied and its future completed with the state machine's result. */
    default void proposalCompleted(long latencyNanos) {}

    /** A proposal timed out; its outcome is unknown. */
    default void proposalTimedOut() {}

    /** {@code count} committed entries (of any type) were applied; {@code lastIndex} is the highest. */
    default void entriesApplied(int count, long lastIndex) {}

    /** One {@code LogStorage.sync()} completed, covering {@code entries} new entries. */
    default void syncCompleted(long durationNanos, int entries) {}

    /** One {@code Ready} was handled end to end. */
    default void readyHandled(int entriesPersisted, int messagesSent, int entriesApplied) {}

    /** An inbound message was dropped because the inbox was full (Raft retries). */
    default void inboundMessageDropped() {}

    /**
     * A committed NORMAL entry at {@code index} was not a command envelope this runtime can read (forged,
     * corrupt or foreign data that reached the log): it was applied as a rejection, without calling the
     * state machine, as on every other replica.
     */
    default void undecodableEntryApplied(long index) {}

    /** This node saw a new leader ({@code leaderId} 0: none known) in {@code term}. */
    default void leaderChanged(long term, long leaderId) {}
}
