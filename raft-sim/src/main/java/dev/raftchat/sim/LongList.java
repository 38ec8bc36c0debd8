package dev.raftchat.sim;

import java.util.Arrays;

/** A growable list of primitive longs (no boxing on the simulator's hot path). */
final class LongList {
    private long[] values = new long[64];
    private int size;

    int size() {
        return size;
    }

    long get(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException(i + " outside [0, " + size + ")");
        }
        return values[i];
    }

    void add(long v) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = v;
    }

    void set(int i, long v) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException(i + " outside [0, " + size + ")");
        }
        values[i] = v;
    }

    void truncate(int newSize) {
        if (newSize < 0 || newSize > size) {
            throw new IndexOutOfBoundsException("cannot truncate " + size + " to " + newSize);
        }
        size = newSize;
    }
}
