package dev.raftchat.raft.storage.file;

import dev.raftchat.raft.storage.StorageException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * An open file of a {@link StorageFileSystem}: positional reads and writes, size, truncation and force.
 * All failures are {@link StorageException}s naming the file. Not thread-safe.
 */
public interface StorageFile extends AutoCloseable {

    /** The path this file was opened with. */
    Path path();

    /** The current size in bytes, including unsynced writes. */
    long size();

    /**
     * Reads up to {@code destination.remaining()} bytes starting at {@code position} into
     * {@code destination}; returns the number of bytes read, which is smaller only at the end of the file
     * (and 0 at or past it).
     */
    int read(long position, ByteBuffer destination);

    /** Writes every remaining byte of {@code source} starting at {@code position}, growing the file as needed. */
    void write(long position, ByteBuffer source);

    /** Cuts the file to {@code sizeBytes} (which must not exceed {@link #size()}). Not durable until {@link #force()}. */
    void truncate(long sizeBytes);

    /** Makes every earlier write and truncation of this file durable (its content and size). */
    void force();

    /** Releases the file; unsynced writes stay pending (they are neither forced nor dropped). */
    @Override
    void close();

    /** Reads exactly {@code destination.remaining()} bytes or throws {@link StorageException} at end of file. */
    default void readFully(long position, ByteBuffer destination) {
        long at = position;
        while (destination.hasRemaining()) {
            int read = read(at, destination);
            if (read <= 0) {
                throw new StorageException(
                        "unexpected end of file " + path() + " at byte offset " + at + " (size " + size() + ")");
            }
            at += read;
        }
    }
}
