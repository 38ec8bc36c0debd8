package dev.raftchat.raft.transport.netty;

import java.util.function.LongUnaryOperator;

/**
 * Capped exponential backoff with jitter, as a pure function so it can be tested without a clock.
 *
 * <p>Attempt {@code n} (0-based, counting consecutive failures) waits a delay drawn uniformly from
 * {@code [ceiling / 2, ceiling]} where {@code ceiling = min(max, min * 2^n)}. Half of the delay is
 * random so that peers that lost a node at the same moment do not reconnect in lockstep; the other
 * half keeps the delay from collapsing to zero ("equal jitter").
 */
final class ReconnectBackoff {
    private final long minMillis;
    private final long maxMillis;

    ReconnectBackoff(long minMillis, long maxMillis) {
        if (minMillis < 1 || maxMillis < minMillis) {
            throw new IllegalArgumentException("backoff needs 1 <= min <= max, got " + minMillis + ", " + maxMillis);
        }
        this.minMillis = minMillis;
        this.maxMillis = maxMillis;
    }

    /** The ceiling of attempt {@code failedAttempts}, before jitter. */
    long ceilingMillis(int failedAttempts) {
        if (failedAttempts < 0) {
            throw new IllegalArgumentException("failedAttempts must be >= 0, got " + failedAttempts);
        }
        // Doubling past 62 shifts would overflow; by then the cap has long been reached.
        int shift = Math.min(failedAttempts, 62);
        long ceiling = minMillis << shift;
        return (ceiling <= 0 || (ceiling >> shift) != minMillis) ? maxMillis : Math.min(maxMillis, ceiling);
    }

    /**
     * The delay of attempt {@code failedAttempts}; {@code randomBelow.applyAsLong(bound)} must return a
     * value in {@code [0, bound)}.
     */
    long delayMillis(int failedAttempts, LongUnaryOperator randomBelow) {
        long ceiling = ceilingMillis(failedAttempts);
        long floor = ceiling / 2;
        long span = ceiling - floor + 1;
        long jitter = randomBelow.applyAsLong(span);
        if (jitter < 0 || jitter >= span) {
            throw new IllegalStateException("random source returned " + jitter + " outside [0, " + span + ")");
        }
        return floor + jitter;
    }
}
