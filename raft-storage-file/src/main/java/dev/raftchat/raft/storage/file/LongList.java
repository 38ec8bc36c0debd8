package dev.raftchat.raft.storage.file;

import java.util.Arrays;

/** A growable array of primitive longs (no boxing for millions of record offsets). */
final class LongList {
    private long[] values = new long[16];
    private int size;

    int size() {
        return size;
    }

    long get(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("index " + i + " outside [0, " + size + ")");
        }
        return values[i];
    }

    long last() {
        return get(size - 1);
    }

    void add(long value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, values.length * 2);
        }
        values[size++] = value;
    }

    /** Keeps the first {@code newSize} values. */
    void truncate(int newSize) {
        if (newSize < 0 || newSize > size) {
            throw new IndexOutOfBoundsException("cannot truncate " + size + " values to " + newSize);
        }
        size = newSize;
    }
}
