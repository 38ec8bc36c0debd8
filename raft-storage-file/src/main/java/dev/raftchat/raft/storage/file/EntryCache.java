package dev.raftchat.raft.storage.file;

import dev.raftchat.raft.model.Entry;
import java.util.ArrayList;

/**
 * The most recent entries, contiguous and ending at the log's last index, bounded by the sum of their
 * {@link Entry#sizeBytes()}. Followers and the leader's replication mostly read the tail, so this spares
 * file reads; older entries are read from the segment files.
 */
final class EntryCache {
    private final long bytesMax;
    private final ArrayList<Entry> entries = new ArrayList<>();
    /** entries[head..] are live; the dead prefix is cleared in bulk to keep removal amortized O(1). */
    private int head;

    private long bytes;

    EntryCache(long bytesMax) {
        this.bytesMax = bytesMax;
    }

    /** The cached entry at {@code index}, or null. */
    Entry get(long index) {
        if (head == entries.size()) {
            return null;
        }
        long first = entries.get(head).index();
        long offset = index - first;
        if (offset < 0 || offset >= entries.size() - head) {
            return null;
        }
        return entries.get(head + (int) offset);
    }

    /** The first cached index, or {@code Long.MAX_VALUE} when empty. */
    long firstIndex() {
        return head == entries.size() ? Long.MAX_VALUE : entries.get(head).index();
    }

    /** Adds the next entry of the log; a gap in indexes empties the cache first. */
    void add(Entry entry) {
        if (entry.sizeBytes() > bytesMax) {
            clear();
            return;
        }
        if (head < entries.size() && entries.get(entries.size() - 1).index() + 1 != entry.index()) {
            clear();
        }
        entries.add(entry);
        bytes += entry.sizeBytes();
        while (bytes > bytesMax) {
            bytes -= entries.get(head).sizeBytes();
            entries.set(head, null);
            head++;
        }
        compactIfSparse();
    }

    /** Forgets entries at and above {@code index}. */
    void truncateFrom(long index) {
        while (entries.size() > head && entries.get(entries.size() - 1).index() >= index) {
            bytes -= entries.remove(entries.size() - 1).sizeBytes();
        }
    }

    /** Forgets entries at and below {@code index}. */
    void dropThrough(long index) {
        while (head < entries.size() && entries.get(head).index() <= index) {
            bytes -= entries.get(head).sizeBytes();
            entries.set(head, null);
            head++;
        }
        compactIfSparse();
    }

    void clear() {
        entries.clear();
        head = 0;
        bytes = 0;
    }

    private void compactIfSparse() {
        if (head == entries.size()) {
            clear();
        } else if (head > 1024 && head > entries.size() / 2) {
            entries.subList(0, head).clear();
            head = 0;
        }
    }
}
