package dev.raftchat.sim;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/** A set of {@link Counter} values. Not thread-safe; merge per-thread instances with {@link #add}. */
// EnumOrdinal: the counters are a dense array indexed by ordinal, for the simulator's hot loop; they are never
// stored or sent, so a reordered enum cannot misread them.
@SuppressWarnings("EnumOrdinal")
public final class Counters {
    private final long[] values = new long[Counter.values().length];

    public void increment(Counter c) {
        values[c.ordinal()]++;
    }

    public void add(Counter c, long delta) {
        values[c.ordinal()] += delta;
    }

    public long get(Counter c) {
        return values[c.ordinal()];
    }

    public void add(Counters other) {
        for (int i = 0; i < values.length; i++) {
            values[i] += other.values[i];
        }
    }

    public Map<Counter, Long> asMap() {
        Map<Counter, Long> m = new EnumMap<>(Counter.class);
        for (Counter c : Counter.values()) {
            m.put(c, values[c.ordinal()]);
        }
        return m;
    }

    /** One counter per line, aligned, for humans. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        for (Counter c : Counter.values()) {
            sb.append(String.format("  %-32s %,d%n", c.name().toLowerCase(Locale.ROOT), get(c)));
        }
        return sb.toString();
    }
}
