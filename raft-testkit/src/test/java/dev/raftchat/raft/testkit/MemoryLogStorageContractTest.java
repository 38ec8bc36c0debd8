package dev.raftchat.raft.testkit;

import dev.raftchat.raft.storage.LogStorage;
import dev.raftchat.raft.storage.MemoryLogStorage;

class MemoryLogStorageContractTest extends LogStorageContract {
    @Override
    protected LogStorage create() {
        return new MemoryLogStorage();
    }
}
