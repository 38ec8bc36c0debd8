package dev.raftchat.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.statemachine.StateMachine;
import dev.raftchat.raft.testkit.StateMachineSimulation;
import dev.raftchat.sim.RegisterMapping;
import dev.raftchat.sim.SeedRunner;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The KV example under the deterministic simulator (raft-testkit): registers are keys {@code k<n>}, values are
 * decimal numbers; every seed's faults, the register model at each index and linearizability are checked.
 * A failure prints its seed; {@code StateMachineSimulation.of(new KvMapping()).replay(seed)} runs it again.
 */
class KvStoreSimulationTest {

    // tag::mapping[]
    /** The simulator's register operations as {@link KvStore} commands. */
    static final class KvMapping implements RegisterMapping {
        @Override
        public StateMachine create() {
            return new KvStore();
        }

        @Override
        public byte[] write(int key, long value) {
            return utf8("put k" + key + " " + value);
        }

        @Override
        public byte[] read(int key) {
            return utf8("get k" + key);
        }

        @Override
        public byte[] compareAndSet(int key, long expected, long value) {
            // The register's initial value (0) is an absent key here.
            return utf8("cas k" + key + " " + (expected == 0 ? KvStore.ABSENT : Long.toString(expected)) + " " + value);
        }

        @Override
        public byte[] query(int key) {
            return read(key);
        }

        @Override
        public long value(byte[] result) {
            String text = new String(result, StandardCharsets.UTF_8);
            return text.isEmpty() ? 0 : Long.parseLong(text);
        }

        @Override
        public boolean swapped(byte[] result) {
            return new String(result, StandardCharsets.UTF_8).equals("ok");
        }

        private static byte[] utf8(String text) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
    }
    // end::mapping[]

    // tag::simulation[]
    @Test
    void theKvStoreStaysLinearizableUnderTheSimulatorsFaults() {
        SeedRunner.Summary summary =
                StateMachineSimulation.of(new KvMapping()).seeds(22_000, 60).check();
        assertThat(summary.passed()).isEqualTo(60);
    }
    // end::simulation[]
}
