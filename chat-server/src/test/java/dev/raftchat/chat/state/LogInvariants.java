package dev.raftchat.chat.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.function.Supplier;

/**
 * What must hold for any log of encoded chat commands, whichever generator made it: the property tests of the
 * original API's commands ({@link ChatStateMachinePropertiesTest}) and of the v1 model's
 * ({@link ChatModelPropertiesTest}) check their logs with these.
 */
final class LogInvariants {
    private LogInvariants() {}

    /**
     * Two new machines applying {@code log} at indexes {@code indexStep} apart (gaps, as when conf changes and
     * no-ops are not handed to the machine) give the same results and the same snapshot.
     */
    static void assertApplyIsDeterministic(Supplier<ChatStateMachine> machines, List<byte[]> log, long indexStep) {
        ChatStateMachine first = machines.get();
        ChatStateMachine second = machines.get();
        for (int i = 0; i < log.size(); i++) {
            long index = indexStep * i + 1;
            assertThat(second.apply(index, log.get(i))).isEqualTo(first.apply(index, log.get(i)));
        }
        assertThat(second.snapshotBytes()).isEqualTo(first.snapshotBytes());
    }

    /**
     * A new machine restored from the snapshot of one that applied the first {@code cut} entries writes that
     * snapshot back byte for byte, and then answers the rest of {@code log} as the original does.
     */
    static void assertRestoreHasTheSameFuture(Supplier<ChatStateMachine> machines, List<byte[]> log, int cut)
            throws IOException {
        ChatStateMachine original = machines.get();
        for (int i = 0; i < cut; i++) {
            original.apply(i + 1, log.get(i));
        }
        byte[] snapshot = original.snapshotBytes();
        ChatStateMachine restored = machines.get();
        restored.restore(new ByteArrayInputStream(snapshot));
        assertThat(restored.snapshotBytes()).isEqualTo(snapshot);
        for (int i = cut; i < log.size(); i++) {
            assertThat(restored.apply(i + 1, log.get(i))).isEqualTo(original.apply(i + 1, log.get(i)));
        }
        assertThat(restored.snapshotBytes()).isEqualTo(original.snapshotBytes());
    }
}
