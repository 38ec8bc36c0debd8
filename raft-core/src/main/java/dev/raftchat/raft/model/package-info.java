/**
 * Plain values shared by the core, its messages, storage and the runtime: log entries and positions, the
 * hard and configuration state, snapshot metadata and chunks, read outcomes, and {@link
 * dev.raftchat.raft.model.Check}. This package depends on no other package of the library, so that none
 * of them import each other.
 */
package dev.raftchat.raft.model;
