package dev.raftchat.chat.auth;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Token buckets by key (a user, a client address): each key may spend {@code burst} actions at once and
 * regains {@code perMinute} per minute. At most {@code keysMax} keys are tracked; the least recently used
 * is forgotten beyond that (it then starts with a full bucket, which errs on the side of letting a client
 * through rather than growing memory). Local to a node: limits are per node, not cluster-wide.
 * Thread-safe (one lock; every call is O(1)).
 */
public final class RateLimiter {
    private final double perNano;
    private final double burst;
    private final int keysMax;
    private final LongSupplier nanoClock;
    private final LinkedHashMap<String, Bucket> buckets;

    /** @param nanoClock {@link System#nanoTime} in production; a fake in tests */
    public RateLimiter(int perMinute, int burst, int keysMax, LongSupplier nanoClock) {
        if (perMinute < 1 || burst < 1 || keysMax < 1) {
            throw new IllegalArgumentException("rate " + perMinute + "/min, burst " + burst + " and keysMax " + keysMax
                    + " must all be at least 1");
        }
        this.perNano = perMinute / 60e9;
        this.burst = burst;
        this.keysMax = keysMax;
        this.nanoClock = nanoClock;
        this.buckets = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
                return size() > RateLimiter.this.keysMax;
            }
        };
    }

    /**
     * Spends one action of {@code key}: 0 when allowed, else the whole seconds to wait before the next one
     * is (for {@code Retry-After}); nothing is spent when refused.
     */
    public synchronized long tryAcquire(String key) {
        long now = nanoClock.getAsLong();
        Bucket bucket = buckets.get(key);
        if (bucket == null) {
            bucket = new Bucket(burst, now);
            buckets.put(key, bucket);
        }
        bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.atNanos) * perNano);
        bucket.atNanos = now;
        if (bucket.tokens >= 1) {
            bucket.tokens -= 1;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - bucket.tokens) / perNano / 1e9));
    }

    private static final class Bucket {
        double tokens;
        long atNanos;

        Bucket(double tokens, long atNanos) {
            this.tokens = tokens;
            this.atNanos = atNanos;
        }
    }

    public synchronized int trackedKeys() {
        return buckets.size();
    }
}
