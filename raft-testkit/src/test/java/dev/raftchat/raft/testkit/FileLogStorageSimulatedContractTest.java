package dev.raftchat.raft.testkit;

import dev.raftchat.raft.storage.LogStorage;
import dev.raftchat.raft.storage.file.FileLogStorage;
import dev.raftchat.raft.storage.file.FileLogStorageConfig;
import dev.raftchat.raft.storage.file.SimulatedFileSystem;
import java.nio.file.Path;

/** The contract on the simulated file system, with tiny segments and a tiny cache so both paths are used. */
class FileLogStorageSimulatedContractTest extends DurableLogStorageContract {
    private static final FileLogStorageConfig CONFIG =
            FileLogStorageConfig.defaults().withSegmentBytesMax(256).withEntryCacheBytesMax(200);

    private final SimulatedFileSystem fileSystem = new SimulatedFileSystem();

    @Override
    protected LogStorage create() {
        return FileLogStorage.open(fileSystem, Path.of("/node/log"), CONFIG);
    }

    @Override
    protected LogStorage reopen() {
        return FileLogStorage.open(fileSystem, Path.of("/node/log"), CONFIG);
    }
}
