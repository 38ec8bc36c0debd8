package dev.raftchat.chat.state;

import static dev.raftchat.chat.state.RangeCheck.requireInRange;

import java.util.function.Consumer;

/**
 * The rules of the chat API v1 that {@link ChatStateMachine#apply} enforces: like {@link ChatLimits} they are
 * part of the replicated semantics, so every node of a cluster must run with the same policy (the command
 * line flags of the same names). Times are log times (carried in commands), never a local clock.
 *
 * @param retentionMaxMessages     the default most messages a room keeps (tombstones count); 0 = unlimited
 * @param retentionMaxAgeSeconds   the default longest a message is kept; 0 = unlimited
 * @param emptyRoomGraceSeconds    how long a room that had messages and has none left (by retention or
 *                                 deletion) stays listed before it is removed
 * @param idempotencyKeysMax       the most client transaction ids remembered; the oldest is forgotten first
 * @param idempotencyKeyAgeSeconds how long a client transaction id is remembered
 * @param usersMax                 the most registered users
 * @param sessionsPerUserMax       the most open sessions of one user (at most a quarter of {@code sessionsMax}
 *                                 applies, see {@link #sessionsPerUserMaxEffective}); a new login closes the
 *                                 oldest beyond it
 * @param sessionsMax              the most open sessions in total; beyond it, a login of a user who has a
 *                                 session closes their oldest one, and any other login is refused
 * @param stateBytesMax            the budget of the replicated state, in estimated heap bytes (see
 *                                 {@link ChatModel#stateBytes}); a write that would grow the state past it is
 *                                 rejected with {@code state_full} (HTTP 507), before any heap runs out
 */
public record ChatPolicy(
        long retentionMaxMessages,
        long retentionMaxAgeSeconds,
        long emptyRoomGraceSeconds,
        int idempotencyKeysMax,
        long idempotencyKeyAgeSeconds,
        int usersMax,
        int sessionsPerUserMax,
        int sessionsMax,
        long stateBytesMax) {

    public static final long DEFAULT_RETENTION_MAX_MESSAGES = 0;
    public static final long DEFAULT_RETENTION_MAX_AGE_SECONDS = 0;
    public static final long DEFAULT_EMPTY_ROOM_GRACE_SECONDS = 86_400;
    public static final int DEFAULT_IDEMPOTENCY_KEYS_MAX = 10_000;
    public static final long DEFAULT_IDEMPOTENCY_KEY_AGE_SECONDS = 86_400;
    public static final int DEFAULT_USERS_MAX = 100_000;
    public static final int DEFAULT_SESSIONS_PER_USER_MAX = 32;
    public static final int DEFAULT_SESSIONS_MAX = 200_000;
    /**
     * 256 MiB of estimated state: about 600,000 messages of 100 characters (estimated at 451 bytes each; they
     * hold 231 bytes of heap each, measured, docs/operations.md "Sizing"). The budget every node applies until
     * the members agree on theirs ({@link ChatCommand.SetStateBudget}, from cluster version 3), and the one
     * older builds apply: it must not depend on the node. The launcher's smallest default heap (1 GiB) holds
     * it three times over, as a restore needs.
     */
    public static final long DEFAULT_STATE_BYTES_MAX = 256L * 1024 * 1024;
    /** The smallest state budget accepted (flag, report or agreed one): 1 MiB. */
    public static final long STATE_BYTES_MAX_MIN = 1024 * 1024;
    /** The largest state budget accepted: 1 PiB, far above any heap. */
    public static final long STATE_BYTES_MAX_LIMIT = 1L << 50;
    /**
     * The share of the heap a node offers the state by default: a third, because the heap must hold the state
     * about three times (the state; a second copy while a snapshot from the leader is parsed whole before it
     * replaces anything; the log cache, Netty buffers, in-flight requests and the collector's headroom).
     * docs/operations.md, "Sizing", has the measurements behind it.
     */
    public static final int HEAP_PER_STATE_BYTE = 3;

    /** Ten years: large enough for any retention, small enough that millisecond arithmetic cannot overflow. */
    public static final long SECONDS_LIMIT = 10L * 366 * 86_400;

    public ChatPolicy {
        requireInRange("retentionMaxMessages", retentionMaxMessages, 0, Integer.MAX_VALUE);
        requireInRange("retentionMaxAgeSeconds", retentionMaxAgeSeconds, 0, SECONDS_LIMIT);
        requireInRange("emptyRoomGraceSeconds", emptyRoomGraceSeconds, 0, SECONDS_LIMIT);
        requireInRange("idempotencyKeysMax", idempotencyKeysMax, 1, 10_000_000);
        requireInRange("idempotencyKeyAgeSeconds", idempotencyKeyAgeSeconds, 1, SECONDS_LIMIT);
        requireInRange("usersMax", usersMax, 1, 100_000_000);
        requireInRange("sessionsPerUserMax", sessionsPerUserMax, 1, 1_000_000);
        requireInRange("sessionsMax", sessionsMax, 1, 100_000_000);
        requireInRange("stateBytesMax", stateBytesMax, STATE_BYTES_MAX_MIN, STATE_BYTES_MAX_LIMIT);
    }

    /**
     * The most open sessions one user keeps: {@link #sessionsPerUserMax}, but never more than a quarter of
     * {@link #sessionsMax} (at least 1), so that no single user's logins can fill the global cap.
     */
    public int sessionsPerUserMaxEffective() {
        return Math.min(sessionsPerUserMax, Math.max(1, sessionsMax / 4));
    }

    /**
     * The state budget a node of {@code heapBytes} of heap offers by default: {@code heapBytes /}
     * {@link #HEAP_PER_STATE_BYTE}, rounded down to a whole MiB, within [{@link #STATE_BYTES_MAX_MIN},
     * {@link #STATE_BYTES_MAX_LIMIT}].
     */
    public static long stateBytesMaxForHeap(long heapBytes) {
        if (heapBytes <= 0) {
            throw new IllegalArgumentException("heapBytes = " + heapBytes + " is not positive");
        }
        long share = (heapBytes / HEAP_PER_STATE_BYTE) & -(1L << 20);
        return Math.min(STATE_BYTES_MAX_LIMIT, Math.max(STATE_BYTES_MAX_MIN, share));
    }

    public static ChatPolicy defaults() {
        return new ChatPolicy(
                DEFAULT_RETENTION_MAX_MESSAGES,
                DEFAULT_RETENTION_MAX_AGE_SECONDS,
                DEFAULT_EMPTY_ROOM_GRACE_SECONDS,
                DEFAULT_IDEMPOTENCY_KEYS_MAX,
                DEFAULT_IDEMPOTENCY_KEY_AGE_SECONDS,
                DEFAULT_USERS_MAX,
                DEFAULT_SESSIONS_PER_USER_MAX,
                DEFAULT_SESSIONS_MAX,
                DEFAULT_STATE_BYTES_MAX);
    }

    public ChatPolicy withRetention(long maxMessages, long maxAgeSeconds) {
        return with(b -> {
            b.retentionMaxMessages = maxMessages;
            b.retentionMaxAgeSeconds = maxAgeSeconds;
        });
    }

    public ChatPolicy withEmptyRoomGraceSeconds(long value) {
        return with(b -> b.emptyRoomGraceSeconds = value);
    }

    public ChatPolicy withIdempotency(int keysMax, long keyAgeSeconds) {
        return with(b -> {
            b.idempotencyKeysMax = keysMax;
            b.idempotencyKeyAgeSeconds = keyAgeSeconds;
        });
    }

    public ChatPolicy withSessions(int usersMaxValue, int perUserMax, int totalMax) {
        return with(b -> {
            b.usersMax = usersMaxValue;
            b.sessionsPerUserMax = perUserMax;
            b.sessionsMax = totalMax;
        });
    }

    public ChatPolicy withStateBytesMax(long value) {
        return with(b -> b.stateBytesMax = value);
    }

    /** Applies {@code change} to a copy of these fields; the canonical constructor validates the result again. */
    private ChatPolicy with(Consumer<Builder> change) {
        Builder builder = new Builder(this);
        change.accept(builder);
        return builder.build();
    }

    /** The mutable copy that the {@code with...} methods change, so that each names only what it changes. */
    private static final class Builder {
        private long retentionMaxMessages;
        private long retentionMaxAgeSeconds;
        private long emptyRoomGraceSeconds;
        private int idempotencyKeysMax;
        private long idempotencyKeyAgeSeconds;
        private int usersMax;
        private int sessionsPerUserMax;
        private int sessionsMax;
        private long stateBytesMax;

        Builder(ChatPolicy c) {
            retentionMaxMessages = c.retentionMaxMessages;
            retentionMaxAgeSeconds = c.retentionMaxAgeSeconds;
            emptyRoomGraceSeconds = c.emptyRoomGraceSeconds;
            idempotencyKeysMax = c.idempotencyKeysMax;
            idempotencyKeyAgeSeconds = c.idempotencyKeyAgeSeconds;
            usersMax = c.usersMax;
            sessionsPerUserMax = c.sessionsPerUserMax;
            sessionsMax = c.sessionsMax;
            stateBytesMax = c.stateBytesMax;
        }

        ChatPolicy build() {
            return new ChatPolicy(
                    retentionMaxMessages,
                    retentionMaxAgeSeconds,
                    emptyRoomGraceSeconds,
                    idempotencyKeysMax,
                    idempotencyKeyAgeSeconds,
                    usersMax,
                    sessionsPerUserMax,
                    sessionsMax,
                    stateBytesMax);
        }
    }
}
