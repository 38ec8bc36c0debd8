/**
 * Not API: computes the configuration a {@link dev.raftchat.raft.confchange.ConfChange} leads to (or
 * refuses it) before anything is applied, used by {@code dev.raftchat.raft.core} only. Public so that
 * {@code core} can use it across packages; it may change in any release.
 */
package dev.raftchat.raft.internal.confchange;
