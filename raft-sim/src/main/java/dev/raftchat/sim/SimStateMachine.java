package dev.raftchat.sim;

import dev.raftchat.raft.confchange.ConfChange;
import dev.raftchat.raft.statemachine.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * The workload's register map behind the runtime's {@link StateMachine} contract: commands are encoded
 * {@link KvCommand}s and results 8-byte values; a query is a 4-byte key. Reports every command it applies
 * to the simulation (a command belongs to exactly one log index).
 *
 * <p>With an embedder's machine ({@link RegisterMapping}) the register model still runs, for the invariant
 * checks' state hash, but the results handed back (to clients, and so to the linearizability checker) are the
 * embedder's machine's, and each must equal the model's at its index. Snapshots then frame both: the model's
 * bytes, then the embedder's machine's.
 */
final class SimStateMachine implements StateMachine {

    private final Simulation sim;
    private final SimNode node;
    /** Writes snapshots with the registers in descending key order: same state, other bytes. */
    private final boolean descendingSnapshots;

    private KvStateMachine state = new KvStateMachine();
    /** Null unless the run checks an embedder's machine. */
    private final RegisterMapping mapping;

    private final StateMachine embedded;

    SimStateMachine(Simulation sim, SimNode node, boolean descendingSnapshots, RegisterMapping mapping) {
        this.sim = sim;
        this.node = node;
        this.descendingSnapshots = descendingSnapshots;
        this.mapping = mapping;
        this.embedded = mapping == null ? null : mapping.create();
    }

    long appliedIndex() {
        return state.appliedIndex();
    }

    long stateHash() {
        return state.stateHash();
    }

    /** An entry without a command (a no-op or a configuration change) was applied at {@code index}. */
    void skip(long index) {
        state.skip(index);
    }

    @Override
    public void applyMembershipChange(long index, ConfChange change) {
        if (embedded != null) {
            embedded.applyMembershipChange(index, change);
        }
    }

    @Override
    public byte[] apply(long index, byte[] command) {
        KvCommand decoded = KvCommand.decode(command);
        KvStateMachine.Applied applied = state.apply(index, decoded);
        sim.onCommandApplied(node, index, decoded);
        long result = applied.result();
        if (embedded != null) {
            result = applyEmbedded(index, decoded, result);
        }
        return longBytes(result);
    }

    /** Applies the command to the embedder's machine; its result must be the register model's. */
    private long applyEmbedded(long index, KvCommand command, long expected) {
        byte[] translated = switch (command.kind()) {
            case READ -> mapping.read(command.key());
            case WRITE -> mapping.write(command.key(), command.argument());
            case CAS -> mapping.compareAndSet(command.key(), command.expected(), command.argument());
        };
        byte[] answer = embedded.apply(index, translated);
        long result = switch (command.kind()) {
            case READ -> mapping.value(answer);
            case WRITE -> 0;
            case CAS -> mapping.swapped(answer) ? 1 : 0;
        };
        if (result != expected) {
            throw new SimulationFailure("node " + node.id + ": the state machine answered " + result + " to "
                    + command.kind() + " of key " + command.key() + " at log index " + index + " where the register"
                    + " model answers " + expected + " (a lost or repeated write, or state not restored from a"
                    + " snapshot?)");
        }
        return result;
    }

    @Override
    public byte[] query(byte[] query) {
        int key = ByteBuffer.wrap(query).getInt();
        if (embedded != null) {
            long value = mapping.value(embedded.query(mapping.query(key)));
            if (value != state.value(key)) {
                // A query's exception only fails that read; make it fail the run.
                SimulationFailure failure = new SimulationFailure("node " + node.id
                        + ": the state machine's query of key " + key
                        + " answered " + value + " at applied index " + state.appliedIndex() + " where the register"
                        + " model holds " + state.value(key));
                sim.failAfterEvent(failure);
                throw failure;
            }
            return longBytes(value);
        }
        return longBytes(state.value(key));
    }

    @Override
    public Snapshot snapshot() {
        byte[] data = state.snapshot(descendingSnapshots);
        if (embedded == null) {
            return out -> out.write(data);
        }
        Snapshot theirs = embedded.snapshot();
        return out -> {
            DataOutputStream framed = new DataOutputStream(out);
            framed.writeInt(data.length);
            framed.write(data);
            framed.flush();
            theirs.writeTo(out);
        };
    }

    @Override
    public void restore(InputStream in) throws IOException {
        byte[] data;
        if (embedded == null) {
            data = in.readAllBytes();
        } else {
            DataInputStream framed = new DataInputStream(in);
            int length = framed.readInt();
            if (length < 0 || length > MODEL_SNAPSHOT_BYTES_MAX) {
                throw new SimulationFailure("node " + node.id + ": snapshot frame is corrupt: length " + length);
            }
            data = framed.readNBytes(length);
            embedded.restore(framed);
        }
        try {
            state = KvStateMachine.restore(data);
        } catch (IllegalArgumentException e) {
            throw new SimulationFailure("node " + node.id + ": snapshot is corrupt: " + e.getMessage());
        }
    }

    /** The register model's part of a framed snapshot is at most this large (keys are few in a run). */
    private static final int MODEL_SNAPSHOT_BYTES_MAX = 64 * 1024 * 1024;

    private static byte[] longBytes(long value) {
        return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
    }
}
