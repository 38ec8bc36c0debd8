package dev.raftchat.chat.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Names nobody can fake (issue 19, item 4), applied to the state machine directly: look-alike names of a
 * registered user are refused on the original route without that user's token, anonymous posts are never
 * adopted by an account registered later, confusable registrations are refused, and sessions have per-user
 * sub-limits.
 */
class ChatNamesTest {
    private static final String ANN = "a".repeat(64);
    private static final String CAROL = "c".repeat(64);
    private static final long DAY = 86_400_000L;

    private final ChatStateMachine machine =
            new ChatStateMachine(ChatLimits.defaults(), ChatPolicy.defaults().withSessions(100, 32, 8));
    private long index;

    ChatNamesTest() {
        accepted(new ChatCommand.RegisterUser("ann", "pbkdf2-sha256$1000$s$h", 1_000));
        accepted(new ChatCommand.CreateSession(ANN, "ann", 10 * DAY, 1_000));
    }

    private ChatResult apply(ChatCommand command) {
        return machine.applyCommand(++index, ChatCodec.encode(command));
    }

    private ChatResult accepted(ChatCommand command) {
        ChatResult result = apply(command);
        assertThat(result.accepted()).as(String.valueOf(result.errorMessage())).isTrue();
        return result;
    }

    private List<ChatModel.Session> sessionsOf(String user) {
        return machine.read(model -> model.sessionsOf(user));
    }

    private ChatResult postOriginal(String user, String actor) {
        return apply(new ChatCommand.PostMessageV2("lobby", user, "hello", 2_000, "", actor));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                " ann",
                "ann ",
                "ann\u200b",
                "\u0430nn",
                "\u202eann",
                "ann\u00ad",
                "\ufeffann",
                "ANN",
                "\uff41nn",
                "a\u200dnn",
                "ann\u2066",
                "a\u034fnn"
            })
    void aLookAlikeOfARegisteredNameCannotPostWithoutItsToken(String name) {
        ChatResult result = postOriginal(name, "");
        assertThat(result.accepted())
                .as("'%s' posted as %s", name, result.post())
                .isFalse();
        assertThat(result.errorCode()).isIn("invalid_username", "unauthorized");
        List<Post> posts = machine.read(model -> model.posts("lobby"));
        assertThat(posts).isEmpty();
    }

    @Test
    void theOwnerMayPostUnderALookAlikeAndIsShownUnderTheirOwnName() {
        ChatResult result = postOriginal("\u0430nn", ANN);
        assertThat(result.accepted()).isTrue();
        assertThat(result.post().user()).isEqualTo("ann");
        Message stored = machine.read(model -> model.messages("lobby", null, null, 10))
                .messages()
                .get(0);
        assertThat(stored.verified()).isTrue();
    }

    @Test
    void aNameIsStoredInNfkcForm() {
        ChatResult result = postOriginal("\uff42\uff4f\uff42", "");
        assertThat(result.accepted()).isTrue();
        assertThat(result.post().user()).isEqualTo("bob");
    }

    @Test
    void registeringANameNeverAdoptsTheAnonymousPostsMadeUnderIt() {
        accepted(new ChatCommand.PostMessageV2("lobby", "carol", "anonymous words", 2_000, "t1", ""));
        Message anonymous = machine.read(model -> model.messages("lobby", null, null, 10))
                .messages()
                .get(0);
        assertThat(anonymous.verified()).isFalse();

        accepted(new ChatCommand.RegisterUser("Carol", "pbkdf2-sha256$1000$s$h", 3_000));
        accepted(new ChatCommand.CreateSession(CAROL, "Carol", 10 * DAY, 3_000));

        ChatResult edit =
                apply(new ChatCommand.EditMessage(CAROL, "lobby", anonymous.seq(), "my words now", false, 4_000));
        assertThat(edit.errorCode()).isEqualTo("forbidden");
        ChatResult delete = apply(new ChatCommand.DeleteMessage(CAROL, "lobby", anonymous.seq(), false, 4_000));
        assertThat(delete.errorCode()).isEqualTo("forbidden");
        // Nor does the account replay (and so claim) the anonymous post's transaction id.
        ChatResult own = accepted(new ChatCommand.PostMessageV2("lobby", "carol", "signed words", 5_000, "t1", CAROL));
        assertThat(own.replayed()).isFalse();
        assertThat(own.post().message()).isEqualTo("signed words");

        // Survives a snapshot: the flag travels with the message.
        ChatStateMachine restored = new ChatStateMachine(ChatLimits.defaults(), ChatPolicy.defaults());
        try {
            restored.restore(new ByteArrayInputStream(machine.snapshotBytes()));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        List<Message> messages =
                restored.read(model -> model.messages("lobby", null, null, 10)).messages();
        assertThat(messages).extracting(Message::verified).containsExactly(false, true);
        assertThat(restored.snapshotBytes()).isEqualTo(machine.snapshotBytes());
    }

    @Test
    void aNameConfusableWithARegisteredOneCannotBeRegistered() {
        accepted(new ChatCommand.RegisterUser("bill", "pbkdf2-sha256$1000$s$h", 1_000));
        assertThat(apply(new ChatCommand.RegisterUser("bi11", "pbkdf2-sha256$1000$s$h", 1_000))
                        .errorCode())
                .isEqualTo("username_taken");
        assertThat(apply(new ChatCommand.RegisterUser("BILL", "pbkdf2-sha256$1000$s$h", 1_000))
                        .errorCode())
                .isEqualTo("username_taken");
        accepted(new ChatCommand.RegisterUser("billy", "pbkdf2-sha256$1000$s$h", 1_000));
    }

    @Test
    void aNewRoomNameIsRefusedWhenItHidesCharacters() {
        assertThat(apply(new ChatCommand.CreateRoom(ANN, "lobby\u200b", -1, -1, 2_000))
                        .errorCode())
                .isEqualTo("invalid_room_name");
        assertThat(apply(new ChatCommand.CreateRoom(ANN, "\u202egeneral", -1, -1, 2_000))
                        .errorCode())
                .isEqualTo("invalid_room_name");
        assertThat(apply(new ChatCommand.CreateRoom(ANN, "cafe\u0301", -1, -1, 2_000))
                        .errorCode())
                .isEqualTo("invalid_room_name");
        accepted(new ChatCommand.CreateRoom(ANN, "caf\u00e9 du coin", -1, -1, 2_000));
    }

    @Test
    void oneUserCannotFillTheGlobalSessionCap() {
        // sessionsMax 8: one user keeps at most 8 / 4 = 2, so the others still log in.
        for (int i = 0; i < 20; i++) {
            accepted(new ChatCommand.CreateSession(String.format("%064x", i + 1), "ann", 10 * DAY, 1_000));
        }
        assertThat(sessionsOf("ann")).hasSize(2);
        for (String name : List.of("u1", "u2", "u3", "u4", "u5", "u6")) {
            accepted(new ChatCommand.RegisterUser(name, "pbkdf2-sha256$1000$s$h", 1_000));
            accepted(new ChatCommand.CreateSession(
                    String.format("%064x", name.hashCode() & 0xffff).replace(' ', '0') + "", name, 10 * DAY, 1_000));
        }
        // Full (8): a user who has a session gets in by closing their own oldest, a newcomer is refused.
        ChatResult annAgain = accepted(new ChatCommand.CreateSession("e".repeat(64), "ann", 10 * DAY, 1_000));
        assertThat(annAgain.value()).isPositive();
        assertThat(sessionsOf("ann")).hasSize(2);
        accepted(new ChatCommand.RegisterUser("late", "pbkdf2-sha256$1000$s$h", 1_000));
        assertThat(apply(new ChatCommand.CreateSession("f".repeat(64), "late", 10 * DAY, 1_000))
                        .errorCode())
                .isEqualTo("too_many_sessions");
    }
}
