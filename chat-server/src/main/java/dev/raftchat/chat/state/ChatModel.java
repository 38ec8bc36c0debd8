package dev.raftchat.chat.state;

import dev.raftchat.chat.state.ChatRooms.Room;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

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
 * <p><b>Parts.</b> The data lives in three parts, each with its views and its section of the snapshot:
 * {@link ChatRooms} (rooms, messages, read markers, retention), {@link ChatAccounts} (users, sessions) and
 * {@link ChatDedup} (remembered transaction ids). The rules that span them stay here: who may act (a session
 * in {@link ChatAccounts}) on what (a room), the replay of a transaction id, expiry in log time, and the state
 * budget, whose running estimate ({@link #stateBytes}) each part can recount for itself.
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

    /**
     * A user as registered. {@code passwordHash} is the encoded PBKDF2 hash, never the password;
     * {@code operatorVouched} says the registration carried the operator's admin token, which a name listed
     * in {@code --admin-users} needs before it has admin rights.
     */
    public record User(String username, String passwordHash, long createdAtMillis, boolean operatorVouched) {}

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

        private final ChatError error;
        private final long oldestRetainedSeq;

        QueryException(ChatError error, String message, long oldestRetainedSeq) {
            super(message);
            this.error = error;
            this.oldestRetainedSeq = oldestRetainedSeq;
        }

        public ChatError error() {
            return error;
        }

        public long oldestRetainedSeq() {
            return oldestRetainedSeq;
        }
    }

    private final ChatLimits limits;
    private final ChatPolicy policy;
    /** Rooms, their messages, read markers and retention. */
    private final ChatRooms rooms;
    /** Users and sessions. */
    private final ChatAccounts accounts;
    /** Remembered client transaction ids. */
    private final ChatDedup dedup;

    private long logTimeMillis;
    /** Cluster version 2 and later: only clock ticks move log time, by a bounded step (see the class comment). */
    private boolean timeBounded;
    /** The step of the last applied clock tick; a message's time is at most log time plus it. */
    private long clockStepMaxMillis;

    /**
     * The estimated heap bytes of this state ({@link #stateBytes}), kept as commands apply and recounted on
     * restore (not serialized): a function of the state, so the same on every node.
     */
    private long stateBytes;
    /**
     * The state budget agreed through the log ({@link ChatCommand.SetStateBudget}), or 0 while none was: then
     * the policy's {@link ChatPolicy#stateBytesMax} applies (the same on every node, as before cluster version
     * 3). Replicated: in snapshots of format 4.
     */
    private long agreedStateBytesMax;

    ChatModel(ChatLimits limits, ChatPolicy policy) {
        this(limits, policy, new ChatRooms(), new ChatAccounts(), new ChatDedup());
    }

    private ChatModel(ChatLimits limits, ChatPolicy policy, ChatRooms rooms, ChatAccounts accounts, ChatDedup dedup) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.rooms = rooms;
        this.accounts = accounts;
        this.dedup = dedup;
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
    // The state budget. Estimates of the heap a part of the state holds: object headers, fields, the map
    // entries that index it, and strings at two bytes a character (an upper bound for Latin-1 text, which
    // the JVM stores in one). Calibrated against a measured heap (docs/operations.md, "Sizing"); what matters
    // is that they are deterministic (the budget is checked while applying) and not far below the truth.

    static final long MESSAGE_BYTES = 96;
    static final long TOMBSTONE_ENTRY_BYTES = 56;
    static final long ROOM_BYTES = 400;
    static final long MARKER_BYTES = 72;
    static final long USER_BYTES = 160;
    static final long SESSION_BYTES = 200;
    static final long DEDUP_BYTES = 120;

    static long stringBytes(String value) {
        return value == null ? 0 : 48 + 2L * value.length();
    }

    static long messageBytes(Message message) {
        return MESSAGE_BYTES
                + stringBytes(message.author())
                + stringBytes(message.text())
                + stringBytes(message.txnId())
                + (message.deleted() ? TOMBSTONE_ENTRY_BYTES : 0);
    }

    /**
     * The estimated heap bytes of the replicated state: messages, rooms, read markers, users, sessions and
     * idempotency records. {@link ChatPolicy#stateBytesMax} bounds it.
     */
    public long stateBytes() {
        return stateBytes;
    }

    /** The budget that {@link #stateBytes} may not pass: the agreed one, else the policy's. */
    public long stateBytesMax() {
        return agreedStateBytesMax > 0 ? agreedStateBytesMax : policy.stateBytesMax();
    }

    /** The budget agreed through the log, 0 while none was. */
    long agreedStateBytesMax() {
        return agreedStateBytesMax;
    }

    /** Applies a {@link ChatCommand.SetStateBudget} (or restores one); {@code bytes} is already validated. */
    void agreeStateBytesMax(long bytes) {
        agreedStateBytesMax = bytes;
    }

    /** {@link #stateBytes} counted from scratch: what restore sets, and what tests compare the running count to. */
    long recountStateBytes() {
        return rooms.bytes() + accounts.bytes() + dedup.bytes();
    }

    /** A rejection when {@code growthBytes} more would pass the budget, else null. */
    private ChatResult overBudget(long growthBytes) {
        long budget = stateBytesMax();
        if (stateBytes + growthBytes <= budget) {
            return null;
        }
        return ChatResult.rejected(
                ChatError.STATE_FULL,
                "the chat's state is full: about " + stateBytes / (1024 * 1024) + " MiB of its budget of "
                        + budget / (1024 * 1024) + " MiB (--state-bytes-max) are used; nothing was"
                        + " stored. Delete rooms or messages, shorten retention, or raise --state-bytes-max (and the"
                        + " heap) on every node");
    }

    /** The most a post of this text can add: the message, its idempotency record, and a new room. */
    private static long postGrowthBytes(String room, String author, String text, String txnId) {
        long message = MESSAGE_BYTES + stringBytes(author) + stringBytes(text) + stringBytes(txnId);
        return 2 * message + DEDUP_BYTES + 2 * stringBytes(txnId) + ROOM_BYTES + stringBytes(room);
    }

    // ------------------------------------------------------------------------------------------------
    // Rules shared with the HTTP layer.

    /** Usernames: 1–32 of {@code A-Z a-z 0-9 _ . -}. @throws InvalidCommandException {@code invalid_username} */
    public static void checkUsername(String username) {
        if (username == null || username.isEmpty() || username.length() > 32) {
            throw new InvalidCommandException(ChatError.INVALID_USERNAME, "a username has 1 to 32 characters");
        }
        for (int i = 0; i < username.length(); i++) {
            char c = username.charAt(i);
            if (!Names.isPlainNameChar(c)) {
                throw new InvalidCommandException(
                        ChatError.INVALID_USERNAME,
                        "a username may contain only letters A-Z a-z, digits, '_', '.' and '-'");
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
            throw new InvalidCommandException(ChatError.INVALID_ROOM_NAME, "a room name must not be empty or blank");
        }
        if (!ChatLimits.isWellFormedUtf16(room)) {
            throw new InvalidCommandException(ChatError.INVALID_ROOM_NAME, "the room name is not valid Unicode");
        }
        int codePoints = room.codePointCount(0, room.length());
        if (codePoints > limits.roomNameCharsMax()) {
            throw new InvalidCommandException(
                    ChatError.INVALID_ROOM_NAME,
                    "the room name has " + codePoints + " characters; at most " + limits.roomNameCharsMax()
                            + " are allowed");
        }
        if (room.codePoints().anyMatch(Character::isISOControl)) {
            throw new InvalidCommandException(
                    ChatError.INVALID_ROOM_NAME, "the room name contains a control character");
        }
    }

    /**
     * A name for a new v1 room: {@link #checkRoomName}, and NFKC-normalized with nothing invisible, so two
     * rooms cannot look the same. (Existing rooms are only checked by {@link #checkRoomName}: a snapshot of an
     * older version may hold names created before this rule.)
     *
     * @throws InvalidCommandException {@code invalid_room_name}
     */
    public static void checkNewRoomName(ChatLimits limits, String room) {
        checkRoomName(limits, room);
        Names.requireVisible(ChatError.INVALID_ROOM_NAME, "the room name", room);
    }

    /**
     * A v1 message text: not empty, valid Unicode, at most {@link ChatLimits#messageBytesMax} UTF-8 bytes.
     *
     * @throws InvalidCommandException {@code invalid_text} or {@code message_too_large}
     */
    public static void checkText(ChatLimits limits, String text) {
        if (text == null || text.isEmpty()) {
            throw new InvalidCommandException(ChatError.INVALID_TEXT, "the text is missing or empty");
        }
        if (!ChatLimits.isWellFormedUtf16(text)) {
            throw new InvalidCommandException(ChatError.INVALID_TEXT, "the text is not valid Unicode");
        }
        int bytes = ChatLimits.utf8Length(text);
        if (bytes > limits.messageBytesMax()) {
            throw new InvalidCommandException(
                    ChatError.MESSAGE_TOO_LARGE,
                    "the text has " + bytes + " bytes in UTF-8; at most " + limits.messageBytesMax() + " are allowed");
        }
    }

    /** A client transaction id: 1–64 of {@code A-Z a-z 0-9 . _ : -}. @throws InvalidCommandException {@code invalid_txn_id} */
    public static void checkTxnId(String txnId) {
        if (txnId == null || txnId.isEmpty() || txnId.length() > 64) {
            throw new InvalidCommandException(ChatError.INVALID_TXN_ID, "a transaction id has 1 to 64 characters");
        }
        for (int i = 0; i < txnId.length(); i++) {
            char c = txnId.charAt(i);
            if (!Names.isPlainNameChar(c) && c != ':') {
                throw new InvalidCommandException(
                        ChatError.INVALID_TXN_ID,
                        "a transaction id may contain only letters, digits, '.', '_', ':' and '-'");
            }
        }
    }

    /** -1 (default), 0 (unlimited) or a positive bound within {@code max}. */
    static void checkRetention(String field, long value, long max) {
        if (value < -1 || value > max) {
            throw new InvalidCommandException(
                    ChatError.INVALID_RETENTION, field + " must be null, 0 (unlimited) or 1.." + max);
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
        Session session = accounts.sessionOfToken(actor);
        return session != null && session.expiresAtMillis() > logTimeMillis ? session.username() : null;
    }

    private static ChatResult unauthorized() {
        return ChatResult.rejected(ChatError.UNAUTHORIZED, "no valid session: log in again");
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
            return ChatResult.rejected(e.error(), e.getMessage());
        }
        String author;
        try {
            author = originalUserName(user);
        } catch (InvalidCommandException e) {
            return ChatResult.rejected(e.error(), e.getMessage());
        }
        boolean verified = false;
        User registered = registeredLookalike(author);
        if (registered != null) {
            String actorName = actorName(actor);
            String why = fold(registered.username()).equals(fold(author))
                    ? "the name '" + author + "' is registered"
                    : "the name '" + author + "' looks like the registered name '" + registered.username() + "'";
            if (actorName == null) {
                return ChatResult.rejected(ChatError.UNAUTHORIZED, why + ": posting under it needs that user's token");
            }
            if (!fold(actorName).equals(fold(registered.username()))) {
                return ChatResult.rejected(ChatError.FORBIDDEN, why + ": it belongs to another user");
            }
            author = registered.username();
            verified = true;
        }
        if (!txnId.isEmpty()) {
            Message replay = replay(author, verified, txnId);
            if (replay != null) {
                return ChatResult.accepted(
                        replay.deleted() ? new Post(replay.author(), "", replay.postedAtMillis()) : replay.toPost(),
                        true);
            }
        }
        ChatResult full = overBudget(postGrowthBytes(roomName, author, text, txnId));
        if (full != null) {
            return full;
        }
        Room room = rooms.get(roomName);
        if (room == null) {
            if (rooms.size() >= limits.roomsMax()) {
                return ChatResult.rejected(
                        ChatError.TOO_MANY_ROOMS,
                        "the chat already has " + rooms.size() + " rooms, the most allowed; post to an existing room");
            }
            room = new Room(roomName, logTimeMillis, null);
            rooms.add(room);
            stateBytes += ChatRooms.roomBytes(room);
        }
        Message message = append(index, room, author, verified, text, postedAtMillis, txnId, events);
        return ChatResult.accepted(message.toPost());
    }

    /**
     * The name an original-route post shows: NFKC-normalized, with nothing invisible.
     *
     * @throws InvalidCommandException {@code invalid_username}
     */
    public static String originalUserName(String user) {
        String normalized = Names.normalize(user);
        Names.requireVisible(ChatError.INVALID_USERNAME, "user name", normalized);
        return normalized;
    }

    /** The registered user whose name is {@code name} or looks like it (same TR39 skeleton), or null. */
    public User registeredLookalike(String name) {
        return accounts.registeredLookalike(name);
    }

    private Message replay(String author, boolean verified, String txnId) {
        ChatDedup.Entry entry = dedup.get(author, verified, txnId);
        if (entry == null) {
            return null;
        }
        Room room = rooms.get(entry.room());
        Message current = room == null ? null : room.get(entry.original().seq());
        return current != null && current.id() == entry.original().id() ? current : entry.original();
    }

    private Message append(
            long index,
            Room room,
            String author,
            boolean verified,
            String text,
            long postedAtMillis,
            String txnId,
            Events events) {
        long proposed =
                timeBounded ? Math.min(postedAtMillis, plus(logTimeMillis, clockStepMaxMillis)) : postedAtMillis;
        long at = Math.max(room.latestPostedAtMillis, proposed);
        room.latestPostedAtMillis = at;
        room.latestSeq++;
        Message message = new Message(
                index, room.latestSeq, author, text, at, 0, false, txnId.isEmpty() ? null : txnId, verified);
        room.messages.add(message);
        stateBytes += messageBytes(message);
        room.liveCount++;
        room.emptySinceMillis = -1;
        if (!txnId.isEmpty()) {
            stateBytes += dedup.put(new ChatDedup.Entry(author, txnId, logTimeMillis, room.name, message));
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
        stateBytes -= dedup.expire(policy.idempotencyKeysMax(), horizon);
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
            stateBytes -= messageBytes(message);
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
            return ChatResult.rejected(
                    ChatError.INVALID_CLOCK_STEP, "clock step " + stepMaxMillis + " ms is out of range");
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
        for (Room room : rooms.all()) {
            enforceRetention(room);
            if (room.emptySinceMillis >= 0
                    && logTimeMillis - room.emptySinceMillis >= policy.emptyRoomGraceSeconds() * 1000) {
                truncated.add(room.name);
            }
        }
        for (String name : truncated) {
            removeRoom(name);
            events.accept(listener -> listener.onRoomDeleted(name));
        }
        stateBytes -= accounts.expireSessions(logTimeMillis);
        expireDedup();
        return ChatResult.accepted(null);
    }

    private void removeRoom(String name) {
        Room removed = rooms.remove(name);
        if (removed != null) {
            stateBytes -= ChatRooms.roomBytes(removed);
        }
    }

    ChatResult applyCreateRoom(ChatCommand.CreateRoom command, Events events) {
        advanceLogTime(command.atMillis());
        String actor = actorName(command.actor());
        if (actor == null) {
            return unauthorized();
        }
        try {
            checkNewRoomName(limits, command.room());
            checkRetention("maxMessages", command.retentionMaxMessages(), Integer.MAX_VALUE);
            checkRetention("maxAgeSeconds", command.retentionMaxAgeSeconds(), ChatPolicy.SECONDS_LIMIT);
        } catch (InvalidCommandException e) {
            return ChatResult.rejected(e.error(), e.getMessage());
        }
        if (rooms.contains(command.room())) {
            return ChatResult.rejected(ChatError.ROOM_EXISTS, "a room named '" + command.room() + "' exists already");
        }
        if (rooms.size() >= limits.roomsMax()) {
            return ChatResult.rejected(
                    ChatError.TOO_MANY_ROOMS, "the chat already has " + rooms.size() + " rooms, the most allowed");
        }
        Room room = new Room(command.room(), logTimeMillis, actor);
        ChatResult full = overBudget(ChatRooms.roomBytes(room));
        if (full != null) {
            return full;
        }
        room.retentionMaxMessages = command.retentionMaxMessages();
        room.retentionMaxAgeSeconds = command.retentionMaxAgeSeconds();
        rooms.add(room);
        stateBytes += ChatRooms.roomBytes(room);
        return ChatResult.accepted(null);
    }

    /** What an authorization lookup found: the thing a command may act on, or why it may not. */
    private sealed interface Lookup<T> {}

    private record Found<T>(T value) implements Lookup<T> {}

    private record Refused<T>(ChatResult rejection) implements Lookup<T> {}

    /** The room an authorized command acts on, or a rejection. */
    private Lookup<Room> ownedRoom(String actorToken, String roomName, boolean admin) {
        String actor = actorName(actorToken);
        if (actor == null) {
            return new Refused<>(unauthorized());
        }
        Room room = rooms.get(roomName);
        if (room == null) {
            return new Refused<>(ChatResult.rejected(ChatError.ROOM_NOT_FOUND, "no room named '" + roomName + "'"));
        }
        if (!admin && (room.createdBy == null || !fold(room.createdBy).equals(fold(actor)))) {
            return new Refused<>(
                    ChatResult.rejected(ChatError.FORBIDDEN, "only the room's creator or an admin may do this"));
        }
        return new Found<>(room);
    }

    ChatResult applyDeleteRoom(ChatCommand.DeleteRoom command, Events events) {
        advanceLogTime(command.atMillis());
        if (ownedRoom(command.actor(), command.room(), command.admin()) instanceof Refused<Room> refused) {
            return refused.rejection();
        }
        removeRoom(command.room());
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
            return ChatResult.rejected(e.error(), e.getMessage());
        }
        Lookup<Room> found = ownedRoom(command.actor(), command.room(), command.admin());
        if (found instanceof Refused<Room> refused) {
            return refused.rejection();
        }
        Room room = ((Found<Room>) found).value();
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
            return ChatResult.rejected(e.error(), e.getMessage());
        }
        if (!command.txnId().isEmpty()) {
            Message replay = replay(actor, true, command.txnId());
            if (replay != null) {
                return ChatResult.acceptedMessage(replay, true);
            }
        }
        Room room = rooms.get(command.room());
        if (room == null) {
            return ChatResult.rejected(ChatError.ROOM_NOT_FOUND, "no room named '" + command.room() + "'");
        }
        ChatResult full = overBudget(postGrowthBytes(command.room(), actor, command.text(), command.txnId()));
        if (full != null) {
            return full;
        }
        return ChatResult.acceptedMessage(
                append(index, room, actor, true, command.text(), command.atMillis(), command.txnId(), events), false);
    }

    /** The message an authorized edit or delete acts on, or a rejection. */
    private Lookup<Message> ownedMessage(String actorToken, String roomName, long seq, boolean admin) {
        String actor = actorName(actorToken);
        if (actor == null) {
            return new Refused<>(unauthorized());
        }
        Room room = rooms.get(roomName);
        if (room == null) {
            return new Refused<>(ChatResult.rejected(ChatError.ROOM_NOT_FOUND, "no room named '" + roomName + "'"));
        }
        Message message = room.get(seq);
        if (message == null) {
            return new Refused<>(
                    ChatResult.rejected(ChatError.MESSAGE_NOT_FOUND, "room '" + roomName + "' has no message " + seq));
        }
        if (!admin && (!message.verified() || !fold(message.author()).equals(fold(actor)))) {
            // An unverified message was posted without a token: registering its name later does not adopt it.
            return new Refused<>(ChatResult.rejected(
                    ChatError.FORBIDDEN,
                    message.verified()
                            ? "only the message's author or an admin may do this"
                            : "this message was posted without a token; only an admin may change it"));
        }
        return new Found<>(message);
    }

    ChatResult applyEdit(ChatCommand.EditMessage command, Events events) {
        advanceLogTime(command.atMillis());
        try {
            checkText(limits, command.text());
        } catch (InvalidCommandException e) {
            return ChatResult.rejected(e.error(), e.getMessage());
        }
        Lookup<Message> found = ownedMessage(command.actor(), command.room(), command.seq(), command.admin());
        if (found instanceof Refused<Message> refused) {
            return refused.rejection();
        }
        Message message = ((Found<Message>) found).value();
        if (message.deleted()) {
            return ChatResult.rejected(ChatError.MESSAGE_DELETED, "message " + message.seq() + " was deleted");
        }
        Message edited = message.edited(command.text(), logTimeMillis);
        long growth = messageBytes(edited) - messageBytes(message);
        ChatResult full = growth > 0 ? overBudget(growth) : null;
        if (full != null) {
            return full;
        }
        rooms.get(command.room()).set(edited);
        stateBytes += growth;
        String name = command.room();
        events.accept(listener -> listener.onMessageEdited(name, edited));
        return ChatResult.acceptedMessage(edited, false);
    }

    ChatResult applyDeleteMessage(ChatCommand.DeleteMessage command, Events events) {
        advanceLogTime(command.atMillis());
        Lookup<Message> found = ownedMessage(command.actor(), command.room(), command.seq(), command.admin());
        if (found instanceof Refused<Message> refused) {
            return refused.rejection();
        }
        Message message = ((Found<Message>) found).value();
        if (message.deleted()) {
            return ChatResult.acceptedMessage(message, true);
        }
        Room room = rooms.get(command.room());
        Message tombstone = message.tombstone(logTimeMillis);
        room.set(tombstone);
        stateBytes += messageBytes(tombstone) - messageBytes(message);
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
            return ChatResult.rejected(ChatError.ROOM_NOT_FOUND, "no room named '" + command.room() + "'");
        }
        if (command.seq() < 0 || command.seq() > room.latestSeq) {
            return ChatResult.rejected(
                    ChatError.INVALID_SEQ, "seq must be between 0 and the room's latest seq " + room.latestSeq);
        }
        String marker = fold(actor);
        if (!room.readMarkers.containsKey(marker)) {
            ChatResult full = overBudget(MARKER_BYTES + stringBytes(marker));
            if (full != null) {
                return full;
            }
            stateBytes += MARKER_BYTES + stringBytes(marker);
        }
        room.readMarkers.put(marker, command.seq());
        return ChatResult.accepted(null);
    }

    ChatResult applyRegister(ChatCommand.RegisterUser command) {
        advanceLogTime(command.atMillis());
        try {
            checkUsername(command.username());
        } catch (InvalidCommandException e) {
            return ChatResult.rejected(e.error(), e.getMessage());
        }
        if (command.passwordHash().isEmpty() || command.passwordHash().length() > 512) {
            return ChatResult.rejected(ChatError.INVALID_PASSWORD, "the password hash is malformed");
        }
        User lookalike = registeredLookalike(command.username());
        if (lookalike != null) {
            return ChatResult.rejected(
                    ChatError.USERNAME_TAKEN,
                    fold(lookalike.username()).equals(fold(command.username()))
                            ? "the username '" + command.username() + "' is taken"
                            : "the username '" + command.username() + "' looks like the registered name '"
                                    + lookalike.username() + "'");
        }
        if (accounts.userCount() >= policy.usersMax()) {
            return ChatResult.rejected(
                    ChatError.TOO_MANY_USERS,
                    "the chat already has " + accounts.userCount() + " users, the most allowed");
        }
        // Before cluster version 2 (timeBounded is set when it is reached) there is no vouched registration
        // (it is a version 2 command) and every account counts as vouched, as in a format 2 snapshot: so the
        // format 2 snapshots written at cluster version 1 hold this state exactly.
        User user = new User(
                command.username(), command.passwordHash(), logTimeMillis, command.operatorVouched() || !timeBounded);
        ChatResult full = overBudget(ChatAccounts.userBytes(user));
        if (full != null) {
            return full;
        }
        addUser(user);
        return ChatResult.accepted(null);
    }

    private void addUser(User user) {
        accounts.addUser(user);
        stateBytes += ChatAccounts.userBytes(user);
    }

    ChatResult applyCreateSession(long index, ChatCommand.CreateSession command) {
        advanceLogTime(command.atMillis());
        User user = accounts.user(command.username());
        if (user == null) {
            return ChatResult.rejected(ChatError.INVALID_CREDENTIALS, "unknown user or wrong password");
        }
        if (command.tokenHash().length() != 64 || accounts.tokenInUse(command.tokenHash())) {
            return ChatResult.rejected(ChatError.INVALID_TOKEN, "the token hash is malformed or in use");
        }
        if (command.expiresAtMillis() <= logTimeMillis) {
            return ChatResult.rejected(ChatError.INVALID_EXPIRY, "the session would expire before it starts");
        }
        List<Session> own = sessionsOf(user.username());
        int perUserMax = policy.sessionsPerUserMaxEffective();
        int close = own.size() - perUserMax + 1;
        if (accounts.sessionCount() - Math.max(0, close) >= policy.sessionsMax() && !own.isEmpty()) {
            // The chat is full: this user's login replaces their own oldest session rather than failing,
            // so the cap, once reached by others, never keeps a user with sessions out.
            close = Math.max(close, 1);
        }
        for (int i = 0; i < close; i++) {
            removeSession(own.get(i));
        }
        if (accounts.sessionCount() >= policy.sessionsMax()) {
            return ChatResult.rejected(
                    ChatError.TOO_MANY_SESSIONS,
                    "the chat has " + accounts.sessionCount() + " open sessions, the most allowed");
        }
        Session session =
                new Session(index, command.tokenHash(), user.username(), logTimeMillis, command.expiresAtMillis());
        // Not refused when the state is full: a session is small, bounded by sessionsMax, and how an admin
        // or an author logs in to delete what fills it.
        accounts.addSession(session);
        stateBytes += ChatAccounts.sessionBytes(session);
        return ChatResult.acceptedValue(index);
    }

    private void removeSession(Session session) {
        accounts.removeSession(session);
        stateBytes -= ChatAccounts.sessionBytes(session);
    }

    ChatResult applyRevoke(ChatCommand.RevokeSession command) {
        advanceLogTime(command.atMillis());
        String actor = actorName(command.actor());
        if (actor == null) {
            return unauthorized();
        }
        long id = command.sessionId() == 0
                ? accounts.sessionOfToken(command.actor()).sessionId()
                : command.sessionId();
        Session session = accounts.sessionById(id);
        if (session == null || !fold(session.username()).equals(fold(actor))) {
            return ChatResult.rejected(ChatError.SESSION_NOT_FOUND, "you have no session " + id);
        }
        removeSession(session);
        return ChatResult.acceptedValue(id);
    }

    // ------------------------------------------------------------------------------------------------
    // Views: called under the read lock; they return immutable copies.

    public User user(String username) {
        return accounts.user(username);
    }

    /** The live session of this token hash (not expired in log time), or null. */
    public Session session(String tokenHash) {
        Session session = accounts.sessionOfToken(tokenHash);
        return session != null && session.expiresAtMillis() > logTimeMillis ? session : null;
    }

    /** The live sessions of a user, oldest first. */
    public List<Session> sessionsOf(String username) {
        return accounts.sessionsOf(username, logTimeMillis);
    }

    public RoomView room(String name, String viewer) {
        return rooms.view(name, viewer);
    }

    public RoomPage rooms(String after, int limit, String viewer) {
        return rooms.page(after, limit, viewer);
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
            throw new QueryException(ChatError.ROOM_NOT_FOUND, "no room named '" + name + "'", 0);
        }
        Long cursor = before != null ? before : after;
        if (cursor != null && cursor < room.firstSeq - 1) {
            throw new QueryException(
                    ChatError.CURSOR_EXPIRED,
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
        ChatModel copy = new ChatModel(limits, policy, rooms.copy(), accounts.copy(), dedup.copy());
        copy.logTimeMillis = logTimeMillis;
        copy.timeBounded = timeBounded;
        copy.clockStepMaxMillis = clockStepMaxMillis;
        copy.stateBytes = stateBytes;
        copy.agreedStateBytesMax = agreedStateBytesMax;
        return copy;
    }

    /**
     * <pre>
     * logTimeMillis:i64
     * rooms     ({@link ChatRooms#write})
     * users, sessions ({@link ChatAccounts#write})
     * transaction ids ({@link ChatDedup#write})
     * </pre>
     * Each part writes and reads its own section. The message layout is {@link ChatCodec}'s. Format version 2
     * (still read, and still written while the cluster version is 1) has neither a message's {@code verified}
     * byte nor a user's {@code operatorVouched} byte.
     */
    void write(DataOutputStream out) throws IOException {
        write(out, false);
    }

    /**
     * @param legacy the layout of chat snapshot format 2 (no {@code verified}, no {@code operatorVouched}),
     *               which {@link ChatStateMachine} writes while the cluster version is 1 so that nodes of an
     *               older build can still install the snapshot; {@link #read} with {@code legacy} rebuilds
     *               those two fields as it does for any format 2 snapshot
     */
    void write(DataOutputStream out, boolean legacy) throws IOException {
        out.writeLong(logTimeMillis);
        rooms.write(out, legacy);
        accounts.write(out, legacy);
        dedup.write(out, legacy);
    }

    /** Reads what {@link #write} wrote into a fresh model, checking order and invariants. */
    static ChatModel read(SnapshotInput in, ChatLimits limits, ChatPolicy policy) throws IOException {
        return read(in, limits, policy, false);
    }

    /**
     * @param legacy the layout of chat snapshot format 2: its messages count as verified when a registered
     *               user has their author's name (the best that can be known; such a name could not be
     *               used without its token since it was registered), its users as vouched by the operator
     *               (admins listed before this version keep their rights)
     */
    static ChatModel read(SnapshotInput in, ChatLimits limits, ChatPolicy policy, boolean legacy) throws IOException {
        long logTimeMillis = in.readLong();
        ChatRooms rooms = ChatRooms.read(in, limits, legacy);
        ChatAccounts accounts = ChatAccounts.read(in, policy, legacy);
        UnaryOperator<Message> original = legacy ? message -> legacyVerified(accounts, message) : message -> message;
        if (legacy) {
            rooms.rewriteMessages(original);
        }
        ChatDedup dedup = ChatDedup.read(in, legacy, original);
        ChatModel model = new ChatModel(limits, policy, rooms, accounts, dedup);
        model.logTimeMillis = logTimeMillis;
        model.stateBytes = model.recountStateBytes();
        return model;
    }

    /**
     * Whether a format 2 snapshot of this state, read back ({@link #read} with {@code legacy}), has the same
     * {@code verified} flags: true unless a message (or an idempotency record's original) is unverified while a
     * user of its author's name exists (registered after the post), or the other way around.
     * ({@code operatorVouched} needs no check: before cluster version 2 every account is vouched, as format 2
     * reads it.)
     */
    boolean formatTwoKeepsVerified() {
        return rooms.allMessages(this::keepsVerifiedInFormatTwo) && dedup.allOriginals(this::keepsVerifiedInFormatTwo);
    }

    private boolean keepsVerifiedInFormatTwo(Message message) {
        return message.verified() == accounts.hasUserNamed(message.author());
    }

    private static Message legacyVerified(ChatAccounts accounts, Message message) {
        boolean verified = accounts.hasUserNamed(message.author());
        return verified == message.verified()
                ? message
                : new Message(
                        message.id(),
                        message.seq(),
                        message.author(),
                        message.text(),
                        message.postedAtMillis(),
                        message.editedAtMillis(),
                        message.deleted(),
                        message.txnId(),
                        verified);
    }

    /** A section's count, checked against its bound. */
    static int count(SnapshotInput in, String what, int max) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > max) {
            throw new IOException("chat snapshot " + what + " count " + count + " is outside [0, " + max + "]");
        }
        return count;
    }

    /** Every room name, sorted. */
    List<String> roomNames() {
        return rooms.names();
    }

    /** The original API's view of a room: messages that are not deleted, oldest first. */
    List<Post> posts(String name) {
        return rooms.posts(name);
    }

    /** For snapshot readers that check a room set; package-private. */
    SortedSet<String> roomNameSet() {
        return new TreeSet<>(rooms.names());
    }
}
