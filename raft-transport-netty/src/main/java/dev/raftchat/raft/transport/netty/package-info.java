/**
 * Raft peer messages as Protocol Buffers over Netty TCP, with optional mutual TLS.
 *
 * <p>Entry points: {@link dev.raftchat.raft.transport.netty.NettyTransport} (the
 * {@link dev.raftchat.raft.transport.Transport} implementation), configured by
 * {@link dev.raftchat.raft.transport.netty.NettyTransportConfig}, addressed with
 * {@link dev.raftchat.raft.transport.netty.PeerAddress}, secured with
 * {@link dev.raftchat.raft.transport.netty.TransportTls}, observed through
 * {@link dev.raftchat.raft.transport.netty.TransportStats}.
 *
 * <p><b>Wire format</b> ({@code src/main/proto/raft_messages.proto}). Each TCP connection carries
 * frames: a 4-byte big-endian length {@code N <= frameBytesMax}, then {@code N} bytes of one protobuf
 * {@code Frame}. The connecting node sends a {@code Hello} (protocol version 1, cluster id, node id)
 * and then {@code RaftMessage}s, each an envelope (from, to, term) with exactly one body in a oneof.
 * The accepting node answers nothing but a {@code Rejection} right before closing a connection it
 * refuses. Replies travel on the other node's own outbound connection, so each pair of nodes uses two
 * connections, one per direction.
 *
 * <p><b>Layering.</b> {@link dev.raftchat.raft.transport.netty.MessageCodec} is the only class that
 * converts between raft-core's message records and the generated protobuf types (checked by an
 * ArchUnit test). Netty handlers never touch Raft state: inbound messages go to the transport's
 * inbox, which the runtime drains on its own thread.
 */
package dev.raftchat.raft.transport.netty;
