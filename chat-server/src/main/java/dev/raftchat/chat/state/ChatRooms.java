package dev.raftchat.chat.state;

import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The rooms part of {@link ChatModel}: rooms sorted by name, each with its messages oldest first (tombstones
 * included), read markers and retention; the read views of rooms and history; and the rooms section of the
 * snapshot. The rules that change rooms (posting, retention, deletion, the state budget) stay in
 * {@link ChatModel}, which owns this object and holds the state machine's lock while it is used.
 */
final class ChatRooms {

    /** Mutable per-room state; only touched under the state machine's lock. */
    static final class Room {
        final String name;
        final long createdAtMillis;
        /** Null for rooms created by the original API. */
        final String createdBy;

        long retentionMaxMessages = -1;
        long retentionMaxAgeSeconds = -1;
        /** Invariant: messages.get(i).seq() == firstSeq + i; latestSeq == firstSeq + messages.size() - 1. */
        final ArrayList<Message> messages = new ArrayList<>();

        long firstSeq = 1;
        long latestSeq;
        /** Retained messages that are not tombstones. */
        long liveCount;
        /**
         * Seqs of the retained tombstones, derived from {@link #messages} (not serialized), so an unread
         * count can skip them without walking the messages: deletions are rare next to posts.
         */
        final TreeSet<Long> tombstoneSeqs = new TreeSet<>();
        /** The latest time of any message ever posted here, so times never decrease; MIN_VALUE when none. */
        long latestPostedAtMillis = Long.MIN_VALUE;
        /** Log time at which the room, having had messages, became empty; -1 while not empty. */
        long emptySinceMillis = -1;
        /** Folded username -> last read seq. */
        final TreeMap<String, Long> readMarkers = new TreeMap<>();

        Room(String name, long createdAtMillis, String createdBy) {
            this.name = name;
            this.createdAtMillis = createdAtMillis;
            this.createdBy = createdBy;
        }

        Message get(long seq) {
            if (seq < firstSeq || seq > latestSeq) {
                return null;
            }
            return messages.get((int) (seq - firstSeq));
        }

        void set(Message message) {
            messages.set((int) (message.seq() - firstSeq), message);
        }

        Room copy() {
            Room clone = new Room(name, createdAtMillis, createdBy);
            clone.retentionMaxMessages = retentionMaxMessages;
            clone.retentionMaxAgeSeconds = retentionMaxAgeSeconds;
            clone.messages.addAll(messages);
            clone.firstSeq = firstSeq;
            clone.latestSeq = latestSeq;
            clone.liveCount = liveCount;
            clone.tombstoneSeqs.addAll(tombstoneSeqs);
            clone.latestPostedAtMillis = latestPostedAtMillis;
            clone.emptySinceMillis = emptySinceMillis;
            clone.readMarkers.putAll(readMarkers);
            return clone;
        }
    }

    private final TreeMap<String, Room> rooms = new TreeMap<>();

    /** A restored room's message list is sized for at most this many messages before the first one is read. */
    static final int MESSAGES_PRESIZED_MAX = 1 << 20;

    Room get(String name) {
        return rooms.get(name);
    }

    boolean contains(String name) {
        return rooms.containsKey(name);
    }

    int size() {
        return rooms.size();
    }

    Collection<Room> all() {
        return rooms.values();
    }

    void add(Room room) {
        rooms.put(room.name, room);
    }

    /** Removes the room; returns it, or null when there was none. */
    Room remove(String name) {
        return rooms.remove(name);
    }

    // ------------------------------------------------------------------------------------------------
    // The state budget's estimate of this part (see ChatModel).

    static long roomBytes(Room room) {
        long bytes = ChatModel.ROOM_BYTES + ChatModel.stringBytes(room.name) + ChatModel.stringBytes(room.createdBy);
        for (Message message : room.messages) {
            bytes += ChatModel.messageBytes(message);
        }
        for (String marker : room.readMarkers.keySet()) {
            bytes += ChatModel.MARKER_BYTES + ChatModel.stringBytes(marker);
        }
        return bytes;
    }

    long bytes() {
        long bytes = 0;
        for (Room room : rooms.values()) {
            bytes += roomBytes(room);
        }
        return bytes;
    }

    // ------------------------------------------------------------------------------------------------
    // Views: under the read lock; they return immutable copies.

    ChatModel.RoomView view(String name, String viewer) {
        Room room = rooms.get(name);
        return room == null ? null : view(room, viewer);
    }

    private static ChatModel.RoomView view(Room room, String viewer) {
        Long unread = null;
        if (viewer != null) {
            long marker = room.readMarkers.getOrDefault(ChatModel.fold(viewer), 0L);
            // Counts only messages that are still there: a tombstone after the marker is nothing to read.
            long readUpTo = Math.max(marker, room.firstSeq - 1);
            unread = room.latestSeq
                    - readUpTo
                    - room.tombstoneSeqs.tailSet(readUpTo, false).size();
        }
        return new ChatModel.RoomView(
                room.name,
                room.createdAtMillis,
                room.createdBy,
                room.liveCount,
                room.latestSeq,
                room.firstSeq,
                room.messages.isEmpty()
                        ? null
                        : room.messages.get(room.messages.size() - 1).postedAtMillis(),
                room.retentionMaxMessages < 0 ? null : room.retentionMaxMessages,
                room.retentionMaxAgeSeconds < 0 ? null : room.retentionMaxAgeSeconds,
                unread);
    }

    ChatModel.RoomPage page(String after, int limit, String viewer) {
        Map<String, Room> tail = after == null ? rooms : rooms.tailMap(after, false);
        List<ChatModel.RoomView> page = new ArrayList<>(Math.min(limit, tail.size()));
        String next = null;
        for (Room room : tail.values()) {
            if (page.size() == limit) {
                next = page.get(page.size() - 1).name();
                break;
            }
            page.add(view(room, viewer));
        }
        return new ChatModel.RoomPage(List.copyOf(page), next);
    }

    /** Every room name, sorted. */
    List<String> names() {
        return List.copyOf(rooms.keySet());
    }

    /** The original API's view of a room: messages that are not deleted, oldest first. */
    List<Post> posts(String name) {
        Room room = rooms.get(name);
        if (room == null) {
            return List.of();
        }
        List<Post> posts = new ArrayList<>(room.messages.size());
        for (Message message : room.messages) {
            if (!message.deleted()) {
                posts.add(message.toPost());
            }
        }
        return posts;
    }

    // ------------------------------------------------------------------------------------------------
    // Snapshot section (ChatModel#write has the whole layout).

    ChatRooms copy() {
        ChatRooms copy = new ChatRooms();
        for (Room room : rooms.values()) {
            copy.add(room.copy());
        }
        return copy;
    }

    /**
     * <pre>
     * roomCount:i32 (name:str createdAtMillis:i64 createdBy:nstr retentionMaxMessages:i64 retentionMaxAgeSeconds:i64
     *                firstSeq:i64 latestPostedAtMillis:i64 emptySinceMillis:i64
     *                messageCount:i32 message*  markerCount:i32 (user:str seq:i64)*)*     ascending name
     * </pre>
     */
    void write(DataOutputStream out, boolean legacy) throws IOException {
        out.writeInt(rooms.size());
        for (Room room : rooms.values()) {
            ChatCodec.writeString(out, room.name);
            out.writeLong(room.createdAtMillis);
            ChatCodec.writeNullableString(out, room.createdBy);
            out.writeLong(room.retentionMaxMessages);
            out.writeLong(room.retentionMaxAgeSeconds);
            out.writeLong(room.firstSeq);
            out.writeLong(room.latestPostedAtMillis);
            out.writeLong(room.emptySinceMillis);
            out.writeInt(room.messages.size());
            for (Message message : room.messages) {
                ChatCodec.writeMessage(out, message, !legacy);
            }
            out.writeInt(room.readMarkers.size());
            for (Map.Entry<String, Long> marker : room.readMarkers.entrySet()) {
                ChatCodec.writeString(out, marker.getKey());
                out.writeLong(marker.getValue());
            }
        }
    }

    /** Reads what {@link #write} wrote, checking order and invariants. */
    static ChatRooms read(SnapshotInput in, ChatLimits limits, boolean legacy) throws IOException {
        int max = ChatLimits.STRING_BYTES_LIMIT;
        ChatRooms part = new ChatRooms();
        int roomCount = ChatModel.count(in, "room", limits.roomsMax());
        for (int r = 0; r < roomCount; r++) {
            String name = in.readString(max);
            try {
                ChatModel.checkRoomName(limits, name);
            } catch (InvalidCommandException e) {
                throw new IOException("chat snapshot room " + r + ": " + e.getMessage(), e);
            }
            if (!part.rooms.isEmpty() && part.rooms.lastKey().compareTo(name) >= 0) {
                throw new IOException("chat snapshot lists room '" + name + "' out of order");
            }
            Room room = new Room(name, in.readLong(), in.readNullableSharedString(max));
            room.retentionMaxMessages = in.readLong();
            room.retentionMaxAgeSeconds = in.readLong();
            room.firstSeq = in.readLong();
            room.latestPostedAtMillis = in.readLong();
            room.emptySinceMillis = in.readLong();
            if (room.firstSeq < 1 || room.retentionMaxMessages < -1 || room.retentionMaxAgeSeconds < -1) {
                throw new IOException("chat snapshot room '" + name + "' has invalid counters");
            }
            int messageCount = ChatModel.count(in, "message", Integer.MAX_VALUE);
            // Sized up front, but never beyond what a corrupt count could make it allocate for nothing.
            room.messages.ensureCapacity(Math.min(messageCount, MESSAGES_PRESIZED_MAX));
            for (int m = 0; m < messageCount; m++) {
                Message message = ChatCodec.readMessage(in, max, !legacy);
                if (message.seq() != room.firstSeq + m) {
                    throw new IOException(
                            "chat snapshot room '" + name + "' has seq " + message.seq() + " at position " + m);
                }
                room.messages.add(message);
                if (!message.deleted()) {
                    room.liveCount++;
                } else {
                    room.tombstoneSeqs.add(message.seq());
                }
            }
            room.latestSeq = room.firstSeq + messageCount - 1;
            int markerCount = ChatModel.count(in, "read marker", Integer.MAX_VALUE);
            for (int k = 0; k < markerCount; k++) {
                String user = in.readSharedString(max);
                if (!room.readMarkers.isEmpty() && room.readMarkers.lastKey().compareTo(user) >= 0) {
                    throw new IOException("chat snapshot lists read markers out of order in room '" + name + "'");
                }
                room.readMarkers.put(user, in.readLong());
            }
            part.rooms.put(name, room);
        }
        return part;
    }

    /** Replaces every retained message by {@code rewrite}'s answer (which keeps its seq and deletion). */
    void rewriteMessages(UnaryOperator<Message> rewrite) {
        for (Room room : rooms.values()) {
            room.messages.replaceAll(rewrite);
        }
    }

    /** Whether every retained message (tombstones included) passes {@code test}. */
    boolean allMessages(Predicate<Message> test) {
        for (Room room : rooms.values()) {
            for (Message message : room.messages) {
                if (!test.test(message)) {
                    return false;
                }
            }
        }
        return true;
    }
}
