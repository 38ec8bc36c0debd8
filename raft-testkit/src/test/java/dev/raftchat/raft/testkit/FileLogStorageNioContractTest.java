package dev.raftchat.raft.testkit;

import dev.raftchat.raft.storage.LogStorage;
import dev.raftchat.raft.storage.file.FileLogStorage;
import dev.raftchat.raft.storage.file.FileLogStorageConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The contract on the real file system, cache disabled so every read goes to the files. */
// tag::contract[]
class FileLogStorageNioContractTest extends DurableLogStorageContract {
    private static final FileLogStorageConfig CONFIG =
            FileLogStorageConfig.defaults().withSegmentBytesMax(1024).withEntryCacheBytesMax(0);

    @TempDir
    Path directory;

    @Override
    protected LogStorage create() {
        return FileLogStorage.open(directory.resolve("log"), CONFIG);
    }

    @Override
    protected LogStorage reopen() {
        return FileLogStorage.open(directory.resolve("log"), CONFIG);
    }
}
// end::contract[]
