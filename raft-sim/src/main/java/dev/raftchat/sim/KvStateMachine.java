package dev.raftchat.sim;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;

/**
 * The replicated register map of the workload. Deterministic; volatile (rebuilt from the latest
 * snapshot, if any, and by replaying the log after a restart). It keeps an order-independent hash of its
 * content up to date, so the checkers can compare states of different nodes at one index cheaply. Not
 * thread-safe: used from the simulator's thread only.
 */
final class KvStateMachine {

    /** The result of applying one command: for a read the value, for a CAS 1 if it swapped. */
    record Applied(KvCommand command, long result) {}

    private final TreeMap<Integer, Long> values = new TreeMap<>();
    private long appliedIndex;
    /** Sum of {@link #entryHash} over the map's entries: independent of the order of writes. */
    private long stateHash;

    /** An order-independent hash of the register values (not of the applied index). */
    long stateHash() {
        return stateHash;
    }

    /** The whole state: applied index, then (key, value) pairs in ascending key order. */
    byte[] snapshot() {
        return snapshot(false);
    }

    /**
     * The whole state: applied index, then (key, value) pairs, in descending key order if asked. Both orders
     * restore the same state from different bytes, so a transfer that splices two of them is caught.
     */
    byte[] snapshot(boolean descending) {
        ByteBuffer buf = ByteBuffer.allocate(Long.BYTES + Integer.BYTES + values.size() * (Integer.BYTES + Long.BYTES));
        buf.putLong(appliedIndex);
        buf.putInt(values.size());
        for (Map.Entry<Integer, Long> e : (descending ? values.descendingMap() : values).entrySet()) {
            buf.putInt(e.getKey());
            buf.putLong(e.getValue());
        }
        return buf.array();
    }

    /** The state machine a {@link #snapshot()} describes; malformed data is an IllegalArgumentException. */
    static KvStateMachine restore(byte[] snapshot) {
        try {
            ByteBuffer buf = ByteBuffer.wrap(snapshot);
            KvStateMachine sm = new KvStateMachine();
            sm.appliedIndex = buf.getLong();
            int count = buf.getInt();
            for (int i = 0; i < count; i++) {
                int key = buf.getInt();
                if (sm.values.containsKey(key)) {
                    throw new IllegalArgumentException("KV snapshot of " + snapshot.length + " bytes names key " + key
                            + " twice (spliced from two snapshots?)");
                }
                sm.put(key, buf.getLong());
            }
            if (buf.hasRemaining() || sm.appliedIndex < 0) {
                throw new IllegalArgumentException("malformed KV snapshot of " + snapshot.length + " bytes");
            }
            return sm;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated KV snapshot of " + snapshot.length + " bytes", e);
        }
    }

    private void put(int key, long value) {
        Long old = values.put(key, value);
        if (old != null) {
            stateHash -= entryHash(key, old);
        }
        stateHash += entryHash(key, value);
    }

    private static long entryHash(int key, long value) {
        return InvariantChecker.mix(InvariantChecker.mix(key * 0x9e3779b97f4a7c15L) ^ value);
    }

    long appliedIndex() {
        return appliedIndex;
    }

    /** The current value of {@code key}, for reads served outside the log. */
    long value(int key) {
        return values.getOrDefault(key, KvOp.NO_VALUE);
    }

    /** Applies the command at {@code index}, which must directly follow the last applied index. */
    Applied apply(long index, KvCommand command) {
        markApplied(index);
        long current = values.getOrDefault(command.key(), KvOp.NO_VALUE);
        long result = switch (command.kind()) {
            case READ -> current;
            case WRITE -> {
                put(command.key(), command.argument());
                yield 0;
            }
            case CAS -> {
                if (current == command.expected()) {
                    put(command.key(), command.argument());
                    yield 1;
                }
                yield 0;
            }
        };
        return new Applied(command, result);
    }

    /** Records an entry with no command (a no-op or a configuration change) at {@code index}. */
    void skip(long index) {
        markApplied(index);
    }

    private void markApplied(long index) {
        if (index != appliedIndex + 1) {
            throw new IllegalStateException("applied index " + index + " does not follow " + appliedIndex);
        }
        appliedIndex = index;
    }
}
