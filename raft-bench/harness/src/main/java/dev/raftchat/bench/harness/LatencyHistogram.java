package dev.raftchat.bench.harness;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A fixed-bucket latency histogram in nanoseconds: each power of two is split into
 * {@value #SUB_BUCKETS} linear sub-buckets, so a reported percentile is within 1/{@value #SUB_BUCKETS}
 * (about 1.6 %) above the true value. Values from 0 to 2^{@value #EXPONENTS} ns (about 18 minutes).
 *
 * <p>Thread-safe and lock-free: {@link #record} is one atomic increment.
 */
public final class LatencyHistogram {
    static final int SUB_BUCKET_BITS = 6;
    static final int SUB_BUCKETS = 1 << SUB_BUCKET_BITS;
    static final int EXPONENTS = 40;

    private final AtomicLongArray counts = new AtomicLongArray(EXPONENTS * SUB_BUCKETS + SUB_BUCKETS);

    /** Records one latency; negative values are a caller bug. */
    public void record(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("negative latency: " + nanos + " ns");
        }
        counts.incrementAndGet(indexOf(Math.min(nanos, (1L << EXPONENTS) - 1)));
    }

    static int indexOf(long value) {
        if (value < SUB_BUCKETS) {
            return (int) value;
        }
        // value >>> shift lies in [SUB_BUCKETS, 2 * SUB_BUCKETS): its top bits pick the sub-bucket.
        int shift = 63 - Long.numberOfLeadingZeros(value) - SUB_BUCKET_BITS;
        int subBucket = (int) (value >>> shift) - SUB_BUCKETS;
        return (shift + 1) * SUB_BUCKETS + subBucket;
    }

    /** The largest value that falls in bucket {@code index}. */
    static long upperBoundOf(int index) {
        if (index < SUB_BUCKETS) {
            return index;
        }
        int shift = index / SUB_BUCKETS - 1;
        long topBits = (long) (index % SUB_BUCKETS) + SUB_BUCKETS;
        return ((topBits + 1) << shift) - 1;
    }

    public long count() {
        long total = 0;
        for (int i = 0; i < counts.length(); i++) {
            total += counts.get(i);
        }
        return total;
    }

    /** The latency at {@code quantile} (in (0, 1]) in nanoseconds, or 0 when empty. */
    public long valueAt(double quantile) {
        if (!(quantile > 0 && quantile <= 1)) {
            throw new IllegalArgumentException("quantile must be in (0, 1]: " + quantile);
        }
        long total = count();
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(quantile * total);
        long seen = 0;
        for (int i = 0; i < counts.length(); i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                return upperBoundOf(i);
            }
        }
        throw new IllegalStateException("unreachable: rank " + rank + " beyond " + seen);
    }
}
