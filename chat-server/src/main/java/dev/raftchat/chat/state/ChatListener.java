package dev.raftchat.chat.state;

import java.util.SortedMap;

/**
 * Hears about changes applied by a {@link ChatStateMachine}.
 *
 * <p><b>Threading.</b> Called on the thread that applies (the Raft thread), after the change is visible
 * to readers, in log order. Implementations must return quickly and never block (hand the event to a
 * bounded queue, drop when full): a slow listener delays every later entry. An exception is logged and
 * otherwise ignored, because the change is already applied on every node.
 */
public interface ChatListener {

    /** A post was appended to {@code room}. */
    default void onPost(String room, Post post) {}

    /** The URL of peer {@code nodeId} was registered (or changed). */
    default void onPeerRegistered(long nodeId, String url) {}

    /** The whole state was replaced by a snapshot whose registered peer URLs are {@code peerUrls}. */
    default void onRestored(SortedMap<Long, String> peerUrls) {}

    /** Node {@code nodeId} was asked to leave the cluster. */
    default void onPeerRemoved(long nodeId) {}

    /** A v1 message was appended to {@code room} (also reported as {@link #onPost}, for the original API). */
    default void onMessage(String room, Message message) {}

    /** A message's text was replaced. */
    default void onMessageEdited(String room, Message message) {}

    /** A message became a tombstone. */
    default void onMessageDeleted(String room, Message tombstone) {}

    /** A room was deleted, or truncated after staying empty for the grace period. */
    default void onRoomDeleted(String room) {}
}
