package dev.raftchat.raft.model;

import java.util.Objects;

/**
 * What a snapshot stands for: the state machine after applying every entry up to and including
 * {@code index} (whose term is {@code term}), with membership {@code conf}.
 */
public record SnapshotMeta(long index, long term, ConfState conf) {
    public SnapshotMeta {
        Objects.requireNonNull(conf, "conf");
        Check.argument(index >= 0 && term >= 0, "negative snapshot position %s@%s", index, term);
    }

    public LogPosition position() {
        return new LogPosition(term, index);
    }
}
