package dev.raftchat.raft.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.raftchat.raft.core.NodeConfig;
import dev.raftchat.raft.core.Role;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.SnapshotMeta;
import dev.raftchat.raft.storage.MemoryLogStorage;
import dev.raftchat.raft.storage.MemorySnapshotStore;
import dev.raftchat.raft.storage.SnapshotStore;
import dev.raftchat.raft.testing.RecordingStateMachine;
import dev.raftchat.raft.transport.InMemoryNetwork;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Snapshots in the runtime: taken off the Raft thread, log compaction, catch-up and restart from them. */
class SnapshotRuntimeTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final InMemoryNetwork network = new InMemoryNetwork();
    private final Map<Long, RaftServer> servers = new TreeMap<>();
    private final Map<Long, MemoryLogStorage> logs = new TreeMap<>();
    private final Map<Long, MemorySnapshotStore> snapshotStores = new TreeMap<>();
    private final Map<Long, RecordingStateMachine> machines = new TreeMap<>();

    @AfterEach
    void closeAll() {
        servers.values().forEach(RaftServer::close);
    }

    private RaftServer start(long id) {
        logs.computeIfAbsent(id, i -> new MemoryLogStorage());
        snapshotStores.computeIfAbsent(id, i -> new MemorySnapshotStore());
        RaftServerConfig config = RaftServerConfig.builder(
                        NodeConfig.defaults(id, 31 * id).withSnapshotChunkBytes(64), ConfState.ofVoters(1, 2, 3))
                .tickMillis(20)
                .snapshotIntervalEntries(10)
                .snapshotLogTailEntries(2)
                .build();
        RecordingStateMachine machine = new RecordingStateMachine();
        RaftServer server = RaftServer.builder(config, logs.get(id), network.transport(id), machine)
                .snapshots(snapshotStores.get(id))
                .build();
        servers.put(id, server);
        machines.put(id, machine);
        return server.start();
    }

    private RaftServer awaitLeader() {
        await().atMost(WAIT)
                .until(() -> servers.values().stream()
                        .anyMatch(s -> s.status().raft().role() == Role.LEADER
                                && s.status().appliedIndex() > 0));
        return servers.values().stream()
                .filter(s -> s.status().raft().role() == Role.LEADER)
                .findFirst()
                .orElseThrow();
    }

    private void proposeAll(RaftServer leader, int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            leader.propose(("item-" + i).getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
        }
    }

    private static List<String> items(int count) {
        List<String> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add("item-" + i);
        }
        return list;
    }

    @Test
    void snapshotsAreTakenPeriodicallyAndTheLogIsCompactedBehindThem() throws Exception {
        for (long id = 1; id <= 3; id++) {
            start(id);
        }
        RaftServer leader = awaitLeader();
        // Each node snapshots every 10 applied entries; where exactly depends on how its applies were
        // batched (a follower that catches up applies many at once), so the test asks for two
        // snapshots in a row rather than for particular indexes.
        proposeAll(leader, 0, 25);
        Map<Long, Long> first = new TreeMap<>();
        await().atMost(WAIT).untilAsserted(() -> {
            for (long id = 1; id <= 3; id++) {
                SnapshotMeta latest = snapshotStores.get(id).latest();
                assertThat(latest).as("node %s snapshot", id).isNotNull();
                assertThat(latest.index()).isGreaterThanOrEqualTo(10);
                assertThat(logs.get(id).firstIndex())
                        .as("node %s log compacted", id)
                        .isEqualTo(latest.index() - 2 + 1);
            }
        });
        for (long id = 1; id <= 3; id++) {
            first.put(id, snapshotStores.get(id).latest().index());
        }
        // 15 more entries take every node at least 10 entries past the snapshot recorded above.
        proposeAll(leader, 25, 40);
        await().atMost(WAIT).untilAsserted(() -> {
            for (long id = 1; id <= 3; id++) {
                SnapshotMeta latest = snapshotStores.get(id).latest();
                assertThat(latest.index())
                        .as("node %s took a second snapshot", id)
                        .isGreaterThan(first.get(id));
                assertThat(logs.get(id).firstIndex())
                        .as("node %s log compacted", id)
                        .isEqualTo(latest.index() - 2 + 1);
            }
        });
        SnapshotMeta onDemand = leader.takeSnapshot().get(10, TimeUnit.SECONDS);
        assertThat(onDemand.index()).isEqualTo(leader.status().appliedIndex());
        assertThat(onDemand.conf().voters()).containsExactly(1L, 2L, 3L);
    }

    @Test
    void aWipedFollowerCatchesUpFromTheLeadersSnapshot() throws Exception {
        for (long id = 1; id <= 3; id++) {
            start(id);
        }
        RaftServer leader = awaitLeader();
        long wiped = leader.id() == 3 ? 2 : 3;
        servers.get(wiped).close();
        proposeAll(leader, 0, 30);
        await().atMost(WAIT).until(() -> logs.get(leader.id()).firstIndex() > 1);
        // The follower loses everything on disk and comes back empty.
        logs.remove(wiped);
        snapshotStores.remove(wiped);
        start(wiped);
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(machines.get(wiped).items()).isEqualTo(items(30)));
        assertThat(snapshotStores.get(wiped).latest())
                .as("installed from the leader")
                .isNotNull();
        assertThat(machines.get(wiped).appliedIndexes())
                .as("entries before the snapshot were not replayed")
                .allMatch(index -> index > snapshotStores.get(wiped).latest().index() - 10);
    }

    @Test
    void aRestartedNodeResumesFromItsSnapshotAndAppliesNothingTwice() throws Exception {
        for (long id = 1; id <= 3; id++) {
            start(id);
        }
        RaftServer leader = awaitLeader();
        proposeAll(leader, 0, 23);
        long follower = leader.id() == 1 ? 2 : 1;
        await().atMost(WAIT)
                .until(() -> snapshotStores.get(follower).latest() != null
                        && machines.get(follower).items().size() == 23);
        long snapshotIndex = snapshotStores.get(follower).latest().index();
        servers.get(follower).close();
        RaftServer restarted = start(follower);
        RecordingStateMachine machine = machines.get(follower);
        await().atMost(WAIT).untilAsserted(() -> assertThat(machine.items()).isEqualTo(items(23)));
        proposeAll(awaitLeader(), 23, 25);
        await().atMost(WAIT).untilAsserted(() -> assertThat(machine.items()).isEqualTo(items(25)));
        assertThat(machine.appliedIndexes())
                .as("only entries after the snapshot are applied again")
                .allMatch(index -> index > snapshotIndex);
        assertThat(machine.nothingAppliedTwice()).isTrue();
        assertThat(restarted.status().appliedIndex()).isGreaterThan(snapshotIndex);
    }

    @Test
    void aByteThresholdAlsoTriggersSnapshots() throws Exception {
        for (long id = 1; id <= 3; id++) {
            logs.put(id, new MemoryLogStorage());
            snapshotStores.put(id, new MemorySnapshotStore());
            RaftServerConfig config = RaftServerConfig.builder(
                            NodeConfig.defaults(id, 31 * id), ConfState.ofVoters(1, 2, 3))
                    .tickMillis(20)
                    .snapshotIntervalBytes(4 * 1024)
                    .snapshotLogTailEntries(0)
                    .build();
            RecordingStateMachine machine = new RecordingStateMachine();
            servers.put(
                    id,
                    RaftServer.builder(config, logs.get(id), network.transport(id), machine)
                            .snapshots(snapshotStores.get(id))
                            .build()
                            .start());
            machines.put(id, machine);
        }
        RaftServer leader = awaitLeader();
        byte[] kilobyte = new byte[1024];
        Arrays.fill(kilobyte, (byte) 'k');
        for (int i = 0; i < 3; i++) {
            leader.propose(kilobyte).get(10, TimeUnit.SECONDS);
        }
        assertThat(snapshotStores.get(leader.id()).latest())
                .as("3 KiB applied: under the threshold")
                .isNull();
        for (int i = 0; i < 3; i++) {
            leader.propose(kilobyte).get(10, TimeUnit.SECONDS);
        }
        await().atMost(WAIT).until(() -> snapshotStores.get(leader.id()).latest() != null);
    }
    /** Counts the snapshots a node starts to write. */
    private static final class CountingSnapshotStore implements SnapshotStore {
        final MemorySnapshotStore store = new MemorySnapshotStore();
        final AtomicInteger created = new AtomicInteger();

        @Override
        public SnapshotSink create(SnapshotMeta meta) {
            created.incrementAndGet();
            return store.create(meta);
        }

        @Override
        public InputStream open(SnapshotMeta meta) {
            return store.open(meta);
        }

        @Override
        public SnapshotMeta latest() {
            return store.latest();
        }

        @Override
        public long sizeBytes(SnapshotMeta meta) {
            return store.sizeBytes(meta);
        }

        @Override
        public byte[] read(SnapshotMeta meta, long offset, int maxBytes) {
            return store.read(meta, offset, maxBytes);
        }
    }

    /** Starts a one-node server snapshotting after every entry, with the given growth; returns its store. */
    private CountingSnapshotStore startSingle(int growthPercent) {
        CountingSnapshotStore store = new CountingSnapshotStore();
        RaftServerConfig config = RaftServerConfig.builder(NodeConfig.defaults(1, 31), ConfState.ofVoters(1))
                .tickMillis(20)
                .snapshotIntervalEntries(1)
                .snapshotGrowthPercent(growthPercent)
                .snapshotLogTailEntries(0)
                .build();
        RecordingStateMachine machine = new RecordingStateMachine();
        servers.put(
                1L,
                RaftServer.builder(config, new MemoryLogStorage(), network.transport(1), machine)
                        .snapshots(store)
                        .build()
                        .start());
        machines.put(1L, machine);
        return store;
    }

    /** Proposes {@code count} commands of 1 KiB one after the other, each committed before the next. */
    private void proposeKilobytes(RaftServer leader, int count) throws Exception {
        byte[] kilobyte = new byte[1024];
        Arrays.fill(kilobyte, (byte) 'k');
        for (int i = 0; i < count; i++) {
            leader.propose(kilobyte).get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void withGrowthSnapshotsAreSpacedByTheStatesSize() throws Exception {
        CountingSnapshotStore store = startSingle(100);
        RaftServer leader = awaitLeader();
        proposeKilobytes(leader, 128);
        // Each snapshot waits for as many bytes as it holds: the state about doubles between two, so 128 KiB
        // posted one by one from empty take about log2(128) + 2 snapshots, not one per entry.
        assertThat(leader.status().appliedIndex()).isGreaterThanOrEqualTo(128);
        assertThat(store.created.get()).as("snapshots started").isBetween(1, 11);
        // The last one held at least half of what was applied: the spacing did not stop snapshots.
        await().atMost(WAIT).untilAsserted(() -> assertThat(store.latest()).isNotNull());
        assertThat(store.latest().index()).isGreaterThanOrEqualTo(40);
    }

    @Test
    void withoutGrowthEveryIntervalTakesOne() throws Exception {
        CountingSnapshotStore store = startSingle(0);
        RaftServer leader = awaitLeader();
        byte[] kilobyte = new byte[1024];
        Arrays.fill(kilobyte, (byte) 'k');
        // The control for the test above: the same load, but each entry waits until a snapshot covers it, so
        // the count does not depend on how fast this machine writes snapshots. Without the size condition every
        // applied entry is due (interval 1), so each one gets its own snapshot.
        for (int i = 0; i < 128; i++) {
            long index =
                    leader.proposeWithIndex(kilobyte).get(10, TimeUnit.SECONDS).index();
            await().atMost(WAIT)
                    .until(() -> store.latest() != null && store.latest().index() >= index);
        }
        assertThat(store.created.get()).as("snapshots started").isGreaterThanOrEqualTo(128);
    }
}
