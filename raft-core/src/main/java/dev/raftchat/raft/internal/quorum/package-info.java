/**
 * Not API: vote tallies and commit indexes for simple and joint configurations, used by
 * {@code dev.raftchat.raft.core} only. Public so that {@code core} can use it across packages; it may
 * change in any release.
 */
package dev.raftchat.raft.internal.quorum;
