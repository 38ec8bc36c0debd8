package dev.raftchat.chat.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, items 3 to 5 at the state machine: undecodable entries are refused alike everywhere; a command
 * above the replicated cluster version is refused alike by old and new builds; a node that cannot read what
 * the cluster committed to stops; from cluster version 2 one fast clock moves log time by a bounded step only.
 */
class ClusterVersionAndLogTimeTest {

    private static final long DAY_MILLIS = 86_400_000L;
    private static final long NOW = 1_800_000_000_000L;
    private static final String TOKEN = "ab".repeat(32);

    private final ChatStateMachine newBuild =
            new ChatStateMachine(ChatLimits.defaults(), ChatPolicy.defaults(), ChatCodec.COMMAND_VERSION_MAX);
    private final ChatStateMachine oldBuild = new ChatStateMachine(ChatLimits.defaults(), ChatPolicy.defaults(), 1);
    private long nextIndex = 1;

    /** Applies one command on both machines and returns both results, encoded. */
    private List<byte[]> applyBoth(byte[] command) {
        long index = nextIndex++;
        return List.of(newBuild.apply(index, command), oldBuild.apply(index, command));
    }

    @Test
    void aCommandAboveTheClusterVersionIsRefusedAlikeByOldAndNewBuilds() {
        List<byte[]> results = applyBoth(ChatCodec.encode(new ChatCommand.ClockTick(NOW, 2_000)));

        assertThat(results.get(0)).isEqualTo(results.get(1));
        ChatResult result = ChatCodec.decodeResult(results.get(0));
        assertThat(result.errorCode()).isEqualTo("malformed_command");
        assertThat(result.errorMessage()).contains("above the cluster version 1");
        assertThat(newBuild.logTimeMillis()).isZero();
        assertThat(newBuild.refusedCommands()).isEqualTo(1);
        assertThat(oldBuild.refusedCommands()).isEqualTo(1);
        assertThat(newBuild.snapshotBytes()).isEqualTo(oldBuild.snapshotBytes());
    }

    @Test
    void garbageIsRefusedAlikeAndTheMachinesGoOn() {
        byte[] post = ChatCodec.encode(new ChatCommand.PostMessage("r", "u", "m", NOW));
        byte[] versionTwoTypeUnderVersionOne = ChatCodec.encode(new ChatCommand.ClockTick(NOW, 2_000));
        versionTwoTypeUnderVersionOne[0] = 1;
        for (byte[] garbage : List.of(
                new byte[0],
                new byte[] {0, 1, 2},
                Arrays.copyOf(post, post.length - 3),
                versionTwoTypeUnderVersionOne)) {
            List<byte[]> results = applyBoth(garbage);
            assertThat(results.get(0)).isEqualTo(results.get(1));
            assertThat(ChatCodec.decodeResult(results.get(0)).errorCode()).isEqualTo("malformed_command");
        }
        assertThat(ChatCodec.decodeResult(applyBoth(post).get(0)).accepted()).isTrue();
        assertThat(newBuild.refusedCommands()).isEqualTo(4);
        assertThat(newBuild.snapshotBytes()).isEqualTo(oldBuild.snapshotBytes());
    }

    @Test
    void aNodeThatCannotReadTheRaisedVersionStopsWithAClearMessageInsteadOfSkipping() {
        byte[] raise = ChatCodec.encode(new ChatCommand.SetClusterVersion(2));

        assertThat(ChatCodec.decodeResult(newBuild.apply(1, raise)).accepted()).isTrue();
        assertThat(newBuild.clusterVersion()).isEqualTo(2);
        assertThatThrownBy(() -> oldBuild.apply(1, raise))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("needs command version 2")
                .hasMessageContaining("reads command versions up to 1")
                .hasMessageContaining("Upgrading");
        assertThat(oldBuild.clusterVersion()).isEqualTo(1);

        // A version-2 command committed after the raise: the new build applies it (the old one stopped before).
        byte[] tick = ChatCodec.encode(new ChatCommand.ClockTick(NOW, 2_000));
        assertThat(ChatCodec.decodeResult(newBuild.apply(2, tick)).accepted()).isTrue();
        // Lowering is refused (deterministically), never applied.
        assertThat(ChatCodec.decodeResult(newBuild.apply(3, ChatCodec.encode(new ChatCommand.SetClusterVersion(1))))
                        .errorCode())
                .isEqualTo("stale_cluster_version");
        assertThat(newBuild.clusterVersion()).isEqualTo(2);
    }

    @Test
    void snapshotsStayReadableByOlderBuildsUntilTheClusterVersionIsRaised() throws IOException {
        newBuild.apply(nextIndex++, ChatCodec.encode(new ChatCommand.PostMessage("r", "u", "m", NOW)));
        byte[] beforeRaise = newBuild.snapshotBytes();
        assertThat(Arrays.copyOfRange(beforeRaise, 4, 8)).containsExactly(0, 0, 0, 2);
        oldBuild.restore(new ByteArrayInputStream(beforeRaise));
        assertThat(oldBuild.posts("r")).hasSize(1);

        newBuild.apply(nextIndex++, ChatCodec.encode(new ChatCommand.SetClusterVersion(2)));
        newBuild.apply(nextIndex++, ChatCodec.encode(new ChatCommand.ClockTick(NOW + 500, 1_500)));
        byte[] afterRaise = newBuild.snapshotBytes();
        assertThat(Arrays.copyOfRange(afterRaise, 4, 8)).containsExactly(0, 0, 0, 3);

        ChatStateMachine restored = restoredByNewBuild(afterRaise);
        assertThat(restored.clusterVersion()).isEqualTo(2);
        // The restored machine keeps the bounded clock rules: a far-future post does not move log time.
        restored.apply(nextIndex, ChatCodec.encode(new ChatCommand.PostMessage("r", "u", "x", NOW + DAY_MILLIS)));
        assertThat(restored.logTimeMillis()).isEqualTo(NOW + 500);

        assertThatThrownBy(() -> new ChatStateMachine(ChatLimits.defaults(), ChatPolicy.defaults(), 1)
                        .restore(new ByteArrayInputStream(afterRaise)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cluster at version 2")
                .hasMessageContaining("reads command versions up to 1");
    }

    @Test
    void aVouchedRegistrationWaitsForVersionTwoAndFormatThreeCarriesTheNameRulesFields() throws IOException {
        byte[] vouched = ChatCodec.encode(new ChatCommand.RegisterUser("root", "hash", NOW, true));
        byte[] plain = ChatCodec.encode(new ChatCommand.RegisterUser("ann", "hash", NOW, false));
        assertThat(Arrays.copyOfRange(vouched, 0, 2)).containsExactly(2, 0x14);
        assertThat(Arrays.copyOfRange(plain, 0, 2)).containsExactly(1, 0x0e);

        // At cluster version 1 the vouched registration is refused alike by both builds; a plain one is not.
        List<byte[]> refused = applyBoth(vouched);
        assertThat(refused.get(0)).isEqualTo(refused.get(1));
        assertThat(ChatCodec.decodeResult(refused.get(0)).errorCode()).isEqualTo("malformed_command");
        ChatModel.User notRegistered = newBuild.read(model -> model.user("root"));
        assertThat(notRegistered).isNull();
        assertThat(ChatCodec.decodeResult(applyBoth(plain).get(0)).accepted()).isTrue();
        // An unverified post (the original route, a name nobody registered).
        assertThat(ChatCodec.decodeResult(applyBoth(ChatCodec.encode(new ChatCommand.PostMessage("r", "bob", "m", NOW)))
                                .get(0))
                        .accepted())
                .isTrue();
        assertThat(Arrays.copyOfRange(newBuild.snapshotBytes(), 4, 8)).containsExactly(0, 0, 0, 2);
        assertThat(newBuild.snapshotBytes()).isEqualTo(oldBuild.snapshotBytes());

        newBuild.apply(nextIndex++, ChatCodec.encode(new ChatCommand.SetClusterVersion(2)));
        assertThat(ChatCodec.decodeResult(newBuild.apply(nextIndex++, vouched)).accepted())
                .isTrue();
        assertThat(ChatCodec.decodeResult(newBuild.apply(
                                nextIndex++, ChatCodec.encode(new ChatCommand.RegisterUser("cy", "hash", NOW, false))))
                        .accepted())
                .isTrue();
        byte[] formatThree = newBuild.snapshotBytes();
        assertThat(Arrays.copyOfRange(formatThree, 4, 8)).containsExactly(0, 0, 0, 3);

        ChatStateMachine restored = restoredByNewBuild(formatThree);
        boolean rootVouched = restored.read(model -> model.user("root").operatorVouched());
        // Before version 2 every account counts as vouched (as format 2 reads it); from version 2 only the
        // operator's registrations are.
        boolean annVouched = restored.read(model -> model.user("ann").operatorVouched());
        boolean cyVouched = restored.read(model -> model.user("cy").operatorVouched());
        boolean bobsPostVerified = restored.read(
                model -> model.messages("r", null, null, 10).messages().get(0).verified());
        assertThat(rootVouched).isTrue();
        assertThat(annVouched).isTrue();
        assertThat(cyVouched).isFalse();
        assertThat(bobsPostVerified).isFalse();
    }

    @Test
    void atVersionOneASnapshotThatFormatTwoWouldAlterIsWrittenInFormatThree() throws IOException {
        newBuild.apply(nextIndex++, ChatCodec.encode(new ChatCommand.PostMessage("r", "bob", "m", NOW)));
        assertThat(Arrays.copyOfRange(newBuild.snapshotBytes(), 4, 8)).containsExactly(0, 0, 0, 2);
        // Registering the name afterwards: format 2 would read bob's anonymous post back as verified.
        newBuild.apply(nextIndex++, ChatCodec.encode(new ChatCommand.RegisterUser("bob", "hash", NOW, false)));
        byte[] snapshot = newBuild.snapshotBytes();
        assertThat(Arrays.copyOfRange(snapshot, 4, 8)).containsExactly(0, 0, 0, 3);

        ChatStateMachine restored = restoredByNewBuild(snapshot);
        assertThat(restored.clusterVersion()).isEqualTo(1);
        boolean verified = restored.read(
                model -> model.messages("r", null, null, 10).messages().get(0).verified());
        assertThat(verified).isFalse();
    }

    @Test
    void fromVersionTwoAClockTenDaysAheadMovesLogTimeOneStepPerTickAndExpiresNothing() {
        ChatStateMachine machine = newBuild;
        long index = 1;
        machine.apply(index++, ChatCodec.encode(new ChatCommand.Tick(NOW)));
        machine.apply(index++, ChatCodec.encode(new ChatCommand.RegisterUser("ann", "hash", NOW)));
        machine.apply(index++, ChatCodec.encode(new ChatCommand.CreateSession(TOKEN, "ann", NOW + 3_600_000, NOW)));
        machine.apply(index++, ChatCodec.encode(new ChatCommand.CreateRoom(TOKEN, "room", -1, 60, NOW)));
        ChatResult sent = ChatCodec.decodeResult(machine.apply(
                index++, ChatCodec.encode(new ChatCommand.SendMessage(TOKEN, "room", "kept", "txn-1", NOW))));
        assertThat(sent.accepted()).isTrue();
        machine.apply(index++, ChatCodec.encode(new ChatCommand.SetClusterVersion(2)));

        long tenDaysAhead = NOW + 10 * DAY_MILLIS;
        // A follower with the bad clock proposes a post; the bad clock leads and ticks ten times.
        ChatResult late = ChatCodec.decodeResult(machine.apply(
                index++, ChatCodec.encode(new ChatCommand.SendMessage(TOKEN, "room", "bad clock", "", tenDaysAhead))));
        assertThat(late.message().postedAtMillis()).isEqualTo(NOW);
        for (int tick = 1; tick <= 10; tick++) {
            machine.apply(index++, ChatCodec.encode(new ChatCommand.ClockTick(tenDaysAhead + tick, 2_000)));
        }

        assertThat(machine.logTimeMillis()).isEqualTo(NOW + 20_000);
        ChatModel.Session session = machine.read(model -> model.session(TOKEN));
        assertThat(session).isNotNull();
        assertThat(machine.read(model -> model.messages("room", null, null, 10)).messages())
                .extracting(Message::text)
                .containsExactly("kept", "bad clock");
        ChatResult replay = ChatCodec.decodeResult(machine.apply(
                index, ChatCodec.encode(new ChatCommand.SendMessage(TOKEN, "room", "kept", "txn-1", tenDaysAhead))));
        assertThat(replay.replayed()).isTrue();
    }

    /** A new build's machine restored from {@code snapshot}, which it writes back byte for byte. */
    private static ChatStateMachine restoredByNewBuild(byte[] snapshot) throws IOException {
        ChatStateMachine restored =
                new ChatStateMachine(ChatLimits.defaults(), ChatPolicy.defaults(), ChatCodec.COMMAND_VERSION_MAX);
        restored.restore(new ByteArrayInputStream(snapshot));
        assertThat(restored.snapshotBytes()).isEqualTo(snapshot);
        return restored;
    }
}
