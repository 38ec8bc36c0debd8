package dev.raftchat.raft.storage.file;

import dev.raftchat.raft.storage.LogStorage;
import java.nio.file.Path;

/** The contract on the simulated file system, with tiny segments and a tiny cache so both paths are used. */
class FileLogStorageSimulatedContractTest extends LogStorageContract {
    @Override
    protected LogStorage create() {
        FileLogStorageConfig config =
                FileLogStorageConfig.defaults().withSegmentBytesMax(256).withEntryCacheBytesMax(200);
        return FileLogStorage.open(new SimulatedFileSystem(), Path.of("/node/log"), config);
    }
}
