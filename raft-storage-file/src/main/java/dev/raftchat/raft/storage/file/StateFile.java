package dev.raftchat.raft.storage.file;

import dev.raftchat.raft.storage.StorageException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A small checksummed file replaced atomically: written under a temporary name, forced, renamed over the
 * old one, and the directory forced. After a crash the old or the new content is read, never a mix.
 *
 * <pre>
 * offset size field
 * 0      4    magic (file kind)
 * 4      2    format version (1)
 * 6      2    payload length in bytes
 * 8      n    payload
 * 8+n    4    CRC32C of bytes [0, 8+n)
 * </pre>
 */
final class StateFile {
    static final short FORMAT_VERSION = 1;
    static final String TEMPORARY_SUFFIX = ".tmp";
    private static final int PREFIX_BYTES = 8;
    private static final int CRC_BYTES = 4;

    private final StorageFileSystem fileSystem;
    private final Path directory;
    private final String name;
    private final int magic;
    private final int payloadBytes;

    StateFile(StorageFileSystem fileSystem, Path directory, String name, int magic, int payloadBytes) {
        this.fileSystem = fileSystem;
        this.directory = directory;
        this.name = name;
        this.magic = magic;
        this.payloadBytes = payloadBytes;
    }

    Path path() {
        return directory.resolve(name);
    }

    /** Replaces the content; with {@code durable} false (sync disabled) nothing is forced. */
    void replace(byte[] payload, boolean durable) {
        if (payload.length != payloadBytes) {
            throw new IllegalArgumentException(
                    name + " payload must be " + payloadBytes + " bytes, got " + payload.length);
        }
        ByteBuffer buffer = ByteBuffer.allocate(PREFIX_BYTES + payloadBytes + CRC_BYTES);
        buffer.putInt(magic)
                .putShort(FORMAT_VERSION)
                .putShort((short) payloadBytes)
                .put(payload);
        buffer.putInt(Crc.of(buffer.array(), 0, buffer.position()));
        buffer.flip();
        Path temporary = directory.resolve(name + TEMPORARY_SUFFIX);
        fileSystem.delete(temporary);
        try (StorageFile file = fileSystem.open(temporary, true)) {
            file.write(0, buffer);
            if (durable) {
                file.force();
            }
        }
        fileSystem.rename(temporary, path());
        if (durable) {
            fileSystem.forceDirectory(directory);
        }
    }

    /** The payload, or empty when the file does not exist; a damaged file is a {@link StorageException}. */
    Optional<byte[]> read() {
        Path path = path();
        if (!fileSystem.exists(path)) {
            return Optional.empty();
        }
        int expectedSize = PREFIX_BYTES + payloadBytes + CRC_BYTES;
        ByteBuffer buffer = ByteBuffer.allocate(expectedSize);
        try (StorageFile file = fileSystem.open(path, false)) {
            long size = file.size();
            if (size != expectedSize) {
                throw new StorageException(path + " is damaged: size " + size + " bytes, expected " + expectedSize
                        + " (byte offset " + Math.min(size, expectedSize) + ")");
            }
            file.readFully(0, buffer);
        }
        buffer.flip();
        int actualMagic = buffer.getInt();
        if (actualMagic != magic) {
            throw new StorageException(path + " is damaged at byte offset 0: magic 0x"
                    + Integer.toHexString(actualMagic) + ", expected 0x" + Integer.toHexString(magic));
        }
        short version = buffer.getShort();
        if (version != FORMAT_VERSION) {
            throw new StorageException(
                    path + " has format version " + version + " at byte offset 4; this build reads " + FORMAT_VERSION);
        }
        short length = buffer.getShort();
        if (length != payloadBytes) {
            throw new StorageException(
                    path + " is damaged at byte offset 6: payload length " + length + ", expected " + payloadBytes);
        }
        byte[] payload = new byte[payloadBytes];
        buffer.get(payload);
        int storedCrc = buffer.getInt();
        int actualCrc = Crc.of(buffer.array(), 0, PREFIX_BYTES + payloadBytes);
        if (storedCrc != actualCrc) {
            throw new StorageException(
                    path + " is damaged: checksum mismatch over bytes [0, " + (PREFIX_BYTES + payloadBytes)
                            + ") (stored CRC at byte offset " + (PREFIX_BYTES + payloadBytes) + ")");
        }
        return Optional.of(payload);
    }

    /** Removes a temporary file left by a crash during {@link #replace}. */
    void deleteLeftoverTemporary() {
        fileSystem.delete(directory.resolve(name + TEMPORARY_SUFFIX));
    }
}
