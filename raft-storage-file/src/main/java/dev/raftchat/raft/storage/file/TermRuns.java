package dev.raftchat.raft.storage.file;

/**
 * The term of every log index held in memory as runs (first index of a run, term): terms change rarely, so
 * a million entries of one term cost two longs. Invariant: run starts strictly increase; terms of
 * consecutive runs differ and never decrease.
 */
final class TermRuns {
    private final LongList starts = new LongList();
    private final LongList terms = new LongList();

    /** Records that {@code index} (one past the last recorded index) has {@code term}. */
    void append(long index, long term) {
        if (terms.size() > 0 && terms.last() == term) {
            return;
        }
        starts.add(index);
        terms.add(term);
    }

    /** The term at {@code index}; the caller guarantees {@code index} is held. */
    long termAt(long index) {
        int low = 0;
        int high = starts.size() - 1;
        while (low < high) {
            int mid = (low + high + 1) >>> 1;
            if (starts.get(mid) <= index) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        if (starts.size() == 0 || starts.get(low) > index) {
            throw new IllegalStateException("no term recorded for index " + index);
        }
        return terms.get(low);
    }

    /** Forgets every index at or above {@code index}. */
    void truncateFrom(long index) {
        int keep = starts.size();
        while (keep > 0 && starts.get(keep - 1) >= index) {
            keep--;
        }
        starts.truncate(keep);
        terms.truncate(keep);
    }

    /** Forgets every index below {@code index} (the run covering {@code index} stays, starting there). */
    void dropBefore(long index) {
        LongList newStarts = new LongList();
        LongList newTerms = new LongList();
        for (int i = 0; i < starts.size(); i++) {
            long runEnd = i + 1 < starts.size() ? starts.get(i + 1) : Long.MAX_VALUE;
            if (runEnd > index) {
                newStarts.add(Math.max(starts.get(i), index));
                newTerms.add(terms.get(i));
            }
        }
        clear();
        for (int i = 0; i < newStarts.size(); i++) {
            starts.add(newStarts.get(i));
            terms.add(newTerms.get(i));
        }
    }

    void clear() {
        starts.truncate(0);
        terms.truncate(0);
    }
}
