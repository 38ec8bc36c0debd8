package dev.raftchat.raft.transport.netty;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets a repeated warning through at most once per interval, so that a peer that stays unreachable or a queue
 * that stays full logs a line every few seconds rather than one per message. Lock-free; any thread.
 */
final class WarnThrottle {
    private final long intervalNanos;
    private final AtomicLong nextNanos = new AtomicLong(System.nanoTime());

    WarnThrottle(long interval, TimeUnit unit) {
        this.intervalNanos = unit.toNanos(interval);
    }

    /** True for the first caller once the interval since the last warning has passed. */
    boolean allow() {
        long now = System.nanoTime();
        long next = nextNanos.get();
        return now - next >= 0 && nextNanos.compareAndSet(next, now + intervalNanos);
    }
}
