package dev.raftchat.chat.state;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The replicated chat data behind both APIs: rooms with their messages, users, sessions, read markers,
 * remembered client transaction ids, and the log time. Owned by {@link ChatStateMachine}, which holds the
 * lock: every method here runs under its write lock (apply, restore) or read lock (the views).
 *
 * <p><b>Determinism.</b> Nothing here reads a clock: time is {@link #logTimeMillis}, which never decreases.
 * Until the cluster version reaches 2 it is the largest {@code atMillis} carried by any command applied so
 * far; from then on ({@link #boundTime}) only the leader's {@link ChatCommand.ClockTick}s move it, by at most
 * their step each, and a message's time is capped at log time plus that step, so one node's clock running
 * ahead can no longer expire sessions, idempotency keys or messages early. Maps are sorted, except
 * the transaction ids, which are kept in insertion (log) order, the same on every node, and written to
 * snapshots in that order.
 *
 * <p><b>Rooms.</b> A room's messages are kept oldest first with consecutive seqs from
 * {@code oldestRetainedSeq} to {@code latestSeq}; a deleted message stays as a tombstone. Retention drops
 * messages from the oldest end only, so seqs stay consecutive.
 */
public final class ChatModel {

    /** A name (username or room) compared case-insensitively. */
    static String fold(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    /** A user as registered. {@code passwordHash} is the encoded PBKDF2 hash, never the password. */
    public record User(String username, String passwordHash, long createdAtMillis) {}

    /** An open session; {@code sessionId} is the log index of the login. */
    public record Session(
            long sessionId, String tokenHash, String username, long createdAtMillis, long expiresAtMillis) {}

    /**
     * A room as the API shows it. Retention fields are null for "the server default"; {@code unread} is
     * null when no viewer was given; {@code lastMessageAtMillis} is null when no message is retained.
     */
    public record RoomView(
            String name,
            long createdAtMillis,
            String createdBy,
            long messageCount,
            long latestSeq,
            long oldestRetainedSeq,
            Long lastMessageAtMillis,
            Long retentionMaxMessages,
            Long retentionMaxAgeSeconds,
            Long unread) {}

    /** One page of rooms sorted by name; {@code nextCursor} is null after the last. */
    public record RoomPage(List<RoomView> rooms, String nextCursor) {}

    /**
     * One page of a room's history, oldest first. {@code prevCursor} is null when the page starts at the
     * oldest retained message; {@code nextCursor} is always set.
     */
    public record MessagePage(
            List<Message> messages, Long prevCursor, long nextCursor, long oldestRetainedSeq, long latestSeq) {}

    /** A read that cannot be answered: a stable code, words, and for {@code cursor_expired} the oldest retained seq. */
    public static final class QueryException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private final String code;
        private final long oldestRetainedSeq;

        QueryException(String code, String message, long oldestRetainedSeq) {
            super(message);
            this.code = code;
            this.oldestRetainedSeq = oldestRetainedSeq;
        }

        public String code() {
            return code;
        }

        public long oldestRetainedSeq() {
            return oldestRetainedSeq;
        }
    }

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
    }

    private record Dedup(String author, String txnId, long loggedAtMillis, String room, Message original) {}

    private final ChatLimits limits;
    private final ChatPolicy policy;
    final TreeMap<String, Room> rooms = new TreeMap<>();
    /** Folded username -> user. */
    private final TreeMap<String, User> users = new TreeMap<>();

    private final TreeMap<Long, Session> sessionsById = new TreeMap<>();
    private final TreeMap<String, Long> sessionIdsByTokenHash = new TreeMap<>();
    /** (folded author + '\n' + txnId) -> result, oldest first. */
    private final LinkedHashMap<String, Dedup> dedup = new LinkedHashMap<>();

    private long logTimeMillis;
    /** Cluster version 2 and later: only clock ticks move log time, by a bounded step (see the class comment). */
    private boolean timeBounded;
    /** The step of the last applied clock tick; a message's time is at most log time plus it. */
    private long clockStepMaxMillis;

    ChatModel(ChatLimits limits, ChatPolicy policy) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    ChatPolicy policy() {
        return policy;
    }

    long logTimeMillis() {
        return logTimeMillis;
    }

    /** {@code a + b} for a non-negative {@code b}, saturating instead of overflowing. */
    private static long plus(long a, long b) {
        return a > Long.MAX_VALUE - b ? Long.MAX_VALUE : a + b;
    }

    /** From now on log time follows the bounded rules of cluster version 2 (called when it is reached). */
    void boundTime(long lastClockStepMaxMillis) {
        timeBounded = true;
        clockStepMaxMillis = lastClockStepMaxMillis;
    }

    boolean timeBounded() {
        return timeBounded;
    }

    long clockStepMaxMillis() {
        return clockStepMaxMillis;
    }

    // ------------------------------------------------------------------------------------------------
    // Rules shared with the HTTP layer.

    /** Usernames: 1–32 of {@code A-Z a-z 0-9 _ . -}. @throws InvalidCommandException {@code invalid_username} */
    public static void checkUsername(String username) {
        if (username == null || username.isEmpty() || username.length() > 32) {
            throw new InvalidCommandException("invalid_username", "a username has 1 to 32 characters");
        }
        for (int i = 0; i < username.length(); i++) {
            char c = username.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '_'
                    || c == '.';
            if (!allowed) {
                throw new InvalidCommandException(
                        "invalid_username", "a username may contain only letters A-Z a-z, digits, '_', '.' and '-'");
            }
        }
    }

    /**
     * A v1 room name: 1 to {@link ChatLimits#roomNameCharsMax} code points, valid Unicode, not blank, no
     * control characters; anything else is allowed, '/' included.
     *
     * @throws InvalidCommandException {@code invalid_room_name}
     */
    public static void checkRoomName(ChatLimits limits, String room) {
        if (room == null || room.isBlank()) {
            throw new InvalidCommandException("invalid_room_name", "a room name must not be empty or blank");
        }
        if (!ChatLimits.isWellFormedUtf16(room)) {
            throw new InvalidCommandException("invalid_room_name", "the room name is not valid Unicode");
        }
        int codePoints = room.codePointCount(0, room.length());
        if (codePoints > limits.roomNameCharsMax()) {
            throw new InvalidCommandException(
                    "invalid_room_name",
                    "the room name has " + codePoints + " characters; at most " + limits.roomNameCharsMax()
                            + " are allowed");
        }
        if (room.codePoints().anyMatch(Character::isISOControl)) {
            throw new InvalidCommandException("invalid_room_name", "the room name contains a control character");
        }
    }

    /**
     * A v1 message text: not empty, valid Unicode, at most {@link ChatLimits#messageBytesMax} UTF-8 bytes.
     *
     * @throws InvalidCommandException {@code invalid_text} or {@code message_too_large}
     */
    public static void checkText(ChatLimits limits, String text) {
        if (text == null || text.isEmpty()) {
            throw new InvalidCommandException("invalid_text", "the text is missing or empty");
        }
        if (!ChatLimits.isWellFormedUtf16(text)) {
            throw new InvalidCommandException("invalid_text", "the text is not valid Unicode");
        }
        int bytes = ChatLimits.utf8Length(text);
        if (bytes > limits.messageBytesMax()) {
            throw new InvalidCommandException(
                    "message_too_large",
                    "the text has " + bytes + " bytes in UTF-8; at most " + limits.messageBytesMax() + " are allowed");
        }
    }

    /** A client transaction id: 1–64 of {@code A-Z a-z 0-9 . _ : -}. @throws InvalidCommandException {@code invalid_txn_id} */
    public static void checkTxnId(String txnId) {
        if (txnId == null || txnId.isEmpty() || txnId.length() > 64) {
            throw new InvalidCommandException("invalid_txn_id", "a transaction id has 1 to 64 characters");
        }
        for (int i = 0; i < txnId.length(); i++) {
            char c = txnId.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '_'
                    || c == '.'
                    || c == ':';
            if (!allowed) {
                throw new InvalidCommandException(
                        "invalid_txn_id", "a transaction id may contain only letters, digits, '.', '_', ':' and '-'");
            }
        }
    }

    /** -1 (default), 0 (unlimited) or a positive bound within {@code max}. */
    static void checkRetention(String field, long value, long max) {
        if (value < -1 || value > max) {
            throw new InvalidCommandException("invalid_retention", field + " must be null, 0 (unlimited) or 1.." + max);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Apply: called under the write lock. Events go to the sink, to be delivered after the lock is released.

    /** Listener events of one command, delivered in order after the lock is released. */
    interface Events extends Consumer<Consumer<ChatListener>> {}

    private void advanceLogTime(long atMillis) {
        if (!timeBounded && atMillis > logTimeMillis) {
            logTimeMillis = atMillis;
        }
    }

    /** The username of a live session with this token hash, or null. */
    private String actorName(String actor) {
        if (actor.isEmpty()) {
            return null;
        }
        Long id = sessionIdsByTokenHash.get(actor);
        if (id == null) {
            return null;
        }
        Session session = sessionsById.get(id);
        return session.expiresAtMillis() > logTimeMillis ? session.username() : null;
    }

    private static ChatResult unauthorized() {
        return ChatResult.rejected("unauthorized", "no valid session: log in again");
    }

    ChatResult applyOriginalPost(
            long index,
            String roomName,
            String user,
            String text,
            long postedAtMillis,
            String txnId,
            String actor,
            Events events) {
        advanceLogTime(postedAtMillis);
        try {
            limits.checkRoomName(roomName);
            limits.checkUserName(user);
            limits.checkMessage(text);
            if (!txnId.isEmpty()) {
                checkTxnId(txnId);
            }
        } catch (InvalidCommandException e) {
            return ChatResult.rejected(e.code(), e.getMessage());
        }
        String author = user;
        User registered = users.get(fold(user));
        if (registered != null) {
            String actorName = actorName(actor);
            if (actorName == null) {
                return ChatResult.rejected(
                        "unauthorized",
                        "the name '" + user + "' is registered: posting under it needs that user's token");
            }
            if (!fold(actorName).equals(fold(user))) {
                return ChatResult.rejected("forbidden", "the name '" + user + "' belongs to another user");
            }
            author = registered.username();
        }
        if (!txnId.isEmpty()) {
            Message replay = replay(author, txnId);
            if (replay != null) {
                return ChatResult.accepted(
                        replay.deleted() ? new Post(replay.author(), "", replay.postedAtMillis()) : replay.toPost(),
                        true);
            }
        }
        Room room = rooms.get(roomName);
        if (room == null) {
            if (rooms.size() >= limits.roomsMax()) {
                return ChatResult.rejected(
                        "too_many_rooms",
                        "the chat already has " + rooms.size() + " rooms, the most allowed; post to an existing room");
            }
            room = new Room(roomName, logTimeMillis, null);
            rooms.put(roomName, room);
        }
        Message message = append(index, room, author, text, postedAtMillis, txnId, events);
        return ChatResult.accepted(message.toPost());
    }

    private Message replay(String author, String txnId) {
        Dedup entry = dedup.get(fold(author) + '\n' + txnId);
        if (entry == null) {
            return null;
        }
        Room room = rooms.get(entry.room());
        Message current = room == null ? null : room.get(entry.original().seq());
        return current != null && current.id() == entry.original().id() ? current : entry.original();
    }

    private Message append(
            long index, Room room, String author, String text, long postedAtMillis, String txnId, Events events) {
        long proposed =
                timeBounded ? Math.min(postedAtMillis, plus(logTimeMillis, clockStepMaxMillis)) : postedAtMillis;
        long at = Math.max(room.latestPostedAtMillis, proposed);
        room.latestPostedAtMillis = at;
        room.latestSeq++;
        Message message =
                new Message(index, room.latestSeq, author, text, at, 0, false, txnId.isEmpty() ? null : txnId);
        room.messages.add(message);
        room.liveCount++;
        room.emptySinceMillis = -1;
        if (!txnId.isEmpty()) {
            dedup.put(fold(author) + '\n' + txnId, new Dedup(author, txnId, logTimeMillis, room.name, message));
            expireDedup();
        }
        String name = room.name;
        events.accept(listener -> listener.onMessage(name, message));
        events.accept(listener -> listener.onPost(name, message.toPost()));
        enforceRetention(room);
        return message;
    }

    private void expireDedup() {
        long horizon = logTimeMillis - policy.idempotencyKeyAgeSeconds() * 1000;
        Iterator<Dedup> oldestFirst = dedup.values().iterator();
        while (oldestFirst.hasNext()) {
            Dedup oldest = oldestFirst.next();
            if (dedup.size() > policy.idempotencyKeysMax() || oldest.loggedAtMillis() < horizon) {
                oldestFirst.remove();
            } else {
                break;
            }
        }
    }

    private void enforceRetention(Room room) {
        long maxMessages = room.retentionMaxMessages >= 0 ? room.retentionMaxMessages : policy.retentionMaxMessages();
        long maxAgeSeconds =
                room.retentionMaxAgeSeconds >= 0 ? room.retentionMaxAgeSeconds : policy.retentionMaxAgeSeconds();
        int drop = 0;
        if (maxMessages > 0 && room.messages.size() > maxMessages) {
            drop = (int) (room.messages.size() - maxMessages);
        }
        if (maxAgeSeconds > 0) {
            long horizon = logTimeMillis - maxAgeSeconds * 1000;
            while (drop < room.messages.size() && room.messages.get(drop).postedAtMillis() < horizon) {
                drop++;
            }
        }
        if (drop == 0) {
            return;
        }
        List<Message> dropped = room.messages.subList(0, drop);
        for (Message message : dropped) {
            if (!message.deleted()) {
                room.liveCount--;
            }
        }
        dropped.clear();
        room.tombstoneSeqs.headSet(room.firstSeq + drop).clear();
        room.firstSeq += drop;
        noteIfEmpty(room);
    }

    private void noteIfEmpty(Room room) {
        if (room.liveCount == 0 && room.latestSeq > 0 && room.emptySinceMillis < 0) {
            room.emptySinceMillis = logTimeMillis;
        }
    }

    /** A {@link ChatCommand.ClockTick}: log time moves by at most {@code stepMaxMillis}, then expiry runs. */
    ChatResult applyClockTick(long atMillis, long stepMaxMillis, Events events) {
        if (stepMaxMillis < 1 || stepMaxMillis > ChatPolicy.SECONDS_LIMIT * 1000) {
            return ChatResult.rejected("invalid_clock_step", "clock step " + stepMaxMillis + " ms is out of range");
        }
        long bounded = Math.min(atMillis, plus(logTimeMillis, stepMaxMillis));
        if (bounded > logTimeMillis) {
            logTimeMillis = bounded;
        }
        clockStepMaxMillis = stepMaxMillis;
        return expire(events);
    }

    ChatResult applyTick(long atMillis, Events events) {
        advanceLogTime(atMillis);
        return expire(events);
    }

    /** Retention, empty rooms, sessions and idempotency keys, at the current log time. */
    private ChatResult expire(Events events) {
        List<String> truncated = new ArrayList<>();
        for (Room room : rooms.values()) {
            enforceRetention(room);
            if (room.emptySinceMillis >= 0
                    && logTimeMillis - room.emptySinceMillis >= policy.emptyRoomGraceSeconds() * 1000) {
                truncated.add(room.name);
            }
        }
        for (String name : truncated) {
            rooms.remove(name);
            events.accept(listener -> listener.onRoomDeleted(name));
        }
        sessionsById.values().removeIf(session -> {
            boolean expired = session.expiresAtMillis() <= logTimeMillis;
            if (expired) {
                sessionIdsByTokenHash.remove(session.tokenHash());
            }
            return expired;
        });
        expireDedup();
        return ChatResult.accepted(null);
    }

    ChatResult applyCreateRoom(ChatCommand.CreateRoom command, Events events) {
        advanceLogTime(command.atMillis());
        String actor = actorName(command.actor());
        if (actor == null) {
            return unauthorized();
        }
        try {
            checkRoomName(limits, command.room());
            checkRetention("maxMessages", command.retentionMaxMessages(), Integer.MAX_VALUE);
            checkRetention("maxAgeSeconds", command.retentionMaxAgeSeconds(), ChatPolicy.SECONDS_LIMIT);
        } catch (InvalidCommandException e) {
            return ChatResult.rejected(e.code(), e.getMessage());
        }
        if (rooms.containsKey(command.room())) {
            return ChatResult.rejected("room_exists", "a room named '" + command.room() + "' exists already");
        }
        if (rooms.size() >= limits.roomsMax()) {
            return ChatResult.rejected(
                    "too_many_rooms", "the chat already has " + rooms.size() + " rooms, the most allowed");
        }
        Room room = new Room(command.room(), logTimeMillis, actor);
        room.retentionMaxMessages = command.retentionMaxMessages();
        room.retentionMaxAgeSeconds = command.retentionMaxAgeSeconds();
        rooms.put(room.name, room);
        return ChatResult.accepted(null);
    }

    /** The room an authorized command acts on, or a rejection. */
    private Object ownedRoom(String actorToken, String roomName, boolean admin) {
        String actor = actorName(actorToken);
        if (actor == null) {
            return unauthorized();
        }
        Room room = rooms.get(roomName);
        if (room == null) {
            return ChatResult.rejected("room_not_found", "no room named '" + roomName + "'");
        }
        if (!admin && (room.createdBy == null || !fold(room.createdBy).equals(fold(actor)))) {
            return ChatResult.rejected("forbidden", "only the room's creator or an admin may do this");
        }
        return room;
    }

    ChatResult applyDeleteRoom(ChatCommand.DeleteRoom command, Events events) {
        advanceLogTime(command.atMillis());
        Object found = ownedRoom(command.actor(), command.room(), command.admin());
        if (found instanceof ChatResult rejection) {
            return rejection;
        }
        rooms.remove(command.room());
        String name = command.room();
        events.accept(listener -> listener.onRoomDeleted(name));
        return ChatResult.accepted(null);
    }

    ChatResult applySetRetention(ChatCommand.SetRetention command, Events events) {
        advanceLogTime(command.atMillis());
        try {
            checkRetention("maxMessages", command.retentionMaxMessages(), Integer.MAX_VALUE);
            checkRetention("maxAgeSeconds", command.retentionMaxAgeSeconds(), ChatPolicy.SECONDS_LIMIT);
        } catch (InvalidCommandException e) {
            return ChatResult.rejected(e.code(), e.getMessage());
        }
        Object found = ownedRoom(command.actor(), command.room(), command.admin());
        if (found instanceof ChatResult rejection) {
            return rejection;
        }
        Room room = (Room) found;
        room.retentionMaxMessages = command.retentionMaxMessages();
        room.retentionMaxAgeSeconds = command.retentionMaxAgeSeconds();
        enforceRetention(room);
        return ChatResult.accepted(null);
    }

    ChatResult applySend(long index, ChatCommand.SendMessage command, Events events) {
        advanceLogTime(command.atMillis());
        String actor = actorName(command.actor());
        if (actor == null) {
            return unauthorized();
        }
        try {
            checkText(limits, command.text());
            if (!command.txnId().isEmpty()) {
                checkTxnId(command.txnId());
            }
        } catch (InvalidCommandException e) {
            return ChatResult.rejected(e.code(), e.getMessage());
        }
        if (!command.txnId().isEmpty()) {
            Message replay = replay(actor, command.txnId());
            if (replay != null) {
                return ChatResult.acceptedMessage(replay, true);
            }
        }
        Room room = rooms.get(command.room());
        if (room == null) {
            return ChatResult.rejected("room_not_found", "no room named '" + command.room() + "'");
        }
        return ChatResult.acceptedMessage(
                append(index, room, actor, command.text(), command.atMillis(), command.txnId(), events), false);
    }

    /** The message an authorized edit or delete acts on, or a rejection. */
    private Object ownedMessage(String actorToken, String roomName, long seq, boolean admin) {
        String actor = actorName(actorToken);
        if (actor == null) {
            return unauthorized();
        }
        Room room = rooms.get(roomName);
        if (room == null) {
            return ChatResult.rejected("room_not_found", "no room named '" + roomName + "'");
        }
        Message message = room.get(seq);
        if (message == null) {
            return ChatResult.rejected("message_not_found", "room '" + roomName + "' has no message " + seq);
        }
        if (!admin && !fold(message.author()).equals(fold(actor))) {
            return ChatResult.rejected("forbidden", "only the message's author or an admin may do this");
        }
        return message;
    }

    ChatResult applyEdit(ChatCommand.EditMessage command, Events events) {
        advanceLogTime(command.atMillis());
        try {
            checkText(limits, command.text());
        } catch (InvalidCommandException e) {
            return ChatResult.rejected(e.code(), e.getMessage());
        }
        Object found = ownedMessage(command.actor(), command.room(), command.seq(), command.admin());
        if (found instanceof ChatResult rejection) {
            return rejection;
        }
        Message message = (Message) found;
        if (message.deleted()) {
            return ChatResult.rejected("message_deleted", "message " + message.seq() + " was deleted");
        }
        Message edited = message.edited(command.text(), logTimeMillis);
        rooms.get(command.room()).set(edited);
        String name = command.room();
        events.accept(listener -> listener.onMessageEdited(name, edited));
        return ChatResult.acceptedMessage(edited, false);
    }

    ChatResult applyDeleteMessage(ChatCommand.DeleteMessage command, Events events) {
        advanceLogTime(command.atMillis());
        Object found = ownedMessage(command.actor(), command.room(), command.seq(), command.admin());
        if (found instanceof ChatResult rejection) {
            return rejection;
        }
        Message message = (Message) found;
        if (message.deleted()) {
            return ChatResult.acceptedMessage(message, true);
        }
        Room room = rooms.get(command.room());
        Message tombstone = message.tombstone(logTimeMillis);
        room.set(tombstone);
        room.liveCount--;
        room.tombstoneSeqs.add(tombstone.seq());
        noteIfEmpty(room);
        String name = command.room();
        events.accept(listener -> listener.onMessageDeleted(name, tombstone));
        return ChatResult.acceptedMessage(tombstone, false);
    }

    ChatResult applyReadMarker(ChatCommand.SetReadMarker command) {
        advanceLogTime(command.atMillis());
        String actor = actorName(command.actor());
        if (actor == null) {
            return unauthorized();
        }
        Room room = rooms.get(command.room());
        if (room == null) {
            return ChatResult.rejected("room_not_found", "no room named '" + command.room() + "'");
        }
        if (command.seq() < 0 || command.seq() > room.latestSeq) {
            return ChatResult.rejected(
                    "invalid_seq", "seq must be between 0 and the room's latest seq " + room.latestSeq);
        }
        room.readMarkers.put(fold(actor), command.seq());
        return ChatResult.accepted(null);
    }

    ChatResult applyRegister(ChatCommand.RegisterUser command) {
        advanceLogTime(command.atMillis());
        try {
            checkUsername(command.username());
        } catch (InvalidCommandException e) {
            return ChatResult.rejected(e.code(), e.getMessage());
        }
        if (command.passwordHash().isEmpty() || command.passwordHash().length() > 512) {
            return ChatResult.rejected("invalid_password", "the password hash is malformed");
        }
        if (users.containsKey(fold(command.username()))) {
            return ChatResult.rejected("username_taken", "the username '" + command.username() + "' is taken");
        }
        if (users.size() >= policy.usersMax()) {
            return ChatResult.rejected(
                    "too_many_users", "the chat already has " + users.size() + " users, the most allowed");
        }
        users.put(fold(command.username()), new User(command.username(), command.passwordHash(), logTimeMillis));
        return ChatResult.accepted(null);
    }

    ChatResult applyCreateSession(long index, ChatCommand.CreateSession command) {
        advanceLogTime(command.atMillis());
        User user = users.get(fold(command.username()));
        if (user == null) {
            return ChatResult.rejected("invalid_credentials", "unknown user or wrong password");
        }
        if (command.tokenHash().length() != 64 || sessionIdsByTokenHash.containsKey(command.tokenHash())) {
            return ChatResult.rejected("invalid_token", "the token hash is malformed or in use");
        }
        if (command.expiresAtMillis() <= logTimeMillis) {
            return ChatResult.rejected("invalid_expiry", "the session would expire before it starts");
        }
        List<Session> own = sessionsOf(user.username());
        for (int i = 0; i <= own.size() - policy.sessionsPerUserMax(); i++) {
            removeSession(own.get(i));
        }
        if (sessionsById.size() >= policy.sessionsMax()) {
            return ChatResult.rejected(
                    "too_many_sessions", "the chat has " + sessionsById.size() + " open sessions, the most allowed");
        }
        Session session =
                new Session(index, command.tokenHash(), user.username(), logTimeMillis, command.expiresAtMillis());
        sessionsById.put(index, session);
        sessionIdsByTokenHash.put(session.tokenHash(), index);
        return ChatResult.acceptedValue(index);
    }

    private void removeSession(Session session) {
        sessionsById.remove(session.sessionId());
        sessionIdsByTokenHash.remove(session.tokenHash());
    }

    ChatResult applyRevoke(ChatCommand.RevokeSession command) {
        advanceLogTime(command.atMillis());
        String actor = actorName(command.actor());
        if (actor == null) {
            return unauthorized();
        }
        long id = command.sessionId() == 0 ? sessionIdsByTokenHash.get(command.actor()) : command.sessionId();
        Session session = sessionsById.get(id);
        if (session == null || !fold(session.username()).equals(fold(actor))) {
            return ChatResult.rejected("session_not_found", "you have no session " + id);
        }
        removeSession(session);
        return ChatResult.acceptedValue(id);
    }

    // ------------------------------------------------------------------------------------------------
    // Views: called under the read lock; they return immutable copies.

    public User user(String username) {
        return users.get(fold(username));
    }

    /** The live session of this token hash (not expired in log time), or null. */
    public Session session(String tokenHash) {
        Long id = sessionIdsByTokenHash.get(tokenHash);
        if (id == null) {
            return null;
        }
        Session session = sessionsById.get(id);
        return session.expiresAtMillis() > logTimeMillis ? session : null;
    }

    /** The live sessions of a user, oldest first. */
    public List<Session> sessionsOf(String username) {
        String folded = fold(username);
        List<Session> result = new ArrayList<>();
        for (Session session : sessionsById.values()) {
            if (fold(session.username()).equals(folded) && session.expiresAtMillis() > logTimeMillis) {
                result.add(session);
            }
        }
        return result;
    }

    public RoomView room(String name, String viewer) {
        Room room = rooms.get(name);
        return room == null ? null : view(room, viewer);
    }

    private RoomView view(Room room, String viewer) {
        Long unread = null;
        if (viewer != null) {
            long marker = room.readMarkers.getOrDefault(fold(viewer), 0L);
            // Counts only messages that are still there: a tombstone after the marker is nothing to read.
            long readUpTo = Math.max(marker, room.firstSeq - 1);
            unread = room.latestSeq
                    - readUpTo
                    - room.tombstoneSeqs.tailSet(readUpTo, false).size();
        }
        return new RoomView(
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

    public RoomPage rooms(String after, int limit, String viewer) {
        Map<String, Room> tail = after == null ? rooms : rooms.tailMap(after, false);
        List<RoomView> page = new ArrayList<>(Math.min(limit, tail.size()));
        String next = null;
        for (Room room : tail.values()) {
            if (page.size() == limit) {
                next = page.get(page.size() - 1).name();
                break;
            }
            page.add(view(room, viewer));
        }
        return new RoomPage(List.copyOf(page), next);
    }

    /**
     * A page of history: without cursors the latest {@code limit}; with {@code after} the messages after it;
     * with {@code before} those before it.
     *
     * @throws QueryException {@code room_not_found}, or {@code cursor_expired} for a cursor below
     *                        {@code oldestRetainedSeq - 1}
     */
    public MessagePage messages(String name, Long before, Long after, int limit) {
        Room room = rooms.get(name);
        if (room == null) {
            throw new QueryException("room_not_found", "no room named '" + name + "'", 0);
        }
        Long cursor = before != null ? before : after;
        if (cursor != null && cursor < room.firstSeq - 1) {
            throw new QueryException(
                    "cursor_expired",
                    "the cursor " + cursor + " is older than the oldest retained message " + room.firstSeq,
                    room.firstSeq);
        }
        long from;
        long to;
        if (after != null) {
            from = after + 1;
            to = Math.min(room.latestSeq, after + limit);
        } else if (before != null) {
            to = Math.min(room.latestSeq, before - 1);
            from = Math.max(room.firstSeq, to - limit + 1);
        } else {
            to = room.latestSeq;
            from = Math.max(room.firstSeq, to - limit + 1);
        }
        List<Message> page = new ArrayList<>();
        for (long seq = Math.max(from, room.firstSeq); seq <= to; seq++) {
            page.add(room.get(seq));
        }
        Long prev;
        long next;
        if (page.isEmpty()) {
            next = after != null ? after : Math.max(0, to);
            prev = from > room.firstSeq ? from : null;
        } else {
            next = page.get(page.size() - 1).seq();
            prev = page.get(0).seq() > room.firstSeq ? page.get(0).seq() : null;
        }
        return new MessagePage(List.copyOf(page), prev, next, room.firstSeq, room.latestSeq);
    }

    // ------------------------------------------------------------------------------------------------
    // Snapshot sections, after the peers (see ChatStateMachine#snapshot for the layout).

    /** A deep enough copy to serialize while applies go on: messages are immutable, lists are copied. */
    ChatModel copy() {
        ChatModel copy = new ChatModel(limits, policy);
        copy.logTimeMillis = logTimeMillis;
        copy.timeBounded = timeBounded;
        copy.clockStepMaxMillis = clockStepMaxMillis;
        for (Room room : rooms.values()) {
            Room clone = new Room(room.name, room.createdAtMillis, room.createdBy);
            clone.retentionMaxMessages = room.retentionMaxMessages;
            clone.retentionMaxAgeSeconds = room.retentionMaxAgeSeconds;
            clone.messages.addAll(room.messages);
            clone.firstSeq = room.firstSeq;
            clone.latestSeq = room.latestSeq;
            clone.liveCount = room.liveCount;
            clone.tombstoneSeqs.addAll(room.tombstoneSeqs);
            clone.latestPostedAtMillis = room.latestPostedAtMillis;
            clone.emptySinceMillis = room.emptySinceMillis;
            clone.readMarkers.putAll(room.readMarkers);
            copy.rooms.put(clone.name, clone);
        }
        copy.users.putAll(users);
        copy.sessionsById.putAll(sessionsById);
        copy.sessionIdsByTokenHash.putAll(sessionIdsByTokenHash);
        copy.dedup.putAll(dedup);
        return copy;
    }

    /**
     * <pre>
     * logTimeMillis:i64
     * roomCount:i32 (name:str createdAtMillis:i64 createdBy:nstr retentionMaxMessages:i64 retentionMaxAgeSeconds:i64
     *                firstSeq:i64 latestPostedAtMillis:i64 emptySinceMillis:i64
     *                messageCount:i32 message*  markerCount:i32 (user:str seq:i64)*)*     ascending name
     * userCount:i32 (username:str passwordHash:str createdAtMillis:i64)*                 ascending folded name
     * sessionCount:i32 (sessionId:i64 tokenHash:str username:str createdAtMillis:i64 expiresAtMillis:i64)*  ascending id
     * txnCount:i32 (author:str txnId:str loggedAtMillis:i64 room:str message)*          oldest first
     * </pre>
     * The message layout is {@link ChatCodec}'s.
     */
    void write(DataOutputStream out) throws IOException {
        out.writeLong(logTimeMillis);
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
                ChatCodec.writeMessage(out, message);
            }
            out.writeInt(room.readMarkers.size());
            for (Map.Entry<String, Long> marker : room.readMarkers.entrySet()) {
                ChatCodec.writeString(out, marker.getKey());
                out.writeLong(marker.getValue());
            }
        }
        out.writeInt(users.size());
        for (User user : users.values()) {
            ChatCodec.writeString(out, user.username());
            ChatCodec.writeString(out, user.passwordHash());
            out.writeLong(user.createdAtMillis());
        }
        out.writeInt(sessionsById.size());
        for (Session session : sessionsById.values()) {
            out.writeLong(session.sessionId());
            ChatCodec.writeString(out, session.tokenHash());
            ChatCodec.writeString(out, session.username());
            out.writeLong(session.createdAtMillis());
            out.writeLong(session.expiresAtMillis());
        }
        out.writeInt(dedup.size());
        for (Dedup entry : dedup.values()) {
            ChatCodec.writeString(out, entry.author());
            ChatCodec.writeString(out, entry.txnId());
            out.writeLong(entry.loggedAtMillis());
            ChatCodec.writeString(out, entry.room());
            ChatCodec.writeMessage(out, entry.original());
        }
    }

    /** Reads what {@link #write} wrote into a fresh model, checking order and invariants. */
    static ChatModel read(DataInputStream in, ChatLimits limits, ChatPolicy policy) throws IOException {
        int max = ChatLimits.STRING_BYTES_LIMIT;
        ChatModel model = new ChatModel(limits, policy);
        model.logTimeMillis = in.readLong();
        int roomCount = count(in, "room", limits.roomsMax());
        for (int r = 0; r < roomCount; r++) {
            String name = ChatCodec.readString(in, max);
            try {
                checkRoomName(limits, name);
            } catch (InvalidCommandException e) {
                throw new IOException("chat snapshot room " + r + ": " + e.getMessage(), e);
            }
            if (!model.rooms.isEmpty() && model.rooms.lastKey().compareTo(name) >= 0) {
                throw new IOException("chat snapshot lists room '" + name + "' out of order");
            }
            Room room = new Room(name, in.readLong(), ChatCodec.readNullableString(in, max));
            room.retentionMaxMessages = in.readLong();
            room.retentionMaxAgeSeconds = in.readLong();
            room.firstSeq = in.readLong();
            room.latestPostedAtMillis = in.readLong();
            room.emptySinceMillis = in.readLong();
            if (room.firstSeq < 1 || room.retentionMaxMessages < -1 || room.retentionMaxAgeSeconds < -1) {
                throw new IOException("chat snapshot room '" + name + "' has invalid counters");
            }
            int messageCount = count(in, "message", Integer.MAX_VALUE);
            for (int m = 0; m < messageCount; m++) {
                Message message = ChatCodec.readMessage(in, max);
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
            int markerCount = count(in, "read marker", Integer.MAX_VALUE);
            for (int k = 0; k < markerCount; k++) {
                String user = ChatCodec.readString(in, max);
                if (!room.readMarkers.isEmpty() && room.readMarkers.lastKey().compareTo(user) >= 0) {
                    throw new IOException("chat snapshot lists read markers out of order in room '" + name + "'");
                }
                room.readMarkers.put(user, in.readLong());
            }
            model.rooms.put(name, room);
        }
        int userCount = count(in, "user", policy.usersMax());
        for (int u = 0; u < userCount; u++) {
            User user = new User(ChatCodec.readString(in, max), ChatCodec.readString(in, max), in.readLong());
            String key = fold(user.username());
            if (!model.users.isEmpty() && model.users.lastKey().compareTo(key) >= 0) {
                throw new IOException("chat snapshot lists user '" + user.username() + "' out of order");
            }
            model.users.put(key, user);
        }
        int sessionCount = count(in, "session", Integer.MAX_VALUE);
        for (int s = 0; s < sessionCount; s++) {
            Session session = new Session(
                    in.readLong(),
                    ChatCodec.readString(in, max),
                    ChatCodec.readString(in, max),
                    in.readLong(),
                    in.readLong());
            if ((!model.sessionsById.isEmpty() && model.sessionsById.lastKey() >= session.sessionId())
                    || model.sessionIdsByTokenHash.containsKey(session.tokenHash())) {
                throw new IOException("chat snapshot lists session " + session.sessionId() + " out of order or twice");
            }
            model.sessionsById.put(session.sessionId(), session);
            model.sessionIdsByTokenHash.put(session.tokenHash(), session.sessionId());
        }
        int txnCount = count(in, "transaction id", Integer.MAX_VALUE);
        for (int t = 0; t < txnCount; t++) {
            Dedup entry = new Dedup(
                    ChatCodec.readString(in, max),
                    ChatCodec.readString(in, max),
                    in.readLong(),
                    ChatCodec.readString(in, max),
                    ChatCodec.readMessage(in, max));
            if (model.dedup.put(fold(entry.author()) + '\n' + entry.txnId(), entry) != null) {
                throw new IOException("chat snapshot lists transaction id '" + entry.txnId() + "' twice");
            }
        }
        return model;
    }

    private static int count(DataInputStream in, String what, int max) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > max) {
            throw new IOException("chat snapshot " + what + " count " + count + " is outside [0, " + max + "]");
        }
        return count;
    }

    /** Every room name, sorted. */
    List<String> roomNames() {
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

    /** For snapshot readers that check a room set; package-private. */
    SortedSet<String> roomNameSet() {
        return new TreeSet<>(rooms.keySet());
    }
}
