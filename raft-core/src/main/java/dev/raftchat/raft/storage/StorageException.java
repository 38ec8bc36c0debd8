package dev.raftchat.raft.storage;

/** An I/O failure of a storage implementation. The node that sees one stops rather than guess. */
public class StorageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
