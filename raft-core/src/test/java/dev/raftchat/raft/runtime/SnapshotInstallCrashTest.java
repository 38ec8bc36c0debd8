package dev.raftchat.raft.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.model.SnapshotChunk;
import dev.raftchat.raft.model.SnapshotMeta;
import dev.raftchat.raft.storage.MemoryLogStorage;
import dev.raftchat.raft.storage.MemorySnapshotStore;
import dev.raftchat.raft.testing.RecordingStateMachine;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Installing a leader's snapshot is: commit the staged snapshot, restore the state machine, compact the
 * log. A crash before the commit leaves the old state; a crash after it, before the compaction, must
 * come back on the new state — restart finishes the compaction. Either way, never a mix.
 */
class SnapshotInstallCrashTest {

    private static final SnapshotMeta LEADER_SNAPSHOT = new SnapshotMeta(10, 2, ConfState.ofVoters(1, 2, 3));

    private static MemoryLogStorage oldLog() {
        MemoryLogStorage log = new MemoryLogStorage();
        for (long i = 1; i <= 5; i++) {
            log.append(List.of(Entry.normal(1, i, ("old-" + i).getBytes(StandardCharsets.UTF_8))));
        }
        return log;
    }

    private static RecordingStateMachine machine() {
        return new RecordingStateMachine();
    }

    private static byte[] snapshotOf(List<String> items) throws Exception {
        RecordingStateMachine source = machine();
        for (int i = 0; i < items.size(); i++) {
            source.apply(i + 1, items.get(i).getBytes(StandardCharsets.UTF_8));
        }
        var out = new ByteArrayOutputStream();
        source.snapshot().writeTo(out);
        return out.toByteArray();
    }

    /** Node 1's snapshot manager over {@code store} and {@code log}, with automatic snapshots off. */
    private static SnapshotManager manager(
            MemorySnapshotStore store, RecordingStateMachine machine, MemoryLogStorage log) {
        return new SnapshotManager(
                1,
                store,
                machine,
                log,
                new SnapshotPolicy(0, 0, 0),
                0,
                Executors.newSingleThreadExecutor(),
                RaftClock.SYSTEM);
    }

    /** Writes {@code data} as the snapshot {@code meta} and commits it: durable, as a finished install leaves it. */
    private static void commit(MemorySnapshotStore store, SnapshotMeta meta, byte[] data) {
        var sink = store.create(meta);
        sink.write(data, 0, data.length);
        sink.commit();
    }

    @Test
    void crashAfterTheSnapshotIsDurableButBeforeCompactionRestartsOnTheNewState() throws Exception {
        MemoryLogStorage log = oldLog();
        MemorySnapshotStore store = new MemorySnapshotStore();
        byte[] data = snapshotOf(List.of("a", "b", "c"));
        // The staged snapshot was committed, then the process died before compacting the log.
        commit(store, LEADER_SNAPSHOT, data);

        RecordingStateMachine restored = machine();
        SnapshotManager manager = manager(store, restored, log);
        SnapshotMeta meta = manager.restoreAtStartup();

        assertThat(meta).isEqualTo(LEADER_SNAPSHOT);
        assertThat(restored.items()).containsExactly("a", "b", "c");
        assertThat(log.compactedThrough()).as("restart finished the compaction").isEqualTo(new LogPosition(2, 10));
        assertThat(log.lastIndex()).as("the old, diverging log is gone").isEqualTo(10);
    }

    @Test
    void crashBeforeTheSnapshotIsCommittedRestartsOnTheOldState() {
        MemoryLogStorage log = oldLog();
        MemorySnapshotStore store = new MemorySnapshotStore();
        RecordingStateMachine before = machine();
        SnapshotManager receiving = manager(store, before, log);
        receiving.stage(List.of(new SnapshotChunk(LEADER_SNAPSHOT, 0, new byte[] {1, 2, 3})));
        // ... and the process dies here: the staged data was never committed.

        SnapshotManager afterRestart = manager(store, machine(), log);
        assertThat(afterRestart.restoreAtStartup())
                .as("no snapshot became visible")
                .isNull();
        assertThat(log.lastIndex()).isEqualTo(5);
        assertThat(log.compactedThrough()).isEqualTo(LogPosition.ZERO);
    }

    @Test
    void aSnapshotTheLogStillHoldsLeavesTheLogTailAlone() throws Exception {
        MemoryLogStorage log = oldLog();
        MemorySnapshotStore store = new MemorySnapshotStore();
        SnapshotMeta local = new SnapshotMeta(4, 1, ConfState.ofVoters(1, 2, 3));
        byte[] data = snapshotOf(List.of("old-1", "old-2", "old-3", "old-4"));
        commit(store, local, data);
        log.compact(new LogPosition(1, 2)); // compacted with a tail of two entries below the snapshot

        SnapshotManager manager = manager(store, machine(), log);
        manager.restoreAtStartup();
        assertThat(log.compactedThrough()).isEqualTo(new LogPosition(1, 2));
        assertThat(log.lastIndex()).isEqualTo(5);
    }
}
