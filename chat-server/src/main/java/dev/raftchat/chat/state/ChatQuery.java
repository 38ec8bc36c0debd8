package dev.raftchat.chat.state;

import java.util.Objects;

/** A read of the chat, answered by {@link ChatStateMachine#query}; encoded by {@link ChatCodec}. */
public sealed interface ChatQuery {

    /** The names of all rooms, sorted. */
    record ListRooms() implements ChatQuery {}

    /** The applied index (8 bytes, big-endian): a cheap read barrier. */
    record AppliedIndex() implements ChatQuery {}

    /** The posts of one room, oldest first (an empty list for an unknown room). */
    record ReadRoom(String room) implements ChatQuery {
        public ReadRoom {
            Objects.requireNonNull(room, "room");
        }
    }
}
