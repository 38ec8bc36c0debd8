package dev.raftchat.raft.storage;

import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.model.LogPosition;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A {@link LogStorage} that passes every call, the default methods included, to another one: extend it and
 * override only what a wrapper changes (counting syncs, injecting faults, reporting lost entries).
 *
 * <p>Every call is forwarded as it is, so a subclass that changes {@link #sync()} should also override
 * {@link #beginSync()}: the delegate's {@code beginSync} does not call back into the wrapper's {@code sync}.
 * Threading and failures are the delegate's.
 */
public abstract class ForwardingLogStorage implements LogStorage {
    private final LogStorage delegate;

    protected ForwardingLogStorage(LogStorage delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The storage every call goes to. */
    protected final LogStorage delegate() {
        return delegate;
    }

    @Override
    public HardState hardState() {
        return delegate.hardState();
    }

    @Override
    public LogPosition compactedThrough() {
        return delegate.compactedThrough();
    }

    @Override
    public long firstIndex() {
        return delegate.firstIndex();
    }

    @Override
    public long lastIndex() {
        return delegate.lastIndex();
    }

    @Override
    public long term(long index) {
        return delegate.term(index);
    }

    @Override
    public List<Entry> entries(long fromIndex, long toIndexExclusive, long maxBytes) {
        return delegate.entries(fromIndex, toIndexExclusive, maxBytes);
    }

    @Override
    public void append(List<Entry> entries) {
        delegate.append(entries);
    }

    @Override
    public void saveHardState(HardState hardState) {
        delegate.saveHardState(hardState);
    }

    @Override
    public void sync() {
        delegate.sync();
    }

    @Override
    public PendingSync beginSync() {
        return delegate.beginSync();
    }

    @Override
    public long repairThroughIndex() {
        return delegate.repairThroughIndex();
    }

    @Override
    public OptionalLong repairThroughTerm() {
        return delegate.repairThroughTerm();
    }

    @Override
    public void compact(LogPosition position) {
        delegate.compact(position);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
