package dev.raftchat.raft.storage.file;

import dev.raftchat.raft.storage.LogStorage;
import dev.raftchat.raft.storage.MemoryLogStorage;

class MemoryLogStorageContractTest extends LogStorageContract {
    @Override
    protected LogStorage create() {
        return new MemoryLogStorage();
    }
}
