package dev.raftchat.chat.state;

import static dev.raftchat.chat.state.RangeCheck.requireInRange;

import java.nio.charset.StandardCharsets;

/**
 * The size and naming rules every chat command must satisfy. They are part of the replicated semantics:
 * {@link ChatStateMachine#apply} enforces them, so every node of a cluster must run with the same limits
 * (a node with different limits would accept or reject different commands and diverge). The HTTP layer
 * checks the same rules before proposing, so that a bad request is answered at once and never logged.
 *
 * @param messageBytesMax  the largest message, in UTF-8 bytes
 * @param userNameBytesMax the longest user name, in UTF-8 bytes
 * @param roomNameCharsMax the longest room name, in characters (room names are ASCII, see {@link #checkRoomName})
 * @param roomsMax         the most rooms the chat holds; a post that would create one more is rejected
 * @param peerUrlBytesMax  the longest peer URL registered through membership changes, in UTF-8 bytes
 */
public record ChatLimits(
        int messageBytesMax, int userNameBytesMax, int roomNameCharsMax, int roomsMax, int peerUrlBytesMax) {

    public static final int DEFAULT_MESSAGE_BYTES_MAX = 4 * 1024;
    public static final int DEFAULT_USER_NAME_BYTES_MAX = 64;
    public static final int DEFAULT_ROOM_NAME_CHARS_MAX = 64;
    public static final int DEFAULT_ROOMS_MAX = 100_000;
    public static final int DEFAULT_PEER_URL_BYTES_MAX = 256;
    /** Bounds the limits themselves so that one command always fits in one Raft entry. */
    public static final int STRING_BYTES_LIMIT = 256 * 1024;

    public ChatLimits {
        requireInRange("messageBytesMax", messageBytesMax, 1, STRING_BYTES_LIMIT);
        requireInRange("userNameBytesMax", userNameBytesMax, 1, STRING_BYTES_LIMIT);
        requireInRange("roomNameCharsMax", roomNameCharsMax, 1, STRING_BYTES_LIMIT);
        requireInRange("roomsMax", roomsMax, 1, Integer.MAX_VALUE);
        requireInRange("peerUrlBytesMax", peerUrlBytesMax, 1, STRING_BYTES_LIMIT);
    }

    public static ChatLimits defaults() {
        return new ChatLimits(
                DEFAULT_MESSAGE_BYTES_MAX,
                DEFAULT_USER_NAME_BYTES_MAX,
                DEFAULT_ROOM_NAME_CHARS_MAX,
                DEFAULT_ROOMS_MAX,
                DEFAULT_PEER_URL_BYTES_MAX);
    }

    /**
     * A room name is 1 to {@link #roomNameCharsMax} characters among {@code A-Z a-z 0-9 - _ .}, not
     * starting with a dot: safe in a URL path segment without escaping, and unambiguous to sort.
     *
     * @throws InvalidCommandException with code {@code invalid_room_name}
     */
    public void checkRoomName(String room) {
        if (room == null || room.isEmpty()) {
            throw new InvalidCommandException(ChatError.INVALID_ROOM_NAME, "room name is empty");
        }
        if (room.length() > roomNameCharsMax) {
            throw new InvalidCommandException(
                    ChatError.INVALID_ROOM_NAME,
                    "room name has " + room.length() + " characters; at most " + roomNameCharsMax + " are allowed");
        }
        if (room.charAt(0) == '.') {
            throw new InvalidCommandException(ChatError.INVALID_ROOM_NAME, "room name must not start with '.'");
        }
        for (int i = 0; i < room.length(); i++) {
            char c = room.charAt(i);
            if (!Names.isPlainNameChar(c)) {
                throw new InvalidCommandException(
                        ChatError.INVALID_ROOM_NAME,
                        "room name contains '" + printable(c) + "' at position " + i
                                + "; allowed are letters A-Z a-z, digits, '-', '_' and '.'");
            }
        }
    }

    /**
     * A user name is non-blank, valid Unicode, at most {@link #userNameBytesMax} UTF-8 bytes, without control characters.
     *
     * @throws InvalidCommandException with code {@code invalid_username}
     */
    public void checkUserName(String user) {
        if (user == null || user.isBlank()) {
            throw new InvalidCommandException(ChatError.INVALID_USERNAME, "user name is missing or blank");
        }
        if (!isWellFormedUtf16(user)) {
            throw new InvalidCommandException(
                    ChatError.INVALID_USERNAME, "user name contains an unpaired surrogate (not valid Unicode)");
        }
        int bytes = utf8Length(user);
        if (bytes > userNameBytesMax) {
            throw new InvalidCommandException(
                    ChatError.INVALID_USERNAME,
                    "user name has " + bytes + " bytes in UTF-8; at most " + userNameBytesMax + " are allowed");
        }
        for (int i = 0; i < user.length(); i++) {
            if (Character.isISOControl(user.charAt(i))) {
                throw new InvalidCommandException(
                        ChatError.INVALID_USERNAME, "user name contains a control character at position " + i);
            }
        }
    }

    /**
     * A message is non-empty, valid Unicode, and at most {@link #messageBytesMax} UTF-8 bytes (line breaks allowed).
     *
     * @throws InvalidCommandException with code {@code invalid_text}, or {@code message_too_large} past the byte limit
     */
    public void checkMessage(String message) {
        if (message == null || message.isEmpty()) {
            throw new InvalidCommandException(ChatError.INVALID_TEXT, "message is missing or empty");
        }
        if (!isWellFormedUtf16(message)) {
            throw new InvalidCommandException(
                    ChatError.INVALID_TEXT, "message contains an unpaired surrogate (not valid Unicode)");
        }
        int bytes = utf8Length(message);
        if (bytes > messageBytesMax) {
            throw new InvalidCommandException(
                    ChatError.MESSAGE_TOO_LARGE,
                    "message has " + bytes + " bytes in UTF-8; at most " + messageBytesMax + " are allowed");
        }
    }

    /**
     * Checks a peer URL's length.
     *
     * @throws InvalidCommandException with code {@code invalid_peer_url} when longer than {@link #peerUrlBytesMax} or blank
     */
    public void checkPeerUrl(String url) {
        if (url == null || url.isBlank()) {
            throw new InvalidCommandException(ChatError.INVALID_PEER_URL, "peer URL is missing");
        }
        int bytes = utf8Length(url);
        if (bytes > peerUrlBytesMax) {
            throw new InvalidCommandException(
                    ChatError.INVALID_PEER_URL,
                    "peer URL has " + bytes + " bytes; at most " + peerUrlBytesMax + " are allowed");
        }
    }

    /** Whether every surrogate is paired: only such strings survive UTF-8 encoding unchanged. */
    public static boolean isWellFormedUtf16(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    static int utf8Length(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    private static String printable(char c) {
        return c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c);
    }
}
