package dev.raftchat.chat.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The v1 model's rules, applied directly: log time, expiry, retention, truncation, idempotency, authorization. */
class ChatModelTest {
    private static final String ANN = "a".repeat(64);
    private static final String BOB = "b".repeat(64);
    private static final long DAY = 86_400_000L;

    private final ChatPolicy policy = ChatPolicy.defaults()
            .withRetention(0, 3_600)
            .withEmptyRoomGraceSeconds(60)
            .withIdempotency(3, 600)
            .withSessions(10, 2, 100);
    private final ChatStateMachine machine = new ChatStateMachine(ChatLimits.defaults(), policy);
    private final List<String> events = new ArrayList<>();
    private long index;

    ChatModelTest() {
        machine.addListener(new ChatListener() {
            @Override
            public void onMessage(String room, Message message) {
                events.add("message " + room + " " + message.seq());
            }

            @Override
            public void onMessageEdited(String room, Message message) {
                events.add("edited " + room + " " + message.seq());
            }

            @Override
            public void onMessageDeleted(String room, Message tombstone) {
                events.add("deleted " + room + " " + tombstone.seq());
            }

            @Override
            public void onRoomDeleted(String room) {
                events.add("room_deleted " + room);
            }
        });
        apply(new ChatCommand.RegisterUser("ann", "pbkdf2-sha256$1000$s$h", 1_000));
        apply(new ChatCommand.RegisterUser("bob", "pbkdf2-sha256$1000$s$h", 1_000));
        apply(new ChatCommand.CreateSession(ANN, "ann", 10 * DAY, 1_000));
        apply(new ChatCommand.CreateSession(BOB, "bob", 10 * DAY, 1_000));
    }

    private ChatResult apply(ChatCommand command) {
        return machine.applyCommand(++index, ChatCodec.encode(command));
    }

    private Message send(String actor, String room, String text, String txnId, long at) {
        ChatResult result = apply(new ChatCommand.SendMessage(actor, room, text, txnId, at));
        assertThat(result.accepted()).as(String.valueOf(result.errorMessage())).isTrue();
        return result.message();
    }

    @Test
    void messageIdsAreLogIndexesAndSeqsCountPerRoom() {
        apply(new ChatCommand.CreateRoom(ANN, "a", -1, -1, 2_000));
        apply(new ChatCommand.CreateRoom(ANN, "b", -1, -1, 2_000));
        Message first = send(ANN, "a", "1", "", 3_000);
        Message other = send(ANN, "b", "x", "", 3_000);
        Message second = send(BOB, "a", "2", "", 2_500);
        assertThat(first.id()).isEqualTo(index - 2);
        assertThat(second.id()).isEqualTo(index);
        assertThat(List.of(first.seq(), other.seq(), second.seq())).containsExactly(1L, 1L, 2L);
        // The proposer's clock went back: raised to the room's latest time.
        assertThat(second.postedAtMillis()).isEqualTo(3_000);
        assertThat(events).containsExactly("message a 1", "message b 1", "message a 2");
    }

    @Test
    void unknownRevokedAndExpiredSessionsAreRefusedInLogOrder() {
        apply(new ChatCommand.CreateRoom(ANN, "r", -1, -1, 2_000));
        assertThat(apply(new ChatCommand.SendMessage("c".repeat(64), "r", "x", "", 2_000))
                        .errorCode())
                .isEqualTo("unauthorized");
        assertThat(apply(new ChatCommand.SendMessage("", "r", "x", "", 2_000)).errorCode())
                .isEqualTo("unauthorized");
        assertThat(apply(new ChatCommand.RevokeSession(BOB, 0, 2_000)).accepted())
                .isTrue();
        assertThat(apply(new ChatCommand.SendMessage(BOB, "r", "x", "", 2_000)).errorCode())
                .isEqualTo("unauthorized");
        // Log time passes the session's expiry: refused, and the tick forgets it.
        apply(new ChatCommand.Tick(10 * DAY));
        assertThat(apply(new ChatCommand.SendMessage(ANN, "r", "x", "", 10 * DAY))
                        .errorCode())
                .isEqualTo("unauthorized");
        List<ChatModel.Session> left = machine.read(model -> model.sessionsOf("ann"));
        assertThat(left).isEmpty();
    }

    @Test
    void aUserKeepsAtMostTheNewestSessions() {
        apply(new ChatCommand.CreateSession("c".repeat(64), "ann", 10 * DAY, 2_000));
        apply(new ChatCommand.CreateSession("d".repeat(64), "ann", 10 * DAY, 2_000));
        List<ChatModel.Session> kept = machine.read(model -> model.sessionsOf("ANN"));
        assertThat(kept).extracting(ChatModel.Session::tokenHash).containsExactly("c".repeat(64), "d".repeat(64));
        assertThat(apply(new ChatCommand.CreateSession("e".repeat(64), "nobody", 10 * DAY, 2_000))
                        .errorCode())
                .isEqualTo("invalid_credentials");
        assertThat(apply(new ChatCommand.RegisterUser("Ann", "h", 2_000)).errorCode())
                .isEqualTo("username_taken");
    }

    @Test
    void transactionIdsAreRememberedWithinTheirCountAndAge() {
        apply(new ChatCommand.CreateRoom(ANN, "r", -1, -1, 2_000));
        Message first = send(ANN, "r", "once", "t1", 2_000);
        ChatResult replay = apply(new ChatCommand.SendMessage(ANN, "r", "once", "t1", 2_000));
        assertThat(replay.replayed()).isTrue();
        assertThat(replay.message()).isEqualTo(first);
        // Edited since: the replay shows the message as it is now.
        apply(new ChatCommand.EditMessage(ANN, "r", 1, "twice", false, 2_100));
        assertThat(apply(new ChatCommand.SendMessage(ANN, "r", "once", "t1", 2_200))
                        .message()
                        .text())
                .isEqualTo("twice");
        // Three more keys push t1 out (at most 3 are kept).
        send(ANN, "r", "k", "t2", 2_300);
        send(ANN, "r", "k", "t3", 2_300);
        send(ANN, "r", "k", "t4", 2_300);
        assertThat(apply(new ChatCommand.SendMessage(ANN, "r", "again", "t1", 2_400))
                        .replayed())
                .isFalse();
        // And age: 600 s of log time later, t4 is forgotten too.
        apply(new ChatCommand.Tick(2_400 + 601_000));
        assertThat(apply(new ChatCommand.SendMessage(ANN, "r", "k", "t4", 603_500))
                        .replayed())
                .isFalse();
    }

    @Test
    void retentionByAgeAdvancesWithTicksAndEmptyRoomsAreTruncatedAfterTheGrace() {
        apply(new ChatCommand.CreateRoom(ANN, "old", -1, -1, 1_000));
        send(ANN, "old", "a", "", 1_000);
        send(ANN, "old", "b", "", 2_000);
        apply(new ChatCommand.Tick(1_000 + 3_600_000 + 500));
        ChatModel.RoomView view = machine.read(model -> model.room("old", null));
        assertThat(view.oldestRetainedSeq()).isEqualTo(2);
        assertThat(view.messageCount()).isEqualTo(1);
        assertThatThrownBy(() -> machine.read(model -> model.messages("old", null, 0L, 10)))
                .isInstanceOf(ChatModel.QueryException.class)
                .hasMessageContaining("older");
        apply(new ChatCommand.Tick(2_000 + 3_600_000 + 1));
        assertThat(machine.read(model -> model.room("old", null)).messageCount())
                .isZero();
        // Still listed during the grace period, gone after it.
        apply(new ChatCommand.Tick(2_000 + 3_600_000 + 59_000));
        assertThat(machine.rooms()).contains("old");
        apply(new ChatCommand.Tick(2_000 + 3_600_000 + 61_000));
        assertThat(machine.rooms()).doesNotContain("old");
        assertThat(events).contains("room_deleted old");
    }

    @Test
    void aRoomEmptiedByDeletionIsTruncatedButANewMessageKeepsIt() {
        apply(new ChatCommand.CreateRoom(ANN, "e", -1, -1, 1_000));
        apply(new ChatCommand.CreateRoom(ANN, "never-used", -1, -1, 1_000));
        send(ANN, "e", "a", "", 1_000);
        apply(new ChatCommand.DeleteMessage(ANN, "e", 1, false, 1_000));
        apply(new ChatCommand.Tick(30_000));
        send(BOB, "e", "back", "", 30_000);
        apply(new ChatCommand.Tick(200_000));
        assertThat(machine.rooms()).contains("e", "never-used");
        apply(new ChatCommand.DeleteMessage(BOB, "e", 2, false, 200_000));
        apply(new ChatCommand.Tick(260_001));
        assertThat(machine.rooms()).doesNotContain("e").contains("never-used");
    }

    @Test
    void unreadCountsSkipTombstonesAndAgreeAfterRetentionAndSnapshotRestore() {
        // Room retention of 5 messages, so retention drops a tombstone below.
        apply(new ChatCommand.CreateRoom(ANN, "u", 5, -1, 1_000));
        for (int i = 1; i <= 5; i++) {
            send(ANN, "u", "m" + i, "", 1_000);
        }
        apply(new ChatCommand.SetReadMarker(BOB, "u", 1, 1_000));
        apply(new ChatCommand.DeleteMessage(ANN, "u", 1, false, 1_000));
        apply(new ChatCommand.DeleteMessage(ANN, "u", 2, false, 1_000));
        apply(new ChatCommand.DeleteMessage(ANN, "u", 4, false, 1_000));
        // Bob read up to 1; after it 2..5 exist but 2 and 4 are tombstones: 3 and 5 are unread.
        assertThat(machine.read(model -> model.room("u", "bob")).unread()).isEqualTo(2);
        // Ann never read: 3 and 5 (the tombstones 1, 2, 4 are nothing to read).
        assertThat(machine.read(model -> model.room("u", "ann")).unread()).isEqualTo(2);
        // Two posts push seqs 1 and 2 (both tombstones) out of retention.
        send(ANN, "u", "m6", "", 1_000);
        send(ANN, "u", "m7", "", 1_000);
        assertThat(machine.read(model -> model.room("u", null)).oldestRetainedSeq())
                .isEqualTo(3);
        assertThat(machine.read(model -> model.room("u", "bob")).unread()).isEqualTo(4);
        assertThat(machine.read(model -> model.rooms(null, 10, "ann"))
                        .rooms()
                        .get(0)
                        .unread())
                .isEqualTo(4);
        // A node that installs a snapshot answers the same.
        ChatStateMachine restored = new ChatStateMachine(ChatLimits.defaults(), policy);
        try {
            restored.restore(new ByteArrayInputStream(machine.snapshotBytes()));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertThat(restored.read(model -> model.room("u", "bob")).unread()).isEqualTo(4);
        ChatModel.RoomView restoredView = restored.read(model -> model.room("u", "ann"));
        ChatModel.RoomView originalView = machine.read(model -> model.room("u", "ann"));
        assertThat(restoredView).isEqualTo(originalView);
        apply(new ChatCommand.DeleteMessage(ANN, "u", 7, false, 1_000));
        assertThat(machine.read(model -> model.room("u", "bob")).unread()).isEqualTo(3);
    }

    @Test
    void onlyAuthorsOrAdminsEditAndDelete() {
        apply(new ChatCommand.CreateRoom(ANN, "r", -1, -1, 1_000));
        send(ANN, "r", "mine", "", 1_000);
        assertThat(apply(new ChatCommand.EditMessage(BOB, "r", 1, "x", false, 1_000))
                        .errorCode())
                .isEqualTo("forbidden");
        assertThat(apply(new ChatCommand.EditMessage(BOB, "r", 1, "x", true, 1_000))
                        .accepted())
                .isTrue();
        assertThat(apply(new ChatCommand.DeleteMessage(BOB, "r", 1, false, 1_000))
                        .errorCode())
                .isEqualTo("forbidden");
        assertThat(apply(new ChatCommand.DeleteMessage(ANN, "r", 2, false, 1_000))
                        .errorCode())
                .isEqualTo("message_not_found");
        assertThat(apply(new ChatCommand.DeleteMessage(ANN, "nope", 1, false, 1_000))
                        .errorCode())
                .isEqualTo("room_not_found");
        assertThat(apply(new ChatCommand.DeleteRoom(BOB, "r", false, 1_000)).errorCode())
                .isEqualTo("forbidden");
        assertThat(apply(new ChatCommand.SetRetention(BOB, "r", 1, 0, false, 1_000))
                        .errorCode())
                .isEqualTo("forbidden");
        assertThat(apply(new ChatCommand.SetRetention(ANN, "r", -3, 0, false, 1_000))
                        .errorCode())
                .isEqualTo("invalid_retention");
        assertThat(apply(new ChatCommand.DeleteRoom(BOB, "r", true, 1_000)).accepted())
                .isTrue();
        assertThat(events).containsExactly("message r 1", "edited r 1", "room_deleted r");
    }

    @Test
    void theOriginalPostProtectsRegisteredNames() {
        assertThat(apply(new ChatCommand.PostMessageV2("general", "ANN", "hi", 1_000, "", ""))
                        .errorCode())
                .isEqualTo("unauthorized");
        assertThat(apply(new ChatCommand.PostMessageV2("general", "ann", "hi", 1_000, "", BOB))
                        .errorCode())
                .isEqualTo("forbidden");
        ChatResult ok = apply(new ChatCommand.PostMessageV2("general", "ANN", "hi", 1_000, "k", ANN));
        assertThat(ok.post().user()).isEqualTo("ann");
        ChatResult replay = apply(new ChatCommand.PostMessageV2("general", "ANN", "hi", 1_000, "k", ANN));
        assertThat(replay.replayed()).isTrue();
        assertThat(replay.post()).isEqualTo(ok.post());
        assertThat(apply(new ChatCommand.PostMessageV2("general", "guest", "hi", 1_000, "", ""))
                        .accepted())
                .isTrue();
        assertThat(machine.posts("general")).hasSize(2);
    }

    @Test
    void snapshotsOfVersionOneAreRefusedWithAClearError() {
        byte[] snapshot = machine.snapshotBytes();
        snapshot[7] = 1;
        assertThatThrownBy(() ->
                        new ChatStateMachine(ChatLimits.defaults(), policy).restore(new ByteArrayInputStream(snapshot)))
                .hasMessageContaining("version 1 is not supported");
    }
}
