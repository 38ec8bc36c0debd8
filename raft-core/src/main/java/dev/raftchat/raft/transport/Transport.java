package dev.raftchat.raft.transport;

import dev.raftchat.raft.message.Message;
import java.util.Optional;

/**
 * Carries {@link Message}s between the nodes of a cluster.
 *
 * <p><b>Contract.</b> Delivery is best effort: a message may be lost, delayed or (rarely) duplicated;
 * Raft retries. {@link #send} must never block and never throw — when a peer is unreachable or its
 * outbox is full, the message is dropped (and counted). Messages to one peer should arrive in the order
 * sent when they arrive at all; Raft is safe without it but faster with it.
 *
 * <p><b>Threading.</b> {@link #send} is called from the node's Raft thread and, for acknowledgements
 * that wait for a log sync, from its sync thread ({@code RaftServerConfig#overlapSyncs}): it must be
 * thread-safe. The {@link Inbox} is called from the transport's own threads and must only enqueue.
 */
public interface Transport extends AutoCloseable {

    /** Starts accepting inbound messages, handing each to {@code inbox}. Called once. */
    void start(Inbox inbox);

    /** Queues {@code message} for {@code message.to()}. Never blocks, never throws. */
    void send(Message message);

    /**
     * The address this transport reaches node {@code nodeId} at, in the transport's own notation (for Netty
     * {@code host:port}), if it knows one. {@code NotLeaderException#leaderAddress()} reports it by default, so
     * that a client can be sent to the leader. Must be thread-safe and must not block; the default knows none.
     */
    default Optional<String> peerAddress(long nodeId) {
        return Optional.empty();
    }

    /** Stops sending and receiving and releases threads and sockets. Idempotent. */
    @Override
    void close();

    /** Where inbound messages go. Implementations must not block (enqueue or drop). */
    @FunctionalInterface
    interface Inbox {
        void deliver(Message message);
    }
}
