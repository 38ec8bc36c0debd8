package dev.raftchat.chat.api.v1;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raftchat.chat.state.ChatModel;
import dev.raftchat.chat.state.Message;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** The JSON shapes of docs/api.md: messages, rooms, times. Stateless and thread-safe. */
public final class ApiJson {
    public static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private ApiJson() {}

    /** ISO-8601 UTC with milliseconds, e.g. {@code 2026-11-26T14:11:33.120Z}. */
    public static String time(long millis) {
        return TIME.format(Instant.ofEpochMilli(millis));
    }

    /** {@code {"id","room","seq","author","text","postedAt","postedAtMillis","editedAt","deleted","verified","txnId"}}. */
    public static ObjectNode message(String room, Message message) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("id", Long.toString(message.id()));
        node.put("room", room);
        node.put("seq", message.seq());
        node.put("author", message.author());
        node.put("text", message.text()); // Jackson writes a null (a deleted message) as JSON null
        node.put("postedAt", time(message.postedAtMillis()));
        node.put("postedAtMillis", message.postedAtMillis());
        if (message.editedAtMillis() == 0 || message.deleted()) {
            node.putNull("editedAt");
        } else {
            node.put("editedAt", time(message.editedAtMillis()));
        }
        node.put("deleted", message.deleted());
        // False for a post made without a token on the original route: its author name is unverified.
        node.put("verified", message.verified());
        node.put("txnId", message.txnId()); // likewise when the message has none
        return node;
    }

    /** The room object of docs/api.md; {@code unread} only when the view has one (an authenticated request). */
    public static ObjectNode room(ChatModel.RoomView room) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("name", room.name());
        node.put("createdAt", time(room.createdAtMillis()));
        if (room.createdBy() == null) {
            node.putNull("createdBy");
        } else {
            node.put("createdBy", room.createdBy());
        }
        node.put("messageCount", room.messageCount());
        node.put("latestSeq", room.latestSeq());
        node.put("oldestRetainedSeq", room.oldestRetainedSeq());
        if (room.lastMessageAtMillis() == null) {
            node.putNull("lastMessageAt");
        } else {
            node.put("lastMessageAt", time(room.lastMessageAtMillis()));
        }
        ObjectNode retention = node.putObject("retention");
        if (room.retentionMaxMessages() == null) {
            retention.putNull("maxMessages");
        } else {
            retention.put("maxMessages", room.retentionMaxMessages());
        }
        if (room.retentionMaxAgeSeconds() == null) {
            retention.putNull("maxAgeSeconds");
        } else {
            retention.put("maxAgeSeconds", room.retentionMaxAgeSeconds());
        }
        if (room.unread() != null) {
            node.put("unread", room.unread());
        }
        return node;
    }
}
