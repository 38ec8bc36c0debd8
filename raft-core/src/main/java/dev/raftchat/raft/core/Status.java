package dev.raftchat.raft.core;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A snapshot of a node's view of the cluster, for monitoring and tests.
 *
 * @param progress per-member replication progress, by ascending id; filled only on the leader (empty elsewhere)
 */
public record Status(
        long id,
        Role role,
        long term,
        long votedFor,
        long leaderId,
        long commitIndex,
        long appliedIndex,
        long lastIndex,
        ConfState conf,
        Map<Long, FollowerProgress> progress) {

    public Status {
        progress = Collections.unmodifiableSortedMap(new TreeMap<>(progress));
    }

    /** What the leader knows of one member's log. */
    public record FollowerProgress(long matchIndex, long nextIndex, String state, boolean recentlyActive) {}
}
