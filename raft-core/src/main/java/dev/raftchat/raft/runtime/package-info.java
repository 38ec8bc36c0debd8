/**
 * The runtime that drives one pure {@link dev.raftchat.raft.core.RaftNode} on a thread of its own and the
 * API applications call: {@link dev.raftchat.raft.runtime.RaftServer} ({@code propose}, {@code status},
 * listeners), its validated {@link dev.raftchat.raft.runtime.RaftServerConfig}, the
 * {@link dev.raftchat.raft.runtime.RaftMetrics} SPI and the exceptions a caller handles.
 *
 * <p>Unlike the pure packages ({@code model}, {@code core}, {@code message}, {@code confchange} and the
 * {@code internal} ones) this package may use threads, clocks and randomness; it holds no Raft logic of its own.
 */
package dev.raftchat.raft.runtime;
