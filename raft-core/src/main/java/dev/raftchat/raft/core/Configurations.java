package dev.raftchat.raft.core;

import dev.raftchat.raft.confchange.ConfChange;
import dev.raftchat.raft.internal.confchange.ConfChanger;
import dev.raftchat.raft.model.Check;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.EntryType;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The two configurations a node knows (Raft thesis §4.1): the <b>latest</b> one in its log, committed or not,
 * which decides elections and commitment; and the <b>applied</b> one, the configuration at the applied
 * index, which is what the application sees ({@link Status#conf()}, and so the snapshots the runtime takes).
 *
 * <p>Between them lie the configuration entries of the log after the applied index, each with the
 * configuration it leads to. A change is computed against the configuration before it, exactly as when it is
 * applied, so every node reaches the same configuration at every index; a change that does not apply (a
 * leader appended it unchecked) is skipped both times.
 *
 * <p>Invariants: {@code pending} holds exactly the valid configuration entries of the log after the applied
 * index, by index, each mapped to the configuration it leads to; {@link #latest()} is the last of them, or the
 * applied configuration when there is none. Its size is the number of configuration entries after the applied
 * index: one at most on a leader (a change waits until the previous one is applied), a few on a follower or a
 * restarted node that has not yet learned their commit.
 */
final class Configurations {

    private ConfState applied;
    private final TreeMap<Long, ConfState> pending = new TreeMap<>();

    Configurations(ConfState applied) {
        this.applied = applied;
    }

    /** The configuration of the latest configuration entry in the log, committed or not. */
    ConfState latest() {
        return pending.isEmpty() ? applied : pending.lastEntry().getValue();
    }

    /** The configuration at the applied index. */
    ConfState applied() {
        return applied;
    }

    /** Configuration entries in the log after the applied index. */
    int pendingCount() {
        return pending.size();
    }

    /**
     * Entries were written to the log from {@code entries.get(0).index()} on, replacing whatever the log held
     * from there (a truncated suffix takes its configurations with it). Returns true when the latest
     * configuration changed.
     */
    boolean appended(List<Entry> entries) {
        if (entries.isEmpty()) {
            return false;
        }
        ConfState before = latest();
        long first = entries.get(0).index();
        if (!pending.isEmpty() && pending.lastKey() >= first) {
            pending.tailMap(first, true).clear();
        }
        for (Entry e : entries) {
            if (e.type() == EntryType.CONFIG_CHANGE) {
                ConfState next = next(latest(), e);
                if (next != null) {
                    pending.put(e.index(), next);
                }
            }
        }
        return !latest().equals(before);
    }

    /**
     * The committed configuration entry {@code entry} is applied: returns the new applied configuration
     * (unchanged when the change does not apply). Checks that it is the configuration the entry led to when it
     * was appended.
     */
    ConfState apply(Entry entry) {
        Check.that(
                pending.isEmpty() || pending.firstKey() >= entry.index(),
                "configuration entry %s applied after a later one at %s",
                entry.index(),
                pending.isEmpty() ? 0 : pending.firstKey());
        ConfState next = next(applied, entry);
        ConfState expected = pending.remove(entry.index());
        Check.that(
                Objects.equals(next, expected),
                "configuration entry %s leads to %s when applied but led to %s when appended",
                entry.index(),
                next,
                expected);
        if (next != null) {
            applied = next;
        }
        return applied;
    }

    /** The log was replaced by a snapshot whose configuration is {@code conf}. */
    void reset(ConfState conf) {
        pending.clear();
        applied = conf;
    }

    /** The configuration {@code entry} leads to from {@code current}, or null when it does not apply. */
    private static ConfState next(ConfState current, Entry entry) {
        try {
            return ConfChanger.apply(current, ConfChange.decode(entry.data()));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("applied ").append(applied);
        for (Map.Entry<Long, ConfState> e : pending.entrySet()) {
            sb.append(", ").append(e.getKey()).append(": ").append(e.getValue());
        }
        return sb.toString();
    }
}
