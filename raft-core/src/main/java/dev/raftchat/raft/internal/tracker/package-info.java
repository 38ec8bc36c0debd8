/**
 * Not API: the leader's view of its followers (replication progress, the pipelining window), used by
 * {@code dev.raftchat.raft.core} only. Public so that {@code core} can use it across packages; it may
 * change in any release.
 */
package dev.raftchat.raft.internal.tracker;
