package dev.raftchat.sim;

import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.storage.ForwardingLogStorage;
import dev.raftchat.raft.storage.LogStorage;
import dev.raftchat.raft.storage.MemoryLogStorage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A model of a disk under the {@link LogStorage} durability contract. The storage it opens shows every
 * write at once (reads see the page cache); {@link LogStorage#sync} makes the writes durable. On a
 * crash, the durable state is the synced state plus a random prefix of the unsynced writes, the last of
 * which may be torn (only a prefix of its entries survives). Saving hard state is atomic, as the
 * contract promises.
 *
 * <p>{@code forgetSyncs} breaks the contract on purpose (for tests that prove the checkers can fail):
 * then {@code sync} makes nothing durable and a crash loses every write since the node's first start.
 */
public final class ModelDisk implements SimDisk {

    private final boolean forgetSyncs;
    /** The durable content, replayed from the synced writes. */
    private final MemoryLogStorage durable = new MemoryLogStorage();
    /** Writes since the last sync, oldest first: each is a {@code List<Entry>} or a {@link HardState}. */
    private final List<Object> unsynced = new ArrayList<>();

    private ModelStorage openStorage;
    /** Writes made and writes made durable since this disk was created; their difference is {@code unsynced}. */
    private long writesMade;

    private long writesDurable;

    public ModelDisk() {
        this(false);
    }

    public ModelDisk(boolean forgetSyncs) {
        this.forgetSyncs = forgetSyncs;
    }

    @Override
    public LogStorage open() {
        MemoryLogStorage visible = new MemoryLogStorage();
        copy(durable, visible);
        openStorage = new ModelStorage(visible);
        return openStorage;
    }

    @Override
    public CrashReport crash(SplittableRandom random) {
        openStorage = null;
        int unsyncedEntries = 0;
        for (Object w : unsynced) {
            if (w instanceof List<?> l) {
                unsyncedEntries += l.size();
            }
        }
        if (forgetSyncs) {
            writesMade -= unsynced.size();
            unsynced.clear();
            return new CrashReport(unsyncedEntries, 0, false);
        }
        // Any prefix of the unsynced writes may have reached the platter; the next one may be torn.
        int survivingWrites = unsynced.isEmpty() ? 0 : random.nextInt(unsynced.size() + 1);
        int kept = 0;
        boolean torn = false;
        for (int i = 0; i < survivingWrites; i++) {
            kept += applyTo(durable, unsynced.get(i));
        }
        if (survivingWrites < unsynced.size()
                && unsynced.get(survivingWrites) instanceof List<?> l
                && l.size() > 1
                && random.nextInt(2) == 0) {
            @SuppressWarnings("unchecked")
            List<Entry> entries = (List<Entry>) l;
            int prefix = 1 + random.nextInt(entries.size() - 1);
            durable.append(entries.subList(0, prefix));
            kept += prefix;
            torn = true;
        }
        writesMade = writesDurable; // what survived is durable now; renumber from here
        unsynced.clear();
        return new CrashReport(unsyncedEntries - kept, kept, torn);
    }

    /** The durable hard state, for checkers. */
    public HardState durableHardState() {
        return durable.hardState();
    }

    private static int applyTo(MemoryLogStorage target, Object write) {
        if (write instanceof HardState hs) {
            target.saveHardState(hs);
            return 0;
        }
        @SuppressWarnings("unchecked")
        List<Entry> entries = (List<Entry>) write;
        target.append(entries);
        return entries.size();
    }

    private static void copy(MemoryLogStorage from, MemoryLogStorage to) {
        to.saveHardState(from.hardState());
        if (from.compactedThrough().index() > 0) {
            to.compact(from.compactedThrough());
        }
        if (from.lastIndex() >= from.firstIndex()) {
            to.append(from.entries(from.firstIndex(), from.lastIndex() + 1, Long.MAX_VALUE));
        }
    }

    /** The storage a node sees: reads reflect every write; durability follows the enclosing disk. */
    private final class ModelStorage extends ForwardingLogStorage {
        private final MemoryLogStorage visible;

        ModelStorage(MemoryLogStorage visible) {
            super(visible);
            this.visible = visible;
        }

        private void checkOpen() {
            if (openStorage != this) {
                throw new IllegalStateException("storage used after its node crashed");
            }
        }

        @Override
        public void append(List<Entry> entries) {
            checkOpen();
            if (entries.isEmpty()) {
                return;
            }
            visible.append(entries);
            unsynced.add(List.copyOf(entries));
            writesMade++;
        }

        @Override
        public void saveHardState(HardState hardState) {
            checkOpen();
            visible.saveHardState(hardState);
            unsynced.add(hardState);
            writesMade++;
        }

        @Override
        public void sync() {
            checkOpen();
            if (forgetSyncs) {
                return;
            }
            for (Object w : unsynced) {
                applyTo(durable, w);
            }
            writesDurable += unsynced.size();
            unsynced.clear();
        }

        /**
         * Captures how many writes are unsynced now; completing makes exactly those durable (writes made
         * meanwhile stay unsynced), which is what a real disk promises for a sync that overlaps appends.
         */
        @Override
        public PendingSync beginSync() {
            checkOpen();
            if (forgetSyncs || unsynced.isEmpty()) {
                return PendingSync.DONE;
            }
            long through = writesMade;
            return () -> {
                if (openStorage != this) {
                    return; // crashed meanwhile: the crash decided what survived
                }
                while (writesDurable < through && !unsynced.isEmpty()) {
                    applyTo(durable, unsynced.remove(0));
                    writesDurable++;
                }
            };
        }

        @Override
        public void compact(LogPosition position) {
            checkOpen();
            // Compaction follows a durable snapshot; model it as durable at once, after pending writes.
            sync();
            visible.compact(position);
            durable.compact(position);
        }

        @Override
        public void close() {}
    }
}
