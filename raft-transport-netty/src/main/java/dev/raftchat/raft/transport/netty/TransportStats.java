package dev.raftchat.raft.transport.netty;

/**
 * A snapshot of a {@link NettyTransport}'s counters since it was created. Counters only grow.
 *
 * @param messagesSent       messages whose frame was written to a peer's socket
 * @param flushes            socket flushes of outbound batches; {@code messagesSent / flushes} is the mean batch
 * @param messagesReceived   messages decoded from peers and handed to the inbox
 * @param messagesDropped    messages given to {@code send} that will never be sent: outbox full, peer
 *                           unknown or removed, message too large for a frame, connection lost while the
 *                           frame was in flight, or transport closed
 * @param reconnects         connection attempts after the first one to a peer (address changes included)
 * @param decodeErrors       inbound connections closed because of a malformed, oversized or unexpected frame
 * @param handshakesRejected inbound connections closed for a bad hello, a TLS failure, a handshake timeout
 *                           or too many connections (authentication failures included)
 * @param authenticationFailures handshakes that failed authentication, on either side: a wrong or missing
 *                           MAC (no shared cluster secret), a certificate that does not name the node id
 *                           claimed or expected, a cluster id or node id that does not match
 * @param senderMismatches   frames, on an authenticated connection, whose message claims a sender other
 *                           than the node that authenticated it: dropped, and the connection closed
 */
public record TransportStats(
        long messagesSent,
        long flushes,
        long messagesReceived,
        long messagesDropped,
        long reconnects,
        long decodeErrors,
        long handshakesRejected,
        long authenticationFailures,
        long senderMismatches) {}
