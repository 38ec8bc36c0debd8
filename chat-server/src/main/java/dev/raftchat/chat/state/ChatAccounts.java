package dev.raftchat.chat.state;

import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The accounts part of {@link ChatModel}: registered users (by folded name, with the TR39 skeleton index that
 * finds a look-alike) and open sessions (by id and by token hash); their read views; and the users and
 * sessions sections of the snapshot. The rules that change them (registration, login, logout, expiry, the
 * state budget) stay in {@link ChatModel}, which owns this object and holds the state machine's lock while it
 * is used.
 */
final class ChatAccounts {
    /** Folded username -> user. */
    private final TreeMap<String, ChatModel.User> users = new TreeMap<>();
    /**
     * {@link Names#skeleton} -> folded username of the first user registered with it; derived from
     * {@link #users} (rebuilt on restore, not serialized). Snapshots of format 2 may hold two users with one
     * skeleton; the first in name order is then the one a look-alike name resolves to.
     */
    private final TreeMap<String, String> userSkeletons = new TreeMap<>();

    /** Invariant: the same sessions as {@link #sessionIdsByTokenHash}, by id. */
    private final TreeMap<Long, ChatModel.Session> sessionsById = new TreeMap<>();

    private final TreeMap<String, Long> sessionIdsByTokenHash = new TreeMap<>();

    // ------------------------------------------------------------------------------------------------
    // Users

    int userCount() {
        return users.size();
    }

    ChatModel.User user(String username) {
        return users.get(ChatModel.fold(username));
    }

    boolean hasUserNamed(String name) {
        return users.containsKey(ChatModel.fold(name));
    }

    /** The registered user whose name is {@code name} or looks like it (same TR39 skeleton), or null. */
    ChatModel.User registeredLookalike(String name) {
        ChatModel.User same = users.get(ChatModel.fold(name));
        if (same != null) {
            return same;
        }
        if (userSkeletons.isEmpty()) {
            return null; // no registered user to look like; the skeleton (ICU) costs more than the rest of a post's
            // apply
        }
        String folded = userSkeletons.get(Names.skeleton(name));
        return folded == null ? null : users.get(folded);
    }

    void addUser(ChatModel.User user) {
        String folded = ChatModel.fold(user.username());
        users.put(folded, user);
        userSkeletons.putIfAbsent(Names.skeleton(user.username()), folded);
    }

    // ------------------------------------------------------------------------------------------------
    // Sessions

    int sessionCount() {
        return sessionsById.size();
    }

    boolean tokenInUse(String tokenHash) {
        return sessionIdsByTokenHash.containsKey(tokenHash);
    }

    /** The session of this token hash, expired or not, or null. */
    ChatModel.Session sessionOfToken(String tokenHash) {
        Long id = sessionIdsByTokenHash.get(tokenHash);
        return id == null ? null : sessionsById.get(id);
    }

    ChatModel.Session sessionById(long id) {
        return sessionsById.get(id);
    }

    /** The sessions of a user that expire after {@code nowMillis}, oldest first. */
    List<ChatModel.Session> sessionsOf(String username, long nowMillis) {
        String folded = ChatModel.fold(username);
        List<ChatModel.Session> result = new ArrayList<>();
        for (ChatModel.Session session : sessionsById.values()) {
            if (ChatModel.fold(session.username()).equals(folded) && session.expiresAtMillis() > nowMillis) {
                result.add(session);
            }
        }
        return result;
    }

    void addSession(ChatModel.Session session) {
        sessionsById.put(session.sessionId(), session);
        sessionIdsByTokenHash.put(session.tokenHash(), session.sessionId());
    }

    void removeSession(ChatModel.Session session) {
        sessionsById.remove(session.sessionId());
        sessionIdsByTokenHash.remove(session.tokenHash());
    }

    /** Removes the sessions that expire at or before {@code nowMillis}; returns their estimated bytes. */
    long expireSessions(long nowMillis) {
        long[] freed = {0};
        sessionsById.values().removeIf(session -> {
            boolean expired = session.expiresAtMillis() <= nowMillis;
            if (expired) {
                sessionIdsByTokenHash.remove(session.tokenHash());
                freed[0] += sessionBytes(session);
            }
            return expired;
        });
        return freed[0];
    }

    // ------------------------------------------------------------------------------------------------
    // The state budget's estimate of this part (see ChatModel).

    static long userBytes(ChatModel.User user) {
        return ChatModel.USER_BYTES
                + 2 * ChatModel.stringBytes(user.username())
                + ChatModel.stringBytes(user.passwordHash());
    }

    static long sessionBytes(ChatModel.Session session) {
        return ChatModel.SESSION_BYTES
                + ChatModel.stringBytes(session.tokenHash())
                + ChatModel.stringBytes(session.username());
    }

    long bytes() {
        long bytes = 0;
        for (ChatModel.User user : users.values()) {
            bytes += userBytes(user);
        }
        for (ChatModel.Session session : sessionsById.values()) {
            bytes += sessionBytes(session);
        }
        return bytes;
    }

    // ------------------------------------------------------------------------------------------------
    // Snapshot sections (ChatModel#write has the whole layout).

    ChatAccounts copy() {
        ChatAccounts copy = new ChatAccounts();
        copy.users.putAll(users);
        copy.userSkeletons.putAll(userSkeletons);
        copy.sessionsById.putAll(sessionsById);
        copy.sessionIdsByTokenHash.putAll(sessionIdsByTokenHash);
        return copy;
    }

    /**
     * <pre>
     * userCount:i32 (username:str passwordHash:str createdAtMillis:i64 operatorVouched:bool)*  ascending folded name
     * sessionCount:i32 (sessionId:i64 tokenHash:str username:str createdAtMillis:i64 expiresAtMillis:i64)*  ascending id
     * </pre>
     * Format 2 ({@code legacy}) has no {@code operatorVouched} byte.
     */
    void write(DataOutputStream out, boolean legacy) throws IOException {
        out.writeInt(users.size());
        for (ChatModel.User user : users.values()) {
            ChatCodec.writeString(out, user.username());
            ChatCodec.writeString(out, user.passwordHash());
            out.writeLong(user.createdAtMillis());
            if (!legacy) {
                out.writeBoolean(user.operatorVouched());
            }
        }
        out.writeInt(sessionsById.size());
        for (ChatModel.Session session : sessionsById.values()) {
            out.writeLong(session.sessionId());
            ChatCodec.writeString(out, session.tokenHash());
            ChatCodec.writeString(out, session.username());
            out.writeLong(session.createdAtMillis());
            out.writeLong(session.expiresAtMillis());
        }
    }

    /**
     * Reads what {@link #write} wrote, checking order; with {@code legacy} (format 2) every user counts as
     * vouched by the operator (admins listed before that rule keep their rights).
     */
    static ChatAccounts read(SnapshotInput in, ChatPolicy policy, boolean legacy) throws IOException {
        int max = ChatLimits.STRING_BYTES_LIMIT;
        ChatAccounts part = new ChatAccounts();
        int userCount = ChatModel.count(in, "user", policy.usersMax());
        for (int u = 0; u < userCount; u++) {
            ChatModel.User user = new ChatModel.User(
                    in.readString(max), in.readString(max), in.readLong(), legacy || in.readBoolean());
            String key = ChatModel.fold(user.username());
            if (!part.users.isEmpty() && part.users.lastKey().compareTo(key) >= 0) {
                throw new IOException("chat snapshot lists user '" + user.username() + "' out of order");
            }
            part.addUser(user);
        }
        int sessionCount = ChatModel.count(in, "session", Integer.MAX_VALUE);
        for (int s = 0; s < sessionCount; s++) {
            ChatModel.Session session = new ChatModel.Session(
                    in.readLong(), in.readString(max), in.readString(max), in.readLong(), in.readLong());
            if ((!part.sessionsById.isEmpty() && part.sessionsById.lastKey() >= session.sessionId())
                    || part.sessionIdsByTokenHash.containsKey(session.tokenHash())) {
                throw new IOException("chat snapshot lists session " + session.sessionId() + " out of order or twice");
            }
            part.addSession(session);
        }
        return part;
    }
}
