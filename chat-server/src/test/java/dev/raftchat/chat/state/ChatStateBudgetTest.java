package dev.raftchat.chat.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The state budget (issue 19, item 5): the running estimate, and writes past the budget refused whole. */
class ChatStateBudgetTest {
    private static final String ANN = "a".repeat(64);
    private static final long DAY = 86_400_000L;
    private long index;

    private static ChatResult apply(ChatStateMachine machine, long index, ChatCommand command) {
        return machine.applyCommand(index, ChatCodec.encode(command));
    }

    private long stateBytes(ChatStateMachine machine) {
        return machine.read(ChatModel::stateBytes);
    }

    private long recount(ChatStateMachine machine) {
        return machine.read(ChatModel::recountStateBytes);
    }

    @Test
    void theRunningEstimateEqualsARecountAfterEveryKindOfCommand() throws IOException {
        ChatStateMachine machine = new ChatStateMachine(
                ChatLimits.defaults(),
                ChatPolicy.defaults()
                        .withRetention(20, 3_600)
                        .withEmptyRoomGraceSeconds(60)
                        .withIdempotency(15, 600)
                        .withSessions(100, 3, 40));
        Random random = new Random(19);
        long at = 1_000;
        apply(machine, ++index, new ChatCommand.RegisterUser("ann", "pbkdf2-sha256$1000$s$h", at));
        apply(machine, ++index, new ChatCommand.CreateSession(ANN, "ann", 100 * DAY, at));
        for (int step = 0; step < 2_000; step++) {
            at += random.nextInt(20_000);
            String room = "r" + random.nextInt(6);
            ChatCommand command = switch (random.nextInt(12)) {
                case 0 -> new ChatCommand.CreateRoom(ANN, room, -1, random.nextInt(3) - 1, at);
                case 1 -> new ChatCommand.SendMessage(ANN, room, "x".repeat(1 + random.nextInt(300)), "t" + step, at);
                case 2 -> new ChatCommand.PostMessageV2(room, "guest" + random.nextInt(3), "hi " + step, at, "", "");
                case 3 -> new ChatCommand.PostMessageV2(room, "ann", "mine " + step, at, "k" + step % 30, ANN);
                case 4 ->
                    new ChatCommand.EditMessage(ANN, room, 1 + random.nextInt(30), "e".repeat(step % 90 + 1), true, at);
                case 5 -> new ChatCommand.DeleteMessage(ANN, room, 1 + random.nextInt(30), true, at);
                case 6 -> new ChatCommand.SetReadMarker(ANN, room, random.nextInt(5), at);
                case 7 -> new ChatCommand.DeleteRoom(ANN, room, true, at);
                case 8 -> new ChatCommand.SetRetention(ANN, room, random.nextInt(10), -1, true, at);
                case 9 -> new ChatCommand.RegisterUser("u" + step, "pbkdf2-sha256$1000$s$h", at);
                case 10 -> new ChatCommand.CreateSession(String.format("%064d", step), "ann", at + DAY, at);
                default -> new ChatCommand.Tick(at + random.nextInt(2) * DAY);
            };
            apply(machine, ++index, command);
            assertThat(stateBytes(machine)).as("after %s", command).isEqualTo(recount(machine));
        }
        assertThat(stateBytes(machine)).isPositive();
        ChatStateMachine restored = new ChatStateMachine(ChatLimits.defaults(), machine.policy());
        restored.restore(new ByteArrayInputStream(machine.snapshotBytes()));
        assertThat(stateBytes(restored)).isEqualTo(stateBytes(machine));
    }

    @Test
    void aWritePastTheBudgetIsRefusedWholeAndNothingIsLost() {
        ChatStateMachine machine = new ChatStateMachine(
                ChatLimits.defaults(), ChatPolicy.defaults().withStateBytesMax(1024 * 1024));
        apply(machine, ++index, new ChatCommand.RegisterUser("ann", "pbkdf2-sha256$1000$s$h", 1_000));
        apply(machine, ++index, new ChatCommand.CreateSession(ANN, "ann", 10 * DAY, 1_000));
        apply(machine, ++index, new ChatCommand.CreateRoom(ANN, "big", -1, -1, 1_000));
        String text = "y".repeat(4_000);
        int accepted = 0;
        ChatResult result;
        do {
            result = apply(machine, ++index, new ChatCommand.SendMessage(ANN, "big", text, "", 2_000));
            accepted += result.accepted() ? 1 : 0;
        } while (result.accepted() && accepted < 10_000);
        assertThat(result.errorCode()).isEqualTo("state_full");
        assertThat(result.errorMessage()).contains("--state-bytes-max");
        assertThat(accepted).isBetween(100, 140);
        assertThat(stateBytes(machine)).isLessThanOrEqualTo(1024 * 1024);
        // The original route and new rooms are refused too; every accepted message is still there.
        assertThat(apply(machine, ++index, new ChatCommand.PostMessageV2("other", "bob", text, 2_000, "", ""))
                        .errorCode())
                .isEqualTo("state_full");
        List<Message> kept =
                machine.read(model -> model.messages("big", null, null, 200)).messages();
        assertThat(kept).hasSize(accepted);
        // A login and a deletion still work, and make room again.
        assertThat(apply(machine, ++index, new ChatCommand.CreateSession("d".repeat(64), "ann", 10 * DAY, 2_000))
                        .accepted())
                .isTrue();
        assertThat(apply(machine, ++index, new ChatCommand.DeleteRoom(ANN, "big", false, 3_000))
                        .accepted())
                .isTrue();
        assertThat(apply(machine, ++index, new ChatCommand.PostMessageV2("other", "bob", text, 3_000, "", ""))
                        .accepted())
                .isTrue();
    }
}
