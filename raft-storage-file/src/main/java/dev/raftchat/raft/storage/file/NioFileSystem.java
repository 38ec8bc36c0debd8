package dev.raftchat.raft.storage.file;

import dev.raftchat.raft.storage.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The real {@link StorageFileSystem}: {@link FileChannel} for files, {@link Files#move} with
 * {@link StandardCopyOption#ATOMIC_MOVE} for renames, and a {@code force} on a channel opened on the
 * directory itself for directory durability (which works on Linux and macOS; on file systems that refuse
 * to open a directory, the directory force is skipped because there is nothing else to do).
 *
 * <p>Stateless and safe to share; each {@link StorageFile} it returns is used from one thread at a time.
 */
public final class NioFileSystem implements StorageFileSystem {

    /** The single instance: the class holds no state. */
    public static final NioFileSystem INSTANCE = new NioFileSystem();

    private NioFileSystem() {}

    @Override
    public void createDirectories(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new StorageException("cannot create directory " + directory + ": " + e, e);
        }
    }

    @Override
    public List<String> list(Path directory) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
            for (Path entry : stream) {
                if (Files.isRegularFile(entry)) {
                    names.add(entry.getFileName().toString());
                }
            }
        } catch (IOException e) {
            throw new StorageException("cannot list directory " + directory + ": " + e, e);
        }
        Collections.sort(names);
        return names;
    }

    @Override
    public boolean exists(Path file) {
        return Files.isRegularFile(file);
    }

    @Override
    public StorageFile open(Path file, boolean create) {
        try {
            FileChannel channel = create
                    ? FileChannel.open(
                            file, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE)
                    : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            return new NioFile(file, channel);
        } catch (NoSuchFileException e) {
            throw new StorageException("no such file " + file, e);
        } catch (IOException e) {
            throw new StorageException("cannot open " + file + ": " + e, e);
        }
    }

    @Override
    public void rename(Path source, Path target) {
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new StorageException(
                    "atomic rename of " + source + " to " + target
                            + " is not supported by this file system; the storage needs it",
                    e);
        } catch (IOException e) {
            throw new StorageException("cannot rename " + source + " to " + target + ": " + e, e);
        }
    }

    @Override
    public void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new StorageException("cannot delete " + file + ": " + e, e);
        }
    }

    @Override
    public void forceDirectory(Path directory) {
        FileChannel channel;
        try {
            channel = FileChannel.open(directory, StandardOpenOption.READ);
        } catch (IOException e) {
            // Some platforms (Windows) cannot open a directory; their metadata journaling is all we get.
            return;
        }
        try (channel) {
            channel.force(true);
        } catch (IOException e) {
            throw new StorageException("cannot force directory " + directory + ": " + e, e);
        }
    }

    @Override
    public AutoCloseable lockDirectory(Path directory, String lockFileName) {
        Path lockFile = directory.resolve(lockFileName);
        FileChannel channel;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new StorageException("cannot open lock file " + lockFile + ": " + e, e);
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this same process
        } catch (IOException e) {
            closeQuietly(channel);
            throw new StorageException("cannot lock " + lockFile + ": " + e, e);
        }
        if (lock == null) {
            closeQuietly(channel);
            throw new StorageException("directory " + directory + " is in use by another storage instance (lock file "
                    + lockFile + " is held); two nodes must never share a data directory");
        }
        FileLock held = lock;
        return () -> {
            try (channel) {
                held.release();
            }
        };
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing more to release.
        }
    }

    private static final class NioFile implements StorageFile {
        private final Path path;
        private final FileChannel channel;

        NioFile(Path path, FileChannel channel) {
            this.path = path;
            this.channel = channel;
        }

        @Override
        public Path path() {
            return path;
        }

        @Override
        public long size() {
            try {
                return channel.size();
            } catch (IOException e) {
                throw new StorageException("cannot read the size of " + path + ": " + e, e);
            }
        }

        @Override
        public int read(long position, ByteBuffer destination) {
            int total = 0;
            try {
                while (destination.hasRemaining()) {
                    int read = channel.read(destination, position + total);
                    if (read < 0) {
                        break;
                    }
                    total += read;
                }
            } catch (IOException e) {
                throw new StorageException("cannot read " + path + " at byte offset " + position + ": " + e, e);
            }
            return total;
        }

        @Override
        public void write(long position, ByteBuffer source) {
            long at = position;
            try {
                while (source.hasRemaining()) {
                    at += channel.write(source, at);
                }
            } catch (IOException e) {
                throw new StorageException("cannot write " + path + " at byte offset " + at + ": " + e, e);
            }
        }

        @Override
        public void truncate(long sizeBytes) {
            try {
                channel.truncate(sizeBytes);
            } catch (IOException e) {
                throw new StorageException("cannot truncate " + path + " to " + sizeBytes + " bytes: " + e, e);
            }
        }

        @Override
        public void force() {
            try {
                // fdatasync: the data and the metadata needed to read it back (the size) reach the disk; the
                // modification time, which nothing here reads, does not. Directory entries are forced apart.
                channel.force(false);
            } catch (IOException e) {
                throw new StorageException(
                        "cannot force " + path + " (unsynced data is now in an unknown state): " + e, e);
            }
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException e) {
                throw new StorageException("cannot close " + path + ": " + e, e);
            }
        }
    }
}
