package dev.raftchat.raft.storage.file;

import dev.raftchat.raft.storage.StorageException;
import java.nio.file.Path;
import java.util.List;

/**
 * The only way the file storage touches files, so that tests and the deterministic simulator can run
 * the real storage code over {@link SimulatedFileSystem} and inject lost writes, torn writes and bit
 * flips.
 *
 * <p><b>Durability model</b> (what callers may rely on; {@link SimulatedFileSystem} enforces exactly
 * this and nothing more):
 * <ul>
 *   <li>bytes written to a file are durable only after {@link StorageFile#force()} on that file;</li>
 *   <li>a file's directory entry (its creation, a {@link #rename}, a {@link #delete}) is durable only after
 *       {@link #forceDirectory} on its parent directory; until then a crash may undo it;</li>
 *   <li>{@link #rename} is atomic: after a crash the target name refers to the old or the new file, never
 *       to a mix;</li>
 *   <li>{@link #createDirectories} is durable at once (directories are created once, at setup).</li>
 * </ul>
 *
 * <p><b>Failures.</b> Every method reports an I/O failure as {@link StorageException} whose message names
 * the path. After a failed {@code force} the content of the unsynced data is unknown: callers must stop,
 * not retry.
 *
 * <p><b>Threading.</b> Implementations are not required to be thread-safe; the storage calls them from one
 * thread at a time.
 */
public interface StorageFileSystem {

    /** Creates {@code directory} and its missing parents; does nothing if it exists. */
    void createDirectories(Path directory);

    /** The names (not paths) of the regular files directly in {@code directory}, sorted ascending. */
    List<String> list(Path directory);

    /** Whether a regular file exists at {@code file}. */
    boolean exists(Path file);

    /**
     * Opens {@code file} for reading and writing, creating it empty when {@code create} is true and it does
     * not exist. Throws {@link StorageException} when it does not exist and {@code create} is false.
     */
    StorageFile open(Path file, boolean create);

    /** Atomically renames {@code source} to {@code target}, replacing {@code target} if it exists. */
    void rename(Path source, Path target);

    /** Deletes {@code file}; does nothing if it does not exist. */
    void delete(Path file);

    /** Makes the creations, renames and deletions of entries in {@code directory} durable. */
    void forceDirectory(Path directory);

    /**
     * Takes an exclusive lock on {@code directory} (through a file named {@code lockFileName} in it) so that two
     * storage instances, in this process or another, never write the same files. Throws
     * {@link StorageException} naming the directory if it is already locked. Closing the returned handle
     * releases the lock; so does the end of the process.
     */
    AutoCloseable lockDirectory(Path directory, String lockFileName);
}
