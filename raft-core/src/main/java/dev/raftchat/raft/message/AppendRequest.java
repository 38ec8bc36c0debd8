package dev.raftchat.raft.message;

import dev.raftchat.raft.model.Entry;
import java.util.List;

/**
 * AppendEntries (Raft §5.3). {@code entries} are contiguous and start at {@code prevLogIndex + 1}.
 *
 * @param leaderCommit the leader's commit index
 */
public record AppendRequest(
        long from, long to, long term, long prevLogIndex, long prevLogTerm, List<Entry> entries, long leaderCommit)
        implements Message {
    public AppendRequest {
        entries = List.copyOf(entries);
    }

    @Override
    public long sizeBytes() {
        long size = 64;
        for (Entry e : entries) {
            size += e.sizeBytes();
        }
        return size;
    }
}
