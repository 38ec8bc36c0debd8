package dev.raftchat.chat.state;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * One message in a room, as applied.
 *
 * @param user           who posted it
 * @param message        the text
 * @param postedAtMillis when, in milliseconds since the epoch (UTC): the proposer's clock, raised when needed
 *                       so that times never decrease within a room
 */
public record Post(String user, String message, long postedAtMillis) {

    /** Always millisecond precision, so the text has one width and sorts like the time. */
    private static final DateTimeFormatter POSTED_AT_FORMAT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    public Post {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(message, "message");
    }

    /** {@link #postedAtMillis} as ISO-8601 in UTC with milliseconds, e.g. {@code 2026-11-26T14:11:33.120Z}; the same on every node. */
    public String postedAtText() {
        return POSTED_AT_FORMAT.format(Instant.ofEpochMilli(postedAtMillis));
    }
}
