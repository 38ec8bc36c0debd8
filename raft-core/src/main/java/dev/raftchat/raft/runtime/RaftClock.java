package dev.raftchat.raft.runtime;

/**
 * What time it is, for {@link RaftDriver}: a monotonic clock in nanoseconds with an arbitrary origin, like
 * {@link System#nanoTime()}. Production binds {@link #SYSTEM}; the simulator binds each node to virtual time,
 * with its own rate (clock drift) and origin (a new one at every restart).
 */
@FunctionalInterface
public interface RaftClock {

    /** The system's monotonic clock. */
    RaftClock SYSTEM = System::nanoTime;

    long nanoTime();
}
