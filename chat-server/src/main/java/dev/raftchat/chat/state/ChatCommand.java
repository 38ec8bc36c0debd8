package dev.raftchat.chat.state;

import java.util.Objects;

/**
 * A change to the chat, proposed by one node and applied by all. Everything that could differ between
 * nodes (the time of a post) is chosen by the proposer and carried here, so applying is deterministic.
 * Encoded by {@link ChatCodec}.
 */
public sealed interface ChatCommand {

    /** Appends a message to {@code room}, creating the room when it is new. */
    record PostMessage(String room, String user, String message, long postedAtMillis) implements ChatCommand {
        public PostMessage {
            Objects.requireNonNull(room, "room");
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * Asks for node {@code nodeId} to be a voter (or a non-voting learner), reachable at peer URL {@code url};
     * registering a learner again as a voter promotes it. Every node (including
     * ones that replay the log later) learns the address from it; the leader of the moment carries out
     * the membership change (see {@code MembershipReconciler}), so the request survives leader changes.
     */
    record RegisterPeer(long nodeId, String url, boolean learner) implements ChatCommand {
        public RegisterPeer {
            Objects.requireNonNull(url, "url");
        }

        /** A voter. */
        public RegisterPeer(long nodeId, String url) {
            this(nodeId, url, false);
        }
    }

    /** Asks for node {@code nodeId} to leave the cluster; the leader of the moment carries it out. */
    record RemovePeer(long nodeId) implements ChatCommand {}

    // ---- The chat API v1 (docs/api.md). Every command carries the proposer's clock (atMillis), which
    // advances the replicated log time; "actor" is the hex SHA-256 of the caller's bearer token, or "" when
    // the caller presented none: the session it names is resolved when the command is applied, so a token
    // revoked earlier in the log is refused on every node alike. "admin" is the proposer's judgement that the
    // actor is an administrator (from its --admin-users), carried so that apply needs no configuration.

    /**
     * The original route's post with an idempotency key and the caller's token: a post under a registered
     * name needs that user's session. {@code txnId} "" = none.
     */
    record PostMessageV2(String room, String user, String message, long postedAtMillis, String txnId, String actor)
            implements ChatCommand {
        public PostMessageV2 {
            Objects.requireNonNull(room, "room");
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(txnId, "txnId");
            Objects.requireNonNull(actor, "actor");
        }
    }

    /** The leader's periodic clock reading, so that log time (retention, expiry) advances on an idle cluster. */
    record Tick(long atMillis) implements ChatCommand {}

    /** Creates a v1 room; retention fields are -1 for "the server default", 0 for unlimited. */
    record CreateRoom(String actor, String room, long retentionMaxMessages, long retentionMaxAgeSeconds, long atMillis)
            implements ChatCommand {
        public CreateRoom {
            Objects.requireNonNull(actor, "actor");
            Objects.requireNonNull(room, "room");
        }
    }

    /** Deletes a room and its history (creator or admin). */
    record DeleteRoom(String actor, String room, boolean admin, long atMillis) implements ChatCommand {
        public DeleteRoom {
            Objects.requireNonNull(actor, "actor");
            Objects.requireNonNull(room, "room");
        }
    }

    /** Replaces a room's retention overrides (creator or admin); -1 = the server default, 0 = unlimited. */
    record SetRetention(
            String actor,
            String room,
            long retentionMaxMessages,
            long retentionMaxAgeSeconds,
            boolean admin,
            long atMillis)
            implements ChatCommand {
        public SetRetention {
            Objects.requireNonNull(actor, "actor");
            Objects.requireNonNull(room, "room");
        }
    }

    /** Sends a message to an existing room as the actor's user; {@code txnId} "" = none. */
    record SendMessage(String actor, String room, String text, String txnId, long atMillis) implements ChatCommand {
        public SendMessage {
            Objects.requireNonNull(actor, "actor");
            Objects.requireNonNull(room, "room");
            Objects.requireNonNull(text, "text");
            Objects.requireNonNull(txnId, "txnId");
        }
    }

    /** Replaces a message's text (author or admin). */
    record EditMessage(String actor, String room, long seq, String text, boolean admin, long atMillis)
            implements ChatCommand {
        public EditMessage {
            Objects.requireNonNull(actor, "actor");
            Objects.requireNonNull(room, "room");
            Objects.requireNonNull(text, "text");
        }
    }

    /** Turns a message into a tombstone (author or admin). */
    record DeleteMessage(String actor, String room, long seq, boolean admin, long atMillis) implements ChatCommand {
        public DeleteMessage {
            Objects.requireNonNull(actor, "actor");
            Objects.requireNonNull(room, "room");
        }
    }

    /** Moves the actor's read marker in a room (to any retained or older seq, never past the latest). */
    record SetReadMarker(String actor, String room, long seq, long atMillis) implements ChatCommand {
        public SetReadMarker {
            Objects.requireNonNull(actor, "actor");
            Objects.requireNonNull(room, "room");
        }
    }

    /**
     * Registers a user; {@code passwordHash} was computed by the proposer (PBKDF2), never the password.
     * {@code operatorVouched} is true when the request carried the operator's admin token: only such an
     * account can hold the admin rights of a name listed in {@code --admin-users} (so nobody gains them by
     * registering a listed name before its owner).
     */
    record RegisterUser(String username, String passwordHash, long atMillis, boolean operatorVouched)
            implements ChatCommand {
        public RegisterUser {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(passwordHash, "passwordHash");
        }

        public RegisterUser(String username, String passwordHash, long atMillis) {
            this(username, passwordHash, atMillis, false);
        }
    }

    /**
     * Opens a session for {@code username} after the proposer verified the password: {@code tokenHash} is
     * the hex SHA-256 of the new token; the session id is the entry's log index.
     */
    record CreateSession(String tokenHash, String username, long expiresAtMillis, long atMillis)
            implements ChatCommand {
        public CreateSession {
            Objects.requireNonNull(tokenHash, "tokenHash");
            Objects.requireNonNull(username, "username");
        }
    }

    /** Revokes one of the actor's sessions: {@code sessionId} 0 means the actor's own (logout). */
    record RevokeSession(String actor, long sessionId, long atMillis) implements ChatCommand {
        public RevokeSession {
            Objects.requireNonNull(actor, "actor");
        }
    }

    // ---- Cluster version and bounded log time (issue 18; docs/operations.md "Upgrading").

    /**
     * Node {@code nodeId} runs a build that reads command versions 1 to {@code commandVersionMax}. Soft
     * state: kept in memory only (see {@link ChatStateMachine#announcedVersions}), re-announced while the
     * cluster version is below it.
     */
    record ReportVersion(long nodeId, int commandVersionMax) implements ChatCommand {}

    /**
     * Raises the replicated cluster version, proposed by the leader once every member reported a maximum
     * at least this high. From then on commands of this version may be proposed, and a node that cannot
     * read it stops rather than skip them.
     */
    record SetClusterVersion(int version) implements ChatCommand {}

    /**
     * Command version 2: the leader's clock reading, applied as {@code max(logTime, min(atMillis, logTime +
     * stepMaxMillis))}, so one tick moves log time forward by at most {@code stepMaxMillis} (the leader's
     * {@code --clock-step-max-ms}, carried so that apply needs no configuration). Once the cluster version is
     * 2, only these ticks move log time: the times other commands carry no longer do.
     */
    record ClockTick(long atMillis, long stepMaxMillis) implements ChatCommand {}

    // ---- The agreed state budget (command version 3; ARCHITECTURE.md "The state budget").

    /**
     * Command version 3: node {@code nodeId} can hold a state of {@code stateBytesMax} estimated bytes (its
     * {@code --state-bytes-max}, or the share of its heap it derives by default). Soft state, like
     * {@link ReportVersion}: kept in memory only ({@link ChatStateMachine#announcedStateBudgets}).
     */
    record ReportStateBudget(long nodeId, long stateBytesMax) implements ChatCommand {}

    /**
     * Command version 3: the budget every node applies from now on ({@link ChatModel#stateBytesMax}), proposed
     * by the leader as the lowest that the members reported, so that a write is refused alike on every node
     * and none holds more than it can. Replicated and in snapshots.
     */
    record SetStateBudget(long stateBytesMax) implements ChatCommand {}
}
