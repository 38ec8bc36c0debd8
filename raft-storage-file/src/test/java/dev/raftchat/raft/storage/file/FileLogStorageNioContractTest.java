package dev.raftchat.raft.storage.file;

import dev.raftchat.raft.storage.LogStorage;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The contract on the real file system, cache disabled so every read goes to the files. */
class FileLogStorageNioContractTest extends LogStorageContract {
    @TempDir
    Path directory;

    @Override
    protected LogStorage create() {
        FileLogStorageConfig config =
                FileLogStorageConfig.defaults().withSegmentBytesMax(1024).withEntryCacheBytesMax(0);
        return FileLogStorage.open(directory.resolve("log"), config);
    }
}
