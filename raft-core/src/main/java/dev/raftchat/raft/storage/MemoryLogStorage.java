package dev.raftchat.raft.storage;

import dev.raftchat.raft.model.Check;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.model.LogPosition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@link LogStorage} held in memory, for tests and for embedders who keep durability elsewhere.
 * Everything is "durable" at once; {@link #sync} does nothing. Not thread-safe, by contract.
 */
public final class MemoryLogStorage implements LogStorage {

    private HardState hardState = HardState.EMPTY;
    private LogPosition compactedThrough = LogPosition.ZERO;
    /** entries.get(i).index() == compactedThrough.index() + 1 + i. */
    private final ArrayList<Entry> entries = new ArrayList<>();

    @Override
    public HardState hardState() {
        return hardState;
    }

    @Override
    public LogPosition compactedThrough() {
        return compactedThrough;
    }

    @Override
    public long lastIndex() {
        return compactedThrough.index() + entries.size();
    }

    @Override
    public long term(long index) {
        if (index == compactedThrough.index()) {
            return compactedThrough.term();
        }
        if (index < firstIndex() || index > lastIndex()) {
            throw new IndexOutOfBoundsException(
                    "index " + index + " outside [" + (firstIndex() - 1) + ", " + lastIndex() + "]");
        }
        return entries.get(offset(index)).term();
    }

    @Override
    public List<Entry> entries(long fromIndex, long toIndexExclusive, long maxBytes) {
        if (fromIndex < firstIndex() || toIndexExclusive > lastIndex() + 1 || fromIndex > toIndexExclusive) {
            throw new IndexOutOfBoundsException("range [" + fromIndex + ", " + toIndexExclusive + ") outside ["
                    + firstIndex() + ", " + (lastIndex() + 1) + ")");
        }
        List<Entry> result = new ArrayList<>();
        long bytes = 0;
        for (long i = fromIndex; i < toIndexExclusive; i++) {
            Entry e = entries.get(offset(i));
            bytes += e.sizeBytes();
            if (!result.isEmpty() && bytes > maxBytes) {
                break;
            }
            result.add(e);
        }
        return result;
    }

    @Override
    public void append(List<Entry> newEntries) {
        if (newEntries.isEmpty()) {
            return;
        }
        long first = newEntries.get(0).index();
        Check.argument(
                first >= firstIndex() && first <= lastIndex() + 1,
                "append at %s outside [%s, %s]",
                first,
                firstIndex(),
                lastIndex() + 1);
        long expected = first;
        for (Entry e : newEntries) {
            // Validate the whole batch before changing anything: a rejected append changes nothing.
            Check.argument(e.index() == expected, "entries not contiguous: expected %s, got %s", expected, e.index());
            expected++;
        }
        while (lastIndex() >= first) {
            entries.remove(entries.size() - 1);
        }
        entries.addAll(newEntries);
    }

    @Override
    public void saveHardState(HardState hardState) {
        this.hardState = Objects.requireNonNull(hardState);
    }

    @Override
    public void sync() {}

    @Override
    public void compact(LogPosition position) {
        if (position.index() <= compactedThrough.index()) {
            return;
        }
        boolean holdsEntry = position.index() <= lastIndex() && term(position.index()) == position.term();
        if (!holdsEntry || position.index() == lastIndex()) {
            entries.clear();
        } else {
            entries.subList(0, offset(position.index()) + 1).clear();
        }
        compactedThrough = position;
    }

    @Override
    public void close() {}

    private int offset(long index) {
        return Math.toIntExact(index - firstIndex());
    }
}
