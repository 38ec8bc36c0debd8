package dev.raftchat.chat.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChatStateMachineTest {

    private final ChatStateMachine machine = new ChatStateMachine(ChatLimits.defaults());
    private long nextIndex = 1;

    private ChatResult post(String room, String user, String message, long atMillis) {
        return ChatCodec.decodeResult(machine.apply(
                nextIndex++, ChatCodec.encode(new ChatCommand.PostMessage(room, user, message, atMillis))));
    }

    @Test
    void postsAreKeptOldestFirstAndRoomsSorted() {
        post("zeta", "ann", "first", 1_000);
        post("alpha", "bob", "hello", 2_000);
        post("zeta", "cid", "second", 3_000);

        assertThat(machine.rooms()).containsExactly("alpha", "zeta");
        assertThat(machine.posts("zeta")).extracting(Post::message).containsExactly("first", "second");
        assertThat(machine.posts("nowhere")).isEmpty();
        assertThat(new String(machine.query(ChatCodec.encode(new ChatQuery.ListRooms())), StandardCharsets.UTF_8))
                .isEqualTo("[\"alpha\",\"zeta\"]");
        assertThat(new String(machine.query(ChatCodec.encode(new ChatQuery.ReadRoom("alpha"))), StandardCharsets.UTF_8))
                .isEqualTo("[{\"User\":\"bob\",\"Message\":\"hello\",\"PostedAt\":\"1970-01-01T00:00:02.000Z\"}]");
    }

    @Test
    void theResultCarriesThePostAsApplied() {
        ChatResult result = post("general", "ann", "hi", 1_234);
        assertThat(result.accepted()).isTrue();
        assertThat(result.post()).isEqualTo(new Post("ann", "hi", 1_234));
        assertThat(machine.appliedIndex()).isEqualTo(1);
    }

    @Test
    void timesNeverDecreaseWithinARoomEvenWhenTheProposersClockDoes() {
        post("general", "ann", "late clock", 5_000);
        ChatResult earlier = post("general", "bob", "early clock", 4_000);
        post("other", "cid", "own room, own time", 3_000);

        assertThat(earlier.post().postedAtMillis()).isEqualTo(5_000);
        assertThat(machine.posts("general")).extracting(Post::postedAtMillis).containsExactly(5_000L, 5_000L);
        assertThat(machine.posts("other")).extracting(Post::postedAtMillis).containsExactly(3_000L);
    }

    @Test
    void commandsBreakingALimitAreRejectedWithAStableCodeAndChangeNothing() {
        ChatLimits small = new ChatLimits(8, 4, 6, 1, 32);
        ChatStateMachine limited = new ChatStateMachine(small);
        long index = 1;
        assertThat(reject(limited, index++, "general", "ann", "hi")).isEqualTo("invalid_room_name"); // 7 chars > 6
        assertThat(reject(limited, index++, "room", "annabel", "hi")).isEqualTo("invalid_username");
        assertThat(reject(limited, index++, "room", "ann", "123456789")).isEqualTo("message_too_large");
        assertThat(reject(limited, index++, "room", "ann", "")).isEqualTo("invalid_text");
        assertThat(reject(limited, index++, "room", " ", "hi")).isEqualTo("invalid_username");
        assertThat(reject(limited, index++, "a/b", "ann", "hi")).isEqualTo("invalid_room_name");
        assertThat(reject(limited, index++, ".hid", "ann", "hi")).isEqualTo("invalid_room_name");
        assertThat(limited.rooms()).isEmpty();

        assertThat(ChatCodec.decodeResult(limited.apply(
                                index++, ChatCodec.encode(new ChatCommand.PostMessage("one", "ann", "hi", 1))))
                        .accepted())
                .isTrue();
        assertThat(reject(limited, index++, "two", "ann", "hi")).isEqualTo("too_many_rooms");
        assertThat(limited.rooms()).containsExactly("one");
        assertThat(limited.appliedIndex()).isEqualTo(index - 1);
    }

    @Test
    void messageLimitCountsUtf8BytesNotCharacters() {
        ChatStateMachine limited = new ChatStateMachine(new ChatLimits(4, 64, 64, 10, 64));
        // "éé" is 2 characters but 4 bytes: accepted; "ééé" is 6 bytes: rejected.
        assertThat(ChatCodec.decodeResult(
                                limited.apply(1, ChatCodec.encode(new ChatCommand.PostMessage("r", "u", "éé", 1))))
                        .accepted())
                .isTrue();
        assertThat(reject(limited, 2, "r", "u", "ééé")).isEqualTo("message_too_large");
    }

    @Test
    void unpairedSurrogatesAreRefusedBeforeTheyCanBeMangledByUtf8() {
        // Encoding would turn the lone surrogate into '?': the limits refuse it so nothing is altered silently.
        assertThatThrownBy(() -> ChatLimits.defaults().checkMessage("bad \ud800 text"))
                .isInstanceOf(InvalidCommandException.class)
                .hasMessageContaining("unpaired surrogate");
        assertThatThrownBy(() -> ChatLimits.defaults().checkUserName("\udc00"))
                .isInstanceOf(InvalidCommandException.class)
                .hasMessageContaining("unpaired surrogate");
        ChatLimits.defaults().checkMessage("paired \ud83d\ude00 emoji");
    }

    @Test
    void malformedCommandsAreRejectedNotThrown() {
        assertThat(ChatCodec.decodeResult(machine.apply(1, new byte[] {9, 9, 9}))
                        .errorCode())
                .isEqualTo("malformed_command");
        byte[] good = ChatCodec.encode(new ChatCommand.PostMessage("r", "u", "m", 1));
        byte[] truncated = Arrays.copyOf(good, good.length - 1);
        assertThat(ChatCodec.decodeResult(machine.apply(2, truncated)).errorCode())
                .isEqualTo("malformed_command");
        byte[] lengthTooLarge = good.clone();
        lengthTooLarge[10] = 0x7f; // the high byte of the room's length
        assertThat(ChatCodec.decodeResult(machine.apply(3, lengthTooLarge)).errorCode())
                .isEqualTo("malformed_command");
        assertThat(machine.rooms()).isEmpty();
        assertThat(machine.appliedIndex()).isEqualTo(3);
    }

    @Test
    void applyingAnIndexTwiceOrBackwardsIsABugAndThrows() {
        post("r", "u", "m", 1);
        byte[] command = ChatCodec.encode(new ChatCommand.PostMessage("r", "u", "again", 2));
        assertThatThrownBy(() -> machine.apply(1, command))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("entry 1 applied after entry 1");
        assertThat(machine.posts("r")).hasSize(1);
    }

    @Test
    void peersAreRegisteredAndListenersHearPostsAndPeers() {
        List<String> heard = new ArrayList<>();
        machine.addListener(new ChatListener() {
            @Override
            public void onPost(String room, Post post) {
                heard.add(room + ":" + post.message());
            }

            @Override
            public void onPeerRegistered(long nodeId, String url) {
                heard.add(nodeId + "@" + url);
            }
        });
        post("general", "ann", "hi", 1);
        machine.apply(nextIndex++, ChatCodec.encode(new ChatCommand.RegisterPeer(4, "http://127.0.0.1:42379")));
        assertThat(heard).containsExactly("general:hi", "4@http://127.0.0.1:42379");
        assertThat(machine.peerUrls()).containsEntry(4L, "http://127.0.0.1:42379");

        machine.apply(nextIndex++, ChatCodec.encode(new ChatCommand.RemovePeer(4)));
        machine.apply(nextIndex++, ChatCodec.encode(new ChatCommand.RemovePeer(3)));
        assertThat(machine.peerUrls()).isEmpty();
        assertThat(machine.removedNodeIds()).containsExactly(3L, 4L);
        machine.apply(nextIndex++, ChatCodec.encode(new ChatCommand.RegisterPeer(3, "http://127.0.0.1:32379")));
        assertThat(machine.removedNodeIds()).containsExactly(4L);

        machine.apply(nextIndex++, ChatCodec.encode(new ChatCommand.RegisterPeer(5, "http://127.0.0.1:52379", true)));
        assertThat(machine.learnerIds()).containsExactly(5L);
        machine.apply(nextIndex++, ChatCodec.encode(new ChatCommand.RegisterPeer(5, "http://127.0.0.1:52379", false)));
        assertThat(machine.learnerIds()).isEmpty();
        assertThat(machine.peerUrls()).containsKeys(3L, 5L);
    }

    @Test
    void aSnapshotRestoresEverythingByteForByte() throws IOException {
        post("general", "ann", "hello", 1_000);
        post("random", "bob", "ünïcödé ✓", 2_000);
        machine.apply(nextIndex++, ChatCodec.encode(new ChatCommand.RegisterPeer(4, "http://127.0.0.1:42379")));
        machine.apply(nextIndex++, ChatCodec.encode(new ChatCommand.RemovePeer(2)));
        machine.apply(nextIndex++, ChatCodec.encode(new ChatCommand.RegisterPeer(5, "http://127.0.0.1:52379", true)));
        byte[] snapshot = machine.snapshotBytes();

        ChatStateMachine restored = new ChatStateMachine(ChatLimits.defaults());
        restored.restore(new ByteArrayInputStream(snapshot));

        assertThat(restored.snapshotBytes()).isEqualTo(snapshot);
        assertThat(restored.rooms()).containsExactly("general", "random");
        assertThat(restored.posts("random")).containsExactly(new Post("bob", "ünïcödé ✓", 2_000));
        assertThat(restored.peerUrls()).isEqualTo(machine.peerUrls());
        assertThat(restored.removedNodeIds()).containsExactly(2L);
        assertThat(restored.learnerIds()).containsExactly(5L);
        assertThat(restored.appliedIndex()).isEqualTo(5);
        // The restored machine continues from the snapshot's index.
        assertThat(ChatCodec.decodeResult(restored.apply(
                                6, ChatCodec.encode(new ChatCommand.PostMessage("general", "cid", "after", 500))))
                        .post()
                        .postedAtMillis())
                .isEqualTo(1_000);
    }

    @Test
    void aDamagedSnapshotIsRefusedAndLeavesTheStateUntouched() {
        post("general", "ann", "hello", 1_000);
        byte[] snapshot = machine.snapshotBytes();
        ChatStateMachine target = new ChatStateMachine(ChatLimits.defaults());
        target.apply(1, ChatCodec.encode(new ChatCommand.PostMessage("mine", "me", "keep", 1)));
        byte[] before = target.snapshotBytes();

        assertThatThrownBy(() -> target.restore(new ByteArrayInputStream(Arrays.copyOf(snapshot, snapshot.length - 1))))
                .isInstanceOf(IOException.class);
        byte[] wrongMagic = snapshot.clone();
        wrongMagic[0] = 0;
        assertThatThrownBy(() -> target.restore(new ByteArrayInputStream(wrongMagic)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not a chat snapshot");
        byte[] wrongVersion = snapshot.clone();
        wrongVersion[7] = 9;
        assertThatThrownBy(() -> target.restore(new ByteArrayInputStream(wrongVersion)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("version 9");
        assertThat(target.snapshotBytes()).isEqualTo(before);
    }

    private static String reject(ChatStateMachine machine, long index, String room, String user, String message) {
        ChatResult result = ChatCodec.decodeResult(
                machine.apply(index, ChatCodec.encode(new ChatCommand.PostMessage(room, user, message, 1))));
        assertThat(result.accepted()).isFalse();
        assertThat(result.errorMessage()).isNotBlank();
        return result.errorCode();
    }
}
