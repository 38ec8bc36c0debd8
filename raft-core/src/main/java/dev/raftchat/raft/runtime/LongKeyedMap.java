package dev.raftchat.raft.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A map from {@code long} keys to non-null values, by open addressing with linear probing: no boxed key, no
 * node per entry. The runtime keys its proposals by sequence and by log index with it; a
 * {@code ConcurrentHashMap<Long, ...>} and a {@code TreeMap<Long, ...>} there cost a fifth of the Java CPU
 * samples of a 128-client benchmark (docs/benchmarks.md, 2026-12-07 22:05).
 *
 * <p>The table is a power of two at most half full (it doubles when an insertion would pass that); removal
 * shifts the following entries of the probe run back, so lookups never meet tombstones. It never shrinks:
 * its users bound how many entries it holds.
 *
 * <p>Not thread-safe.
 */
final class LongKeyedMap<V> {

    private static final int INITIAL_CAPACITY = 16;
    /** Fibonacci hashing: spreads consecutive keys (sequences, log indexes) over the whole table. */
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private long[] keys;
    /** A null value marks a free slot. */
    private Object[] values;

    private int size;
    /** 64 minus log2 of the capacity: the shift that maps a hash to a slot. */
    private int shift;

    LongKeyedMap() {
        allocate(INITIAL_CAPACITY);
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The value of {@code key}, or null. */
    @SuppressWarnings("unchecked") // only V is ever stored
    V get(long key) {
        int mask = values.length - 1;
        for (int slot = slotOf(key); ; slot = (slot + 1) & mask) {
            Object value = values[slot];
            if (value == null) {
                return null;
            }
            if (keys[slot] == key) {
                return (V) value;
            }
        }
    }

    /** Maps {@code key} to {@code value}; returns the value it replaced, or null. */
    @SuppressWarnings("unchecked") // only V is ever stored
    V put(long key, V value) {
        Objects.requireNonNull(value, "value");
        if (2 * (size + 1) > values.length) {
            grow();
        }
        int mask = values.length - 1;
        for (int slot = slotOf(key); ; slot = (slot + 1) & mask) {
            Object present = values[slot];
            if (present == null) {
                keys[slot] = key;
                values[slot] = value;
                size++;
                return null;
            }
            if (keys[slot] == key) {
                values[slot] = value;
                return (V) present;
            }
        }
    }

    /** Removes {@code key}; returns its value, or null when it had none. */
    @SuppressWarnings("unchecked") // only V is ever stored
    V remove(long key) {
        int mask = values.length - 1;
        for (int slot = slotOf(key); ; slot = (slot + 1) & mask) {
            Object present = values[slot];
            if (present == null) {
                return null;
            }
            if (keys[slot] == key) {
                deleteAt(slot);
                return (V) present;
            }
        }
    }

    /** Removes every entry whose value matches {@code filter}. */
    @SuppressWarnings("unchecked") // only V is ever stored
    void removeValuesIf(Predicate<? super V> filter) {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        allocate(oldValues.length);
        for (int slot = 0; slot < oldValues.length; slot++) {
            if (oldValues[slot] != null && !filter.test((V) oldValues[slot])) {
                put(oldKeys[slot], (V) oldValues[slot]);
            }
        }
    }

    /** The values, in no particular order: a copy. */
    @SuppressWarnings("unchecked") // only V is ever stored
    List<V> values() {
        List<V> copy = new ArrayList<>(size);
        for (Object value : values) {
            if (value != null) {
                copy.add((V) value);
            }
        }
        return copy;
    }

    void clear() {
        Arrays.fill(values, null);
        size = 0;
    }

    private int slotOf(long key) {
        return (int) ((key * GOLDEN) >>> shift);
    }

    /**
     * Frees {@code slot} and moves back each later entry of its probe run that may no longer be reached past the
     * gap (its home slot is not cyclically within (gap, its slot]).
     */
    private void deleteAt(int slot) {
        int mask = values.length - 1;
        int gap = slot;
        for (int next = (gap + 1) & mask; values[next] != null; next = (next + 1) & mask) {
            int home = slotOf(keys[next]);
            boolean reachable = gap <= next ? (home > gap && home <= next) : (home > gap || home <= next);
            if (!reachable) {
                keys[gap] = keys[next];
                values[gap] = values[next];
                gap = next;
            }
        }
        values[gap] = null;
        size--;
    }

    @SuppressWarnings("unchecked") // only V is ever stored
    private void grow() {
        long[] oldKeys = keys;
        Object[] oldValues = values;
        allocate(oldValues.length * 2);
        for (int slot = 0; slot < oldValues.length; slot++) {
            if (oldValues[slot] != null) {
                put(oldKeys[slot], (V) oldValues[slot]);
            }
        }
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        values = new Object[capacity];
        size = 0;
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
    }
}
