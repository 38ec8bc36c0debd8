package dev.raftchat.chat.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * The v1 model under random command logs: apply is deterministic, a snapshot restores to the same bytes and
 * the same future, seqs stay consecutive and times never decrease, commands survive the codec.
 */
class ChatModelPropertiesTest {

    private static final ChatLimits LIMITS = new ChatLimits(40, 12, 8, 6, 40);
    /** Small bounds, so that retention, expiry and eviction all happen within 60 commands. */
    private static final ChatPolicy POLICY =
            new ChatPolicy(5, 50, 10, 4, 30, 3, 2, 5, ChatPolicy.DEFAULT_STATE_BYTES_MAX);

    private static final List<String> TOKENS = List.of("a".repeat(64), "b".repeat(64), "c".repeat(64), "");
    private static final List<String> USERS = List.of("ann", "Bob", "bob", "cy", "bad name");
    private static final List<String> ROOMS = List.of("general", "r/é", "x", "", "toolongname");

    private static ChatStateMachine machine() {
        return new ChatStateMachine(LIMITS, POLICY);
    }

    @Property(tries = 300)
    void applyIsDeterministic(@ForAll("logs") List<byte[]> log) {
        LogInvariants.assertApplyIsDeterministic(ChatModelPropertiesTest::machine, log, 3);
    }

    @Property(tries = 300)
    void restoreIsByteForByteAndHasTheSameFuture(@ForAll("logs") List<byte[]> log, @ForAll int cutSeed)
            throws IOException {
        LogInvariants.assertRestoreHasTheSameFuture(
                ChatModelPropertiesTest::machine, log, Math.floorMod(cutSeed, log.size() + 1));
    }

    @Property(tries = 300)
    void seqsAreConsecutiveAndTimesNeverDecrease(@ForAll("logs") List<byte[]> log) {
        ChatStateMachine machine = machine();
        for (int i = 0; i < log.size(); i++) {
            machine.apply(i + 1, log.get(i));
        }
        for (String room : machine.rooms()) {
            ChatModel.MessagePage page = machine.read(model -> model.messages(room, null, null, 10_000));
            List<Message> messages = page.messages();
            for (int i = 0; i < messages.size(); i++) {
                assertThat(messages.get(i).seq()).isEqualTo(page.oldestRetainedSeq() + i);
                if (i > 0) {
                    assertThat(messages.get(i).postedAtMillis())
                            .isGreaterThanOrEqualTo(messages.get(i - 1).postedAtMillis());
                    assertThat(messages.get(i).id())
                            .isGreaterThan(messages.get(i - 1).id());
                }
            }
            assertThat(messages.size()).isLessThanOrEqualTo(5);
        }
        assertThat(machine.rooms()).hasSizeLessThanOrEqualTo(LIMITS.roomsMax());
    }

    @Property(tries = 500)
    void commandsRoundTripThroughTheCodec(@ForAll("apiCommands") ChatCommand command) {
        assertThat(ChatCodec.decodeCommand(ChatCodec.encode(command))).isEqualTo(command);
    }

    @Provide
    Arbitrary<List<byte[]>> logs() {
        return Arbitraries.frequencyOf(
                        Tuple.of(20, apiCommands().map(ChatCodec::encode)),
                        Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(12)))
                .list()
                .ofMaxSize(60);
    }

    @Provide
    Arbitrary<ChatCommand> apiCommands() {
        Arbitrary<String> token = Arbitraries.of(TOKENS);
        Arbitrary<String> user = Arbitraries.of(USERS);
        Arbitrary<String> room = Arbitraries.of(ROOMS);
        Arbitrary<String> text = Arbitraries.strings()
                .withCharRange('a', 'z')
                .withChars('é', '✓')
                .ofMaxLength(44);
        Arbitrary<String> txn = Arbitraries.of("", "t1", "t2", "bad id");
        Arbitrary<Long> at = Arbitraries.longs().between(0, 200_000);
        Arbitrary<Long> seq = Arbitraries.longs().between(-1, 9);
        Arbitrary<Long> retention = Arbitraries.longs().between(-2, 6);
        Arbitrary<Boolean> admin = Arbitraries.of(true, false);
        return Arbitraries.frequencyOf(
                Tuple.of(
                        3,
                        Combinators.combine(user, Arbitraries.of("pbkdf2-sha256$1000$x$y", ""), at)
                                .as(ChatCommand.RegisterUser::new)),
                Tuple.of(
                        4,
                        Combinators.combine(token, user, at, at)
                                .as((t, u, expires, now) -> new ChatCommand.CreateSession(t, u, expires, now))),
                Tuple.of(
                        2,
                        Combinators.combine(token, Arbitraries.longs().between(0, 40), at)
                                .as(ChatCommand.RevokeSession::new)),
                Tuple.of(
                        3,
                        Combinators.combine(token, room, retention, retention, at)
                                .as(ChatCommand.CreateRoom::new)),
                Tuple.of(1, Combinators.combine(token, room, admin, at).as(ChatCommand.DeleteRoom::new)),
                Tuple.of(
                        1,
                        Combinators.combine(token, room, retention, retention, admin, at)
                                .as(ChatCommand.SetRetention::new)),
                Tuple.of(10, Combinators.combine(token, room, text, txn, at).as(ChatCommand.SendMessage::new)),
                Tuple.of(
                        3,
                        Combinators.combine(token, room, seq, text, admin, at).as(ChatCommand.EditMessage::new)),
                Tuple.of(3, Combinators.combine(token, room, seq, admin, at).as(ChatCommand.DeleteMessage::new)),
                Tuple.of(2, Combinators.combine(token, room, seq, at).as(ChatCommand.SetReadMarker::new)),
                Tuple.of(3, at.map(ChatCommand.Tick::new)),
                Tuple.of(
                        4, Combinators.combine(room, user, text, at, txn, token).as(ChatCommand.PostMessageV2::new)),
                Tuple.of(2, Combinators.combine(room, user, text, at).as(ChatCommand.PostMessage::new)));
    }
}
