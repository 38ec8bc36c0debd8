package dev.raftchat.chat.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftchat.raft.statemachine.StateMachine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The timing decorator delegates every method of the contract and records each apply, snapshot and restore. */
class MeteredStateMachineTest {

    @Test
    void everyMethodOfTheContractIsDelegatedNotLeftToItsDefault() throws NoSuchMethodException {
        for (Method method : StateMachine.class.getMethods()) {
            if (Modifier.isStatic(method.getModifiers())) {
                continue;
            }
            Method implementation = MeteredStateMachine.class.getMethod(method.getName(), method.getParameterTypes());
            assertThat(implementation.getDeclaringClass())
                    .as("%s must be delegated", method.getName())
                    .isEqualTo(MeteredStateMachine.class);
        }
    }

    @Test
    void appliesSnapshotsAndRestoresAreTimedAndPassThrough() throws IOException {
        List<String> calls = new ArrayList<>();
        StateMachine delegate = new StateMachine() {
            @Override
            public byte[] apply(long index, byte[] command) {
                calls.add("apply " + index);
                if (index == 3) {
                    throw new IllegalStateException("refused");
                }
                return command;
            }

            @Override
            public Snapshot snapshot() {
                return out -> out.write("state".getBytes(StandardCharsets.UTF_8));
            }

            @Override
            public void restore(InputStream in) throws IOException {
                calls.add("restore " + new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        };
        try (ChatMetrics metrics = new ChatMetrics(
                1,
                () -> {
                    throw new AssertionError("gauges are not read here");
                },
                () -> 0)) {
            MeteredStateMachine metered = new MeteredStateMachine(delegate, metrics);
            assertThat(metered.apply(1, new byte[] {7})).containsExactly(7);
            assertThat(metered.apply(2, new byte[] {8})).containsExactly(8);
            assertThatThrownBy(() -> metered.apply(3, new byte[0])).hasMessage("refused");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            metered.snapshot().writeTo(out);
            metered.restore(new ByteArrayInputStream(out.toByteArray()));

            assertThat(calls).containsExactly("apply 1", "apply 2", "apply 3", "restore state");
            assertThat(metrics.registry().get("raft.apply").timer().count()).isEqualTo(3);
            assertThat(metrics.registry().get("chat.snapshot.write").timer().count())
                    .isEqualTo(1);
            assertThat(metrics.registry().get("chat.snapshot.restore").timer().count())
                    .isEqualTo(1);
        }
    }
}
