package dev.raftchat.bench.microraft;

import io.microraft.model.log.LogEntry;
import io.microraft.model.log.RaftGroupMembersView;
import io.microraft.model.log.SnapshotChunk;
import io.microraft.model.persistence.RaftEndpointPersistentState;
import io.microraft.model.persistence.RaftTermPersistentState;
import io.microraft.persistence.RaftStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The durable-write cost MicroRaft would pay with a real store, for the benchmark only: every log entry
 * is appended to one file (index, term, length, payload bytes for {@code byte[]} operations, otherwise
 * none), and {@link #flush} forces it ({@code FileChannel.force(false)}, the same call our storage makes)
 * when sync is on. Term and vote changes are appended and forced at once, as the contract asks. It
 * keeps no index and cannot recover: truncations are recorded as a marker only. Called by MicroRaft's
 * single node thread.
 */
// NonAtomicVolatileUpdate: only MicroRaft's node thread updates the counters; volatile publishes them to the
// thread that reports them.
@SuppressWarnings("NonAtomicVolatileUpdate")
final class AppendOnlyFileStore implements RaftStore, AutoCloseable {
    private static final int HEADER_BYTES = 20;
    private static final byte[] NO_BYTES = new byte[0];

    private final FileChannel channel;
    private final boolean sync;
    private ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    private volatile long forces;
    private volatile long entries;

    AppendOnlyFileStore(Path file, boolean sync) throws IOException {
        Files.createDirectories(file.getParent());
        this.channel = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        this.sync = sync;
    }

    @Override
    public void persistAndFlushLocalEndpoint(RaftEndpointPersistentState state) throws IOException {
        appendRecord(-1, 0, NO_BYTES);
        flush();
    }

    @Override
    public void persistAndFlushInitialGroupMembers(RaftGroupMembersView members) throws IOException {
        appendRecord(-2, 0, NO_BYTES);
        flush();
    }

    @Override
    public void persistAndFlushTerm(RaftTermPersistentState state) throws IOException {
        appendRecord(-3, state.getTerm(), NO_BYTES);
        flush();
    }

    @Override
    public void persistLogEntries(List<LogEntry> entries) throws IOException {
        for (LogEntry entry : entries) {
            byte[] data = entry.getOperation() instanceof byte[] bytes ? bytes : NO_BYTES;
            appendRecord(entry.getIndex(), entry.getTerm(), data);
        }
        this.entries += entries.size();
    }

    @Override
    public void persistSnapshotChunk(SnapshotChunk chunk) throws IOException {
        appendRecord(chunk.getIndex(), chunk.getTerm(), NO_BYTES);
    }

    @Override
    public void truncateLogEntriesFrom(long index) throws IOException {
        appendRecord(-4, 0, NO_BYTES);
    }

    @Override
    public void truncateLogEntriesUntil(long index) throws IOException {
        appendRecord(-5, 0, NO_BYTES);
    }

    @Override
    public void deleteSnapshotChunks(long index, int count) throws IOException {
        appendRecord(-6, 0, NO_BYTES);
    }

    @Override
    public void flush() throws IOException {
        writeBuffered();
        if (sync) {
            channel.force(false);
            forces++;
        }
    }

    private void appendRecord(long index, int term, byte[] data) throws IOException {
        int needed = HEADER_BYTES + data.length;
        if (buffer.remaining() < needed) {
            writeBuffered();
            if (buffer.capacity() < needed) {
                buffer = ByteBuffer.allocate(needed);
            }
        }
        buffer.putLong(index).putInt(term).putInt(data.length).putInt(0).put(data);
    }

    private void writeBuffered() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }

    /** For the driver's log: how many entries were appended and how many forces made them durable. */
    String counts() {
        return entries + " entries, " + forces + " forces";
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
