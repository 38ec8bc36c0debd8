package dev.raftchat.sim;

import java.util.TreeMap;

/**
 * The replicated register map of the workload. Deterministic; volatile (rebuilt by replaying the log
 * after a restart). Not thread-safe: used from the simulator's thread only.
 */
final class KvStateMachine {

    /** The result of applying one command: for a read the value, for a CAS 1 if it swapped. */
    record Applied(KvCommand command, long result) {}

    private final TreeMap<Integer, Long> values = new TreeMap<>();
    private long appliedIndex;

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
                values.put(command.key(), command.argument());
                yield 0;
            }
            case CAS -> {
                if (current == command.expected()) {
                    values.put(command.key(), command.argument());
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
