package dev.raftchat.raft.transport.netty;

/**
 * One peer's share of {@link TransportStats}: what this node's transport sent to {@code peerId} and dropped
 * on the way (outbox full, connection lost, peer removed), how often it reconnected, what waits in the outbox,
 * and whether the connection is up (hello completed) right now. Counters only grow, from the transport's start.
 */
public record PeerStats(
        long peerId, long messagesSent, long messagesDropped, long reconnects, int queuedMessages, boolean connected) {}
