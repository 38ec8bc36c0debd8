package dev.raftchat.chat.state;

import java.util.Objects;

/**
 * One message of a room as the chat API v1 sees it. Immutable: an edit or a deletion replaces the record.
 *
 * @param id             the log index of the entry that created it: unique in the cluster, the same on every node
 * @param seq            its position in its room, from 1, without gaps (tombstones keep their seq)
 * @param author         the user who posted it (a registered username, or any name on the original route)
 * @param text           the text; null once deleted
 * @param postedAtMillis when, in log time (the proposer's clock, raised so it never decreases within a room)
 * @param editedAtMillis when it was last edited, in log time; 0 when never
 * @param deleted        whether it is a tombstone
 * @param txnId          the client transaction id it was created with, or null
 * @param verified       whether it was posted with the author's token (every v1 post; an original-route post
 *                       under a registered name). A post made without a token is unverified forever, even
 *                       when someone registers its name later: such an account never owns it.
 */
public record Message(
        long id,
        long seq,
        String author,
        String text,
        long postedAtMillis,
        long editedAtMillis,
        boolean deleted,
        String txnId,
        boolean verified) {

    public Message {
        Objects.requireNonNull(author, "author");
        if (deleted != (text == null)) {
            throw new IllegalArgumentException("a message has text exactly when it is not deleted");
        }
        if (id <= 0 || seq <= 0) {
            throw new IllegalArgumentException("id " + id + " and seq " + seq + " must be positive");
        }
    }

    /** This message as the original API shows it. Only for messages that are not deleted. */
    public Post toPost() {
        return new Post(author, text, postedAtMillis);
    }

    public Message edited(String newText, long atMillis) {
        return new Message(
                id, seq, author, Objects.requireNonNull(newText), postedAtMillis, atMillis, false, txnId, verified);
    }

    public Message tombstone(long atMillis) {
        return new Message(id, seq, author, null, postedAtMillis, atMillis, true, txnId, verified);
    }
}
