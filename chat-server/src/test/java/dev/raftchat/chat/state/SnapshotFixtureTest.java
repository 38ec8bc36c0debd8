package dev.raftchat.chat.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Snapshots written by an earlier build still restore, and this build writes the same bytes for the same
 * state. The fixtures in {@code src/test/resources/snapshots/} were written by the build of commit
 * {@code fb1816d} (before {@link ChatModel} was split into rooms, accounts and deduplication), from the
 * commands of {@link #history}: format 2 at cluster version 1, format 3 at cluster version 2, and format 3 at
 * cluster version 1 (an unverified post whose name was registered later). Regenerate them only on purpose, with
 * a build you trust: {@code -Dsnapshot.fixtures.write=true}.
 */
class SnapshotFixtureTest {

    private static final long NOW = 1_800_000_000_000L;
    private static final String ANN_TOKEN = "a1".repeat(32);
    private static final String BOB_TOKEN = "b2".repeat(32);
    private static final String HASH = "pbkdf2-sha256$1000$c2FsdA==$aGFzaA==";

    private enum Fixture {
        /** Cluster version 1, every post's verified flag as format 2 rebuilds it. */
        FORMAT_2("format-2.snapshot", 2, false),
        /** Cluster version 2: bounded time, vouched users, verified flags. */
        FORMAT_3("format-3.snapshot", 3, true),
        /** Cluster version 1, but an anonymous post under a name registered later: written as format 3. */
        FORMAT_3_AT_VERSION_1("format-3-cluster-version-1.snapshot", 3, false);

        final String file;
        final int format;
        final boolean clusterVersionTwo;

        Fixture(String file, int format, boolean clusterVersionTwo) {
            this.file = file;
            this.format = format;
            this.clusterVersionTwo = clusterVersionTwo;
        }
    }

    /** The commands of one fixture, in log order. */
    private static List<ChatCommand> history(Fixture fixture) {
        List<ChatCommand> commands = new ArrayList<>();
        commands.add(new ChatCommand.RegisterPeer(2, "http://127.0.0.1:22379", false));
        commands.add(new ChatCommand.RegisterPeer(4, "http://127.0.0.1:42379", true));
        commands.add(new ChatCommand.RemovePeer(3));
        if (fixture.clusterVersionTwo) {
            commands.add(new ChatCommand.SetClusterVersion(2));
            commands.add(new ChatCommand.ClockTick(NOW, 2_000));
        }
        if (fixture == Fixture.FORMAT_3_AT_VERSION_1) {
            // Posted without a token before "carol" existed: stays unverified, which format 2 cannot say.
            commands.add(new ChatCommand.PostMessageV2("lobby", "carol", "before carol registered", NOW, "c-1", ""));
        }
        commands.add(new ChatCommand.RegisterUser("ann", HASH, NOW, fixture.clusterVersionTwo));
        commands.add(new ChatCommand.RegisterUser("Bob", HASH, NOW + 1, false));
        commands.add(new ChatCommand.RegisterUser("carol", HASH, NOW + 2, false));
        commands.add(new ChatCommand.CreateSession(ANN_TOKEN, "ann", NOW + 86_400_000L, NOW + 3));
        commands.add(new ChatCommand.CreateSession(BOB_TOKEN, "bob", NOW + 86_400_000L, NOW + 4));
        commands.add(new ChatCommand.CreateRoom(ANN_TOKEN, "general", -1, -1, NOW + 5));
        commands.add(new ChatCommand.CreateRoom(BOB_TOKEN, "k\u00f6ln / \u65e5\u672c", 3, 3600, NOW + 6));
        commands.add(
                new ChatCommand.SendMessage(ANN_TOKEN, "general", "hello \u00e9\u00e8 \ud83d\ude00", "t-1", NOW + 7));
        commands.add(new ChatCommand.SendMessage(BOB_TOKEN, "general", "hi ann", "", NOW + 8));
        commands.add(new ChatCommand.SendMessage(ANN_TOKEN, "general", "to be edited", "t-2", NOW + 9));
        commands.add(new ChatCommand.EditMessage(ANN_TOKEN, "general", 3, "edited", false, NOW + 10));
        commands.add(new ChatCommand.SendMessage(BOB_TOKEN, "general", "to be deleted", "", NOW + 11));
        commands.add(new ChatCommand.DeleteMessage(BOB_TOKEN, "general", 4, false, NOW + 12));
        for (int i = 0; i < 5; i++) {
            // Retention keeps 3: the first two are dropped, so firstSeq moves.
            commands.add(new ChatCommand.SendMessage(
                    BOB_TOKEN, "k\u00f6ln / \u65e5\u672c", "m" + i, "k-" + i, NOW + 13 + i));
        }
        commands.add(new ChatCommand.SetReadMarker(ANN_TOKEN, "general", 2, NOW + 20));
        commands.add(new ChatCommand.SetReadMarker(BOB_TOKEN, "general", 4, NOW + 21));
        commands.add(new ChatCommand.PostMessageV2("original", "dave", "via the original API", NOW + 22, "o-1", ""));
        commands.add(new ChatCommand.PostMessage("original", "eve", "no txn id", NOW + 23));
        commands.add(
                new ChatCommand.PostMessageV2("original", "ann", "ann with her token", NOW + 24, "o-2", ANN_TOKEN));
        commands.add(new ChatCommand.SetRetention(ANN_TOKEN, "general", 100, -1, false, NOW + 25));
        if (fixture.clusterVersionTwo) {
            commands.add(new ChatCommand.ClockTick(NOW + 30, 2_000));
        } else {
            commands.add(new ChatCommand.Tick(NOW + 30));
        }
        return commands;
    }

    private static ChatStateMachine replay(Fixture fixture) {
        ChatStateMachine machine = new ChatStateMachine(ChatLimits.defaults(), ChatPolicy.defaults());
        long index = 10;
        for (ChatCommand command : history(fixture)) {
            ChatResult result = machine.applyCommand(index++, ChatCodec.encode(command));
            assertThat(result.accepted())
                    .as(command + ": " + result.errorMessage())
                    .isTrue();
        }
        return machine;
    }

    private static byte[] fixtureBytes(Fixture fixture) throws IOException {
        if (Boolean.getBoolean("snapshot.fixtures.write")) {
            Path path = Path.of("src", "test", "resources", "snapshots", fixture.file);
            Files.createDirectories(path.getParent());
            byte[] bytes = replay(fixture).snapshotBytes();
            Files.write(path, bytes);
            return bytes;
        }
        try (InputStream in = SnapshotFixtureTest.class.getResourceAsStream("/snapshots/" + fixture.file)) {
            assertThat(in).as("fixture " + fixture.file).isNotNull();
            return in.readAllBytes();
        }
    }

    @Test
    void theFixturesAreOfTheFormatsTheyClaim() throws IOException {
        for (Fixture fixture : Fixture.values()) {
            byte[] bytes = fixtureBytes(fixture);
            int format = ((bytes[4] & 0xff) << 24)
                    | ((bytes[5] & 0xff) << 16)
                    | ((bytes[6] & 0xff) << 8)
                    | (bytes[7] & 0xff);
            assertThat(format).as(fixture.file).isEqualTo(fixture.format);
        }
    }

    @Test
    void thisBuildWritesTheFixturesBytesForTheSameHistory() throws IOException {
        for (Fixture fixture : Fixture.values()) {
            assertThat(replay(fixture).snapshotBytes()).as(fixture.file).isEqualTo(fixtureBytes(fixture));
        }
    }

    @Test
    void aRestoredFixtureHoldsTheStateAndWritesItBackUnchanged() throws IOException {
        for (Fixture fixture : Fixture.values()) {
            byte[] bytes = fixtureBytes(fixture);
            ChatStateMachine restored = new ChatStateMachine(ChatLimits.defaults(), ChatPolicy.defaults());
            restored.restore(new ByteArrayInputStream(bytes));

            assertThat(restored.snapshotBytes()).as(fixture.file).isEqualTo(bytes);
            assertThat(restored.clusterVersion()).isEqualTo(fixture.clusterVersionTwo ? 2 : 1);
            assertThat(restored.peerUrls()).containsOnlyKeys(2L, 4L);
            assertThat(restored.learnerIds()).containsExactly(4L);
            assertThat(restored.removedNodeIds()).containsExactly(3L);
            assertThat(restored.rooms()).contains("general", "k\u00f6ln / \u65e5\u672c", "original");
            assertThat(restored.posts("general"))
                    .extracting(Post::message)
                    .containsExactly("hello \u00e9\u00e8 \ud83d\ude00", "hi ann", "edited");
            assertThat(restored.posts("k\u00f6ln / \u65e5\u672c"))
                    .extracting(Post::message)
                    .containsExactly("m2", "m3", "m4");
            assertThat(restored.posts("original")).extracting(Post::user).containsExactly("dave", "eve", "ann");
            restored.read(model -> {
                assertThat(model.user("ANN")).isNotNull();
                assertThat(model.user("ann").operatorVouched()).isTrue();
                assertThat(model.user("bob").operatorVouched()).isEqualTo(!fixture.clusterVersionTwo);
                assertThat(model.session(ANN_TOKEN).username()).isEqualTo("ann");
                assertThat(model.sessionsOf("bob")).hasSize(1);
                ChatModel.RoomView general = model.room("general", "ann");
                assertThat(general.latestSeq()).isEqualTo(4);
                assertThat(general.unread()).isEqualTo(1);
                assertThat(general.retentionMaxMessages()).isEqualTo(100);
                ChatModel.MessagePage page = model.messages("general", null, null, 10);
                assertThat(page.messages().get(3).deleted()).isTrue();
                assertThat(page.messages().get(2).editedAtMillis()).isPositive();
                ChatModel.MessagePage koeln = model.messages("k\u00f6ln / \u65e5\u672c", null, null, 10);
                assertThat(koeln.oldestRetainedSeq()).isEqualTo(3);
                if (fixture == Fixture.FORMAT_3_AT_VERSION_1) {
                    assertThat(model.messages("lobby", null, null, 10)
                                    .messages()
                                    .get(0)
                                    .verified())
                            .isFalse();
                }
                assertThat(model.stateBytes())
                        .isEqualTo(model.recountStateBytes())
                        .isPositive();
                return null;
            });
        }
    }

    @Test
    void theRememberedTransactionIdsOfARestoredFixtureStillReplay() throws IOException {
        for (Fixture fixture : Fixture.values()) {
            ChatStateMachine restored = new ChatStateMachine(ChatLimits.defaults(), ChatPolicy.defaults());
            restored.restore(new ByteArrayInputStream(fixtureBytes(fixture)));
            ChatResult again = restored.applyCommand(
                    1_000, ChatCodec.encode(new ChatCommand.SendMessage(ANN_TOKEN, "general", "x", "t-1", NOW + 31)));
            assertThat(again.replayed()).as(fixture.file).isTrue();
            assertThat(again.message().seq()).isEqualTo(1);
            ChatResult anonymous = restored.applyCommand(
                    1_001,
                    ChatCodec.encode(new ChatCommand.PostMessageV2("original", "dave", "x", NOW + 32, "o-1", "")));
            assertThat(anonymous.replayed()).as(fixture.file).isTrue();
        }
    }
}
