package dev.raftchat.sim;

import dev.raftchat.raft.statemachine.StateMachine;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * The workload's register map behind the runtime's {@link StateMachine} contract: commands are encoded
 * {@link KvCommand}s and results 8-byte values; a query is a 4-byte key. Reports every command it applies
 * to the simulation (a command belongs to exactly one log index).
 */
final class SimStateMachine implements StateMachine {

    private final Simulation sim;
    private final SimNode node;
    /** Writes snapshots with the registers in descending key order: same state, other bytes. */
    private final boolean descendingSnapshots;

    private KvStateMachine state = new KvStateMachine();

    SimStateMachine(Simulation sim, SimNode node, boolean descendingSnapshots) {
        this.sim = sim;
        this.node = node;
        this.descendingSnapshots = descendingSnapshots;
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
    public byte[] apply(long index, byte[] command) {
        KvCommand decoded = KvCommand.decode(command);
        KvStateMachine.Applied applied = state.apply(index, decoded);
        sim.onCommandApplied(node, index, decoded);
        return longBytes(applied.result());
    }

    @Override
    public byte[] query(byte[] query) {
        return longBytes(state.value(ByteBuffer.wrap(query).getInt()));
    }

    @Override
    public Snapshot snapshot() {
        byte[] data = state.snapshot(descendingSnapshots);
        return out -> out.write(data);
    }

    @Override
    public void restore(InputStream in) throws IOException {
        byte[] data = in.readAllBytes();
        try {
            state = KvStateMachine.restore(data);
        } catch (IllegalArgumentException e) {
            throw new SimulationFailure("node " + node.id + ": snapshot is corrupt: " + e.getMessage());
        }
    }

    private static byte[] longBytes(long value) {
        return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
    }
}
