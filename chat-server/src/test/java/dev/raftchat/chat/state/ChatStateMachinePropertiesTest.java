package dev.raftchat.chat.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

class ChatStateMachinePropertiesTest {

    private static final ChatLimits LIMITS = new ChatLimits(40, 12, 8, 5, 40);

    @Property(tries = 200)
    void applyIsDeterministic(@ForAll("commandLogs") List<byte[]> log) {
        LogInvariants.assertApplyIsDeterministic(() -> new ChatStateMachine(LIMITS), log, 2);
    }

    @Property(tries = 200)
    void snapshotThenRestoreGivesTheSameBytesAndTheSameFuture(
            @ForAll("commandLogs") List<byte[]> log, @ForAll int cutSeed) throws IOException {
        LogInvariants.assertRestoreHasTheSameFuture(
                () -> new ChatStateMachine(LIMITS), log, Math.floorMod(cutSeed, log.size() + 1));
    }

    @Property(tries = 200)
    void timesNeverDecreaseWithinARoom(@ForAll("commandLogs") List<byte[]> log) {
        ChatStateMachine machine = new ChatStateMachine(LIMITS);
        for (int i = 0; i < log.size(); i++) {
            machine.apply(i + 1, log.get(i));
        }
        for (String room : machine.rooms()) {
            List<Post> posts = machine.posts(room);
            for (int i = 1; i < posts.size(); i++) {
                assertThat(posts.get(i).postedAtMillis())
                        .isGreaterThanOrEqualTo(posts.get(i - 1).postedAtMillis());
            }
        }
        assertThat(machine.rooms()).isSorted().hasSizeLessThanOrEqualTo(LIMITS.roomsMax());
    }

    @Property(tries = 300)
    void validCommandsRoundTripThroughTheCodec(@ForAll("commands") ChatCommand command) {
        // Strings with unpaired surrogates cannot be encoded as UTF-8; the limits reject them before proposing.
        Assume.that(!(command instanceof ChatCommand.PostMessage post)
                || (ChatLimits.isWellFormedUtf16(post.user()) && ChatLimits.isWellFormedUtf16(post.message())));
        assertThat(ChatCodec.decodeCommand(ChatCodec.encode(command))).isEqualTo(command);
    }

    @Provide
    Arbitrary<List<byte[]>> commandLogs() {
        Arbitrary<byte[]> encoded = commands().map(ChatCodec::encode);
        Arbitrary<byte[]> garbage = Arbitraries.bytes().array(byte[].class).ofMaxSize(12);
        return Arbitraries.frequencyOf(Tuple.of(12, encoded), Tuple.of(1, garbage))
                .list()
                .ofMaxSize(40);
    }

    @Provide
    Arbitrary<ChatCommand> commands() {
        // Slightly beyond the limits on purpose, so that rejections are exercised too.
        Arbitrary<String> rooms =
                Arbitraries.of("general", "random", "a", "b.c", "zz-9", "toolongroom", "bad/room", "");
        Arbitrary<String> users = Arbitraries.strings()
                .withCharRange(' ', '~')
                .withChars('é', '✓')
                .ofMaxLength(14);
        Arbitrary<String> messages = Arbitraries.strings().all().ofMaxLength(45);
        Arbitrary<Long> times = Arbitraries.longs().between(0, 10_000);
        Arbitrary<ChatCommand> posts =
                Combinators.combine(rooms, users, messages, times).as(ChatCommand.PostMessage::new);
        Arbitrary<ChatCommand> peers = Combinators.combine(
                        Arbitraries.longs().between(-1, 6),
                        Arbitraries.of("http://127.0.0.1:42379", "http://h:1", ""),
                        Arbitraries.of(true, false))
                .as(ChatCommand.RegisterPeer::new);
        Arbitrary<ChatCommand> removals = Arbitraries.longs().between(-1, 6).map(ChatCommand.RemovePeer::new);
        return Arbitraries.frequencyOf(Tuple.of(8, posts), Tuple.of(1, peers), Tuple.of(1, removals));
    }
}
