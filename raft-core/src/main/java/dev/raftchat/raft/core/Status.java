package dev.raftchat.raft.core;

import dev.raftchat.raft.model.ConfState;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A snapshot of a node's view of the cluster, for monitoring and tests.
 *
 * @param conf the configuration at the applied index: what the application has seen applied (elections and the
 *     commit quorum already use the latest configuration in the log, committed or not, thesis §4.1)
 * @param progress per-member replication progress, by ascending id; filled only on the leader (empty elsewhere)
 * @param nonMemberMessagesDropped messages dropped since this node object was created because their sender
 *     is not a member of the configuration (and the message is not leader traffic a joining or lagging
 *     node must hear)
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
        Map<Long, FollowerProgress> progress,
        long nonMemberMessagesDropped) {

    public Status {
        progress = Collections.unmodifiableSortedMap(new TreeMap<>(progress));
    }

    /** What the leader knows of one member's log. */
    public record FollowerProgress(long matchIndex, long nextIndex, String state, boolean recentlyActive) {}
}
