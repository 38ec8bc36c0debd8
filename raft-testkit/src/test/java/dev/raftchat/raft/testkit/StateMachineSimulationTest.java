package dev.raftchat.raft.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftchat.raft.statemachine.StateMachine;
import dev.raftchat.sim.Counter;
import dev.raftchat.sim.RegisterMapping;
import dev.raftchat.sim.SeedRunner;
import dev.raftchat.sim.SimResult;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The simulation kit passes a correct machine and catches broken ones, naming a seed that replays alike. */
class StateMachineSimulationTest {

    /** Registers in a map: commands {@code w key value}, {@code r key}, {@code c key expected value}. */
    static class Registers implements StateMachine {
        final TreeMap<Integer, Long> values = new TreeMap<>();

        @Override
        public byte[] apply(long index, byte[] command) {
            ByteBuffer in = ByteBuffer.wrap(command);
            byte kind = in.get();
            int key = in.getInt();
            long current = values.getOrDefault(key, 0L);
            long result = switch (kind) {
                case 'w' -> {
                    values.put(key, in.getLong());
                    yield 0;
                }
                case 'c' -> {
                    long expected = in.getLong();
                    long value = in.getLong();
                    if (current == expected) {
                        values.put(key, value);
                        yield 1;
                    }
                    yield 0;
                }
                default -> current;
            };
            return ByteBuffer.allocate(8).putLong(result).array();
        }

        @Override
        public byte[] query(byte[] query) {
            return ByteBuffer.allocate(8)
                    .putLong(values.getOrDefault(ByteBuffer.wrap(query).getInt(), 0L))
                    .array();
        }

        @Override
        public Snapshot snapshot() {
            Map<Integer, Long> copy = new TreeMap<>(values);
            return out -> {
                DataOutputStream data = new DataOutputStream(out);
                data.writeInt(copy.size());
                for (Map.Entry<Integer, Long> e : copy.entrySet()) {
                    data.writeInt(e.getKey());
                    data.writeLong(e.getValue());
                }
                data.flush();
            };
        }

        @Override
        public void restore(InputStream in) throws IOException {
            DataInputStream data = new DataInputStream(in);
            values.clear();
            int count = data.readInt();
            for (int i = 0; i < count; i++) {
                values.put(data.readInt(), data.readLong());
            }
        }
    }

    /** Its snapshots hold nothing: a node restored from one forgets every write before it. */
    static final class ForgetfulRegisters extends Registers {
        @Override
        public Snapshot snapshot() {
            return out -> new DataOutputStream(out).writeInt(0);
        }
    }

    record Mapping(boolean forgetful) implements RegisterMapping {
        @Override
        public StateMachine create() {
            return forgetful ? new ForgetfulRegisters() : new Registers();
        }

        @Override
        public byte[] write(int key, long value) {
            return ByteBuffer.allocate(13)
                    .put((byte) 'w')
                    .putInt(key)
                    .putLong(value)
                    .array();
        }

        @Override
        public byte[] read(int key) {
            return ByteBuffer.allocate(5).put((byte) 'r').putInt(key).array();
        }

        @Override
        public byte[] compareAndSet(int key, long expected, long value) {
            return ByteBuffer.allocate(21)
                    .put((byte) 'c')
                    .putInt(key)
                    .putLong(expected)
                    .putLong(value)
                    .array();
        }

        @Override
        public byte[] query(int key) {
            return ByteBuffer.allocate(4).putInt(key).array();
        }

        @Override
        public long value(byte[] result) {
            return ByteBuffer.wrap(result).getLong();
        }

        @Override
        public boolean swapped(byte[] result) {
            return ByteBuffer.wrap(result).getLong() == 1;
        }
    }

    @Test
    void aCorrectMachinePassesEverySeed() {
        SeedRunner.Summary summary =
                StateMachineSimulation.of(new Mapping(false)).seeds(9_100, 40).check();
        assertThat(summary.passed()).isEqualTo(40);
        // The machines' snapshots were written, sent and restored, not just their commands applied.
        assertThat(summary.counters().get(Counter.SNAPSHOTS_INSTALLED)).isPositive();
    }

    @Test
    void aMachineThatForgetsItsSnapshotsIsCaughtAndItsSeedReplaysAlike() {
        StateMachineSimulation simulation =
                StateMachineSimulation.of(new Mapping(true)).seeds(9_100, 40);
        SeedRunner.Summary summary = simulation.run();
        assertThat(summary.failures()).isNotEmpty();
        SimResult first = summary.failures().get(0);
        assertThat(first.failure()).containsAnyOf("register model", "linearizability");

        SimResult replayed = simulation.replay(first.seed());
        assertThat(replayed.failure()).isEqualTo(first.failure());
        assertThat(replayed.eventHash()).isEqualTo(first.eventHash());
        assertThatThrownBy(simulation::check)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("FAILED seed " + first.seed())
                .hasMessageContaining("replay(" + first.seed() + ")");
    }
}
