package dev.raftchat.sim;

import dev.raftchat.raft.storage.ForwardingLogStorage;
import dev.raftchat.raft.storage.LogStorage;

/**
 * A storage whose syncs return before anything is durable ({@link SimulationConfig.HostMisbehaviour}): the
 * broken environment that the checkers must catch. Everything else goes to the real storage underneath.
 */
final class LyingSyncStorage extends ForwardingLogStorage {

    private final SimulationConfig.HostMisbehaviour misbehaviour;

    LyingSyncStorage(LogStorage storage, SimulationConfig.HostMisbehaviour misbehaviour) {
        super(storage);
        this.misbehaviour = misbehaviour;
    }

    @Override
    public void sync() {
        if (misbehaviour != SimulationConfig.HostMisbehaviour.SYNC_RETURNS_EARLY) {
            super.sync();
        }
    }

    @Override
    public PendingSync beginSync() {
        return misbehaviour == SimulationConfig.HostMisbehaviour.NONE ? super.beginSync() : PendingSync.DONE;
    }
}
