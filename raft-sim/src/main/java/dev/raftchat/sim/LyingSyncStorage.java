package dev.raftchat.sim;

import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.storage.LogStorage;
import java.util.List;

/**
 * A storage whose syncs return before anything is durable ({@link SimulationConfig.HostMisbehaviour}): the
 * broken environment that the checkers must catch. Everything else goes to the real storage underneath.
 */
final class LyingSyncStorage implements LogStorage {

    private final LogStorage storage;
    private final SimulationConfig.HostMisbehaviour misbehaviour;

    LyingSyncStorage(LogStorage storage, SimulationConfig.HostMisbehaviour misbehaviour) {
        this.storage = storage;
        this.misbehaviour = misbehaviour;
    }

    @Override
    public HardState hardState() {
        return storage.hardState();
    }

    @Override
    public LogPosition compactedThrough() {
        return storage.compactedThrough();
    }

    @Override
    public long firstIndex() {
        return storage.firstIndex();
    }

    @Override
    public long lastIndex() {
        return storage.lastIndex();
    }

    @Override
    public long term(long index) {
        return storage.term(index);
    }

    @Override
    public List<Entry> entries(long fromIndex, long toIndexExclusive, long maxBytes) {
        return storage.entries(fromIndex, toIndexExclusive, maxBytes);
    }

    @Override
    public void append(List<Entry> entries) {
        storage.append(entries);
    }

    @Override
    public void saveHardState(HardState hardState) {
        storage.saveHardState(hardState);
    }

    @Override
    public void sync() {
        if (misbehaviour != SimulationConfig.HostMisbehaviour.SYNC_RETURNS_EARLY) {
            storage.sync();
        }
    }

    @Override
    public PendingSync beginSync() {
        return misbehaviour == SimulationConfig.HostMisbehaviour.NONE ? storage.beginSync() : PendingSync.DONE;
    }

    @Override
    public void compact(LogPosition position) {
        storage.compact(position);
    }

    @Override
    public void close() {
        storage.close();
    }
}
