package dev.raftchat.chat.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The state budget agreed through the log (issue 21): the default a node offers follows its heap, and the
 * budget that apply checks is one replicated value, so that every replica refuses the same writes.
 */
class AgreedStateBudgetTest {
    private static final long MIB = 1024 * 1024;
    private static final long NOW = 1_800_000_000_000L;

    private final ChatStateMachine newBuild =
            new ChatStateMachine(ChatLimits.defaults(), ChatPolicy.defaults(), ChatCodec.COMMAND_VERSION_MAX);
    private final ChatStateMachine oldBuild = new ChatStateMachine(ChatLimits.defaults(), ChatPolicy.defaults(), 2);
    private long nextIndex = 1;

    private ChatResult apply(ChatStateMachine machine, ChatCommand command) {
        return machine.applyCommand(nextIndex++, ChatCodec.encode(command));
    }

    /** Applies one command on both machines; returns both results, encoded. */
    private List<byte[]> applyBoth(ChatCommand command) {
        long index = nextIndex++;
        byte[] bytes = ChatCodec.encode(command);
        return List.of(newBuild.apply(index, bytes), oldBuild.apply(index, bytes));
    }

    private static ChatCommand post(int n) {
        return new ChatCommand.PostMessageV2("room", "u", "x".repeat(4_000) + n, NOW + n, "", "");
    }

    @Test
    void theDefaultIsAThirdOfTheHeapInWholeMebibytesWithinTheFlagsRange() {
        assertThat(ChatPolicy.stateBytesMaxForHeap(6026 * MIB)).isEqualTo(2008 * MIB);
        assertThat(ChatPolicy.stateBytesMaxForHeap(1024 * MIB)).isEqualTo(341 * MIB);
        assertThat(ChatPolicy.stateBytesMaxForHeap(3 * MIB + 1)).isEqualTo(MIB);
        assertThat(ChatPolicy.stateBytesMaxForHeap(128 * 1024)).isEqualTo(ChatPolicy.STATE_BYTES_MAX_MIN);
        assertThat(ChatPolicy.stateBytesMaxForHeap(Long.MAX_VALUE)).isEqualTo(ChatPolicy.STATE_BYTES_MAX_LIMIT);
        assertThatThrownBy(() -> ChatPolicy.stateBytesMaxForHeap(0)).hasMessageContaining("heapBytes");
    }

    @Test
    void aCommandOfVersionThreeIsRefusedAlikeUntilTheClusterVersionIsThree() {
        applyBoth(new ChatCommand.SetClusterVersion(2));
        List<byte[]> results = applyBoth(new ChatCommand.SetStateBudget(MIB));

        assertThat(results.get(0)).isEqualTo(results.get(1));
        assertThat(ChatCodec.decodeResult(results.get(0)).errorMessage()).contains("above the cluster version 2");
        assertThat(newBuild.stateBytesMax()).isEqualTo(ChatPolicy.DEFAULT_STATE_BYTES_MAX);
        assertThat(newBuild.snapshotBytes()).isEqualTo(oldBuild.snapshotBytes());
    }

    @Test
    void theAgreedBudgetReplacesThePolicysAndWritesPastItAreRefused() {
        apply(newBuild, new ChatCommand.SetClusterVersion(3));
        assertThat(apply(newBuild, new ChatCommand.ReportStateBudget(1, 2 * MIB))
                        .accepted())
                .isTrue();
        assertThat(apply(newBuild, new ChatCommand.ReportStateBudget(2, MIB)).accepted())
                .isTrue();
        assertThat(newBuild.announcedStateBudgets()).containsEntry(1L, 2 * MIB).containsEntry(2L, MIB);
        assertThat(newBuild.agreedStateBytesMax()).isZero();
        assertThat(newBuild.stateBytesMax()).isEqualTo(ChatPolicy.DEFAULT_STATE_BYTES_MAX);

        assertThat(apply(newBuild, new ChatCommand.SetStateBudget(MIB)).accepted())
                .isTrue();
        assertThat(newBuild.stateBytesMax()).isEqualTo(MIB);
        ChatResult refused = null;
        for (int n = 0; n < 1_000 && refused == null; n++) {
            ChatResult result = apply(newBuild, post(n));
            refused = result.accepted() ? null : result;
        }
        assertThat(refused).isNotNull();
        assertThat(refused.errorCode()).isEqualTo("state_full");
        assertThat(refused.errorMessage()).contains("budget of 1 MiB").contains("--state-bytes-max");
        assertThat(newBuild.read(ChatModel::stateBytes)).isLessThanOrEqualTo(MIB);

        // A larger agreed budget makes room again.
        assertThat(apply(newBuild, new ChatCommand.SetStateBudget(4 * MIB)).accepted())
                .isTrue();
        assertThat(apply(newBuild, post(5_000)).accepted()).isTrue();
    }

    @Test
    void budgetsOutsideTheFlagsRangeAreRefusedAndChangeNothing() {
        apply(newBuild, new ChatCommand.SetClusterVersion(3));
        ChatResult tooSmall = apply(newBuild, new ChatCommand.SetStateBudget(MIB - 1));
        ChatResult badReport = apply(newBuild, new ChatCommand.ReportStateBudget(0, 8 * MIB));
        ChatResult tooLarge =
                apply(newBuild, new ChatCommand.ReportStateBudget(1, ChatPolicy.STATE_BYTES_MAX_LIMIT + 1));

        for (ChatResult result : List.of(tooSmall, badReport, tooLarge)) {
            assertThat(result.errorCode()).isEqualTo("invalid_state_budget");
        }
        assertThat(newBuild.agreedStateBytesMax()).isZero();
        assertThat(newBuild.announcedStateBudgets()).isEmpty();
    }

    @Test
    void theAgreedBudgetSurvivesASnapshotOfFormatFourAndReportsDoNot() throws IOException {
        apply(newBuild, new ChatCommand.SetClusterVersion(3));
        apply(newBuild, new ChatCommand.ReportStateBudget(1, 96 * MIB));
        apply(newBuild, new ChatCommand.SetStateBudget(96 * MIB));
        apply(newBuild, post(1));
        byte[] snapshot = newBuild.snapshotBytes();
        assertThat(snapshot[7]).isEqualTo((byte) ChatStateMachine.SNAPSHOT_FORMAT_VERSION);

        ChatStateMachine restored = new ChatStateMachine(ChatLimits.defaults());
        restored.restore(new ByteArrayInputStream(snapshot));

        assertThat(restored.agreedStateBytesMax()).isEqualTo(96 * MIB);
        assertThat(restored.stateBytesMax()).isEqualTo(96 * MIB);
        assertThat(restored.clusterVersion()).isEqualTo(3);
        assertThat(restored.announcedStateBudgets()).isEmpty();
        assertThat(restored.snapshotBytes()).isEqualTo(snapshot);
        // A node that reads only up to version 2 refuses it rather than apply another budget.
        assertThatThrownBy(() -> oldBuild.restore(new ByteArrayInputStream(snapshot)))
                .isInstanceOf(IOException.class);
    }

    @Test
    void theCodecRoundTripsBothCommandsAsVersionThree() {
        for (ChatCommand command :
                List.of(new ChatCommand.ReportStateBudget(3, 700 * MIB), new ChatCommand.SetStateBudget(700 * MIB))) {
            byte[] bytes = ChatCodec.encode(command);
            assertThat(ChatCodec.declaredCommandVersion(bytes)).isEqualTo(3);
            assertThat(ChatCodec.decodeCommand(bytes)).isEqualTo(command);
            assertThatThrownBy(() -> ChatCodec.decodeCommand(bytes, 2)).isInstanceOf(InvalidCommandException.class);
        }
    }
}
