package dev.raftchat.chat.ops;

import dev.raftchat.raft.confchange.ConfChange;
import dev.raftchat.raft.statemachine.StateMachine;
import java.io.IOException;
import java.io.InputStream;

/**
 * A {@link StateMachine} that times its delegate for {@link ChatMetrics}: each apply (the {@code raft_apply}
 * histogram), each snapshot's serialization (off the Raft thread) and each restore. Adds two clock reads per
 * applied entry and nothing else; failures pass through unchanged (and are timed too). Every method of
 * {@link StateMachine} is delegated ({@code MeteredStateMachineTest} checks that none is left to its default).
 */
public final class MeteredStateMachine implements StateMachine {
    private final StateMachine delegate;
    private final ChatMetrics metrics;

    public MeteredStateMachine(StateMachine delegate, ChatMetrics metrics) {
        this.delegate = delegate;
        this.metrics = metrics;
    }

    @Override
    public byte[] apply(long index, byte[] command) {
        long start = System.nanoTime();
        try {
            return delegate.apply(index, command);
        } finally {
            metrics.applyCompleted(System.nanoTime() - start);
        }
    }

    @Override
    public void applyMembershipChange(long index, ConfChange change) {
        delegate.applyMembershipChange(index, change);
    }

    @Override
    public byte[] query(byte[] query) {
        return delegate.query(query);
    }

    @Override
    public Snapshot snapshot() {
        Snapshot snapshot = delegate.snapshot();
        return out -> {
            long start = System.nanoTime();
            try {
                snapshot.writeTo(out);
            } finally {
                metrics.snapshotWritten(System.nanoTime() - start);
            }
        };
    }

    @Override
    public void restore(InputStream in) throws IOException {
        long start = System.nanoTime();
        try {
            delegate.restore(in);
        } finally {
            metrics.snapshotRestored(System.nanoTime() - start);
        }
    }
}
