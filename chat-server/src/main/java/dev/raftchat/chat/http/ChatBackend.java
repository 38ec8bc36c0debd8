package dev.raftchat.chat.http;

import dev.raftchat.chat.state.ChatLimits;
import dev.raftchat.chat.state.Post;
import java.util.concurrent.CompletableFuture;

/**
 * What the HTTP layer asks of the node. Every method returns at once; the future completes on another
 * thread (never an HTTP event loop's work), within the node's request timeout, and fails with an
 * {@link ApiException} or a Raft runtime exception that {@link ChatHttpHandler} turns into an HTTP error.
 */
public interface ChatBackend {

    ChatLimits limits();

    /** Posts a message (already checked against {@link #limits()}); completes once committed and applied here. */
    CompletableFuture<Post> post(String room, String user, String message);

    /** The posts of {@code room} as the original's JSON array; linearizable unless {@code stale}. */
    CompletableFuture<byte[]> roomJson(String room, boolean stale);

    /** The sorted room names as a JSON array; linearizable unless {@code stale}. */
    CompletableFuture<byte[]> roomsJson(boolean stale);

    /**
     * Asks for node {@code nodeId} at {@code peerUrl} to become a voter (or a learner); completes with
     * whether it is one yet.
     */
    CompletableFuture<Boolean> addMember(long nodeId, String peerUrl, boolean learner);

    /** Asks for learner {@code nodeId} to become a voter; completes with whether it is one yet. */
    CompletableFuture<Boolean> promote(long nodeId);

    /** Asks for node {@code nodeId} to leave; completes with whether it has left yet. */
    CompletableFuture<Boolean> removeMember(long nodeId);

    /** Whether the node runs (liveness). */
    boolean live();

    /** A JSON object describing this node: id, role, term, leader, commit and applied index, members, peers, and on the leader each member's replication progress. */
    byte[] statusJson();
}
