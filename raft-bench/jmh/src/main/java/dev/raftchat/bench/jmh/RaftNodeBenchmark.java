package dev.raftchat.bench.jmh;

import dev.raftchat.raft.core.NodeConfig;
import dev.raftchat.raft.core.RaftNode;
import dev.raftchat.raft.core.Ready;
import dev.raftchat.raft.core.Role;
import dev.raftchat.raft.message.AppendRequest;
import dev.raftchat.raft.message.AppendResponse;
import dev.raftchat.raft.message.VoteResponse;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.storage.MemoryLogStorage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The pure core ({@link RaftNode}) over {@link MemoryLogStorage}, one member of a 3-voter group, no I/O. Times are
 * per batch of {@code batchEntries} entries of {@code payloadBytes}; each call runs the caller's whole Ready
 * cycle (ready, persist into memory, advance), as the runtime would.
 * <ul>
 *   <li>{@code followerAppend}: a follower steps an AppendRequest carrying the next batch (its leader commit
 *       covering the previous batch), and hands out the AppendResponse and the previous batch to apply.</li>
 *   <li>{@code leaderProposeAndCommit}: the leader proposes a batch (AppendRequests to both followers), persists
 *       it, steps both followers' AppendResponses, commits and hands the batch out to apply.</li>
 * </ul>
 * The memory log is compacted behind the applied index so its size stays bounded.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class RaftNodeBenchmark {
    static final long TERM = 1;
    static final long LEADER = 1;
    /** Compact the memory log once it holds this many entries. */
    static final long LOG_ENTRIES_MAX = 100_000;

    /** Runs one Ready cycle the way the runtime does, with memory storage; returns what was handed out. */
    static Ready drain(RaftNode node, MemoryLogStorage storage) {
        Ready ready = node.ready();
        storage.append(ready.entries());
        if (ready.hardState() != null) {
            storage.saveHardState(ready.hardState());
        }
        node.advance(ready);
        return ready;
    }

    static void compactIfLarge(MemoryLogStorage storage, long appliedIndex) {
        if (appliedIndex - storage.compactedThrough().index() > LOG_ENTRIES_MAX) {
            storage.compact(new LogPosition(TERM, appliedIndex));
        }
    }

    /** A follower of node 1 in term 1, holding every batch sent so far. */
    @State(Scope.Thread)
    public static class FollowerState {
        @Param({"1", "64"})
        public int batchEntries;

        @Param({"256"})
        public int payloadBytes;

        MemoryLogStorage storage;
        RaftNode node;
        List<Entry> template;

        @Setup(Level.Trial)
        public void setUp() {
            template = Fixtures.entries(TERM, 1, batchEntries, payloadBytes);
            storage = new MemoryLogStorage();
            node = new RaftNode(NodeConfig.defaults(2, 7).withPreVote(false), storage, ConfState.ofVoters(1, 2, 3));
            node.step(new AppendRequest(LEADER, 2, TERM, 0, 0, List.of(), 0));
            drain(node, storage);
            if (node.leaderId() != LEADER || node.term() != TERM) {
                throw new IllegalStateException("follower did not accept node 1 as leader: " + node.status());
            }
        }

        /** One AppendRequest for the next batch; its leader commit covers what the follower already holds. */
        Ready appendNextBatch() {
            long previous = storage.lastIndex();
            long previousTerm = previous == 0 ? 0 : TERM;
            node.step(new AppendRequest(
                    LEADER,
                    2,
                    TERM,
                    previous,
                    previousTerm,
                    Fixtures.renumber(template, TERM, previous + 1),
                    previous));
            Ready ready = drain(node, storage);
            if (ready.messagesAfterSync().size() != 1
                    || !(ready.messagesAfterSync().get(0) instanceof AppendResponse response)
                    || !response.success()) {
                throw new IllegalStateException("follower did not acknowledge the batch: " + ready);
            }
            compactIfLarge(storage, previous);
            return ready;
        }
    }

    /** Node 1, leader of {1, 2, 3} in term 1, with both followers caught up. */
    @State(Scope.Thread)
    public static class LeaderState {
        @Param({"1", "64"})
        public int batchEntries;

        @Param({"256"})
        public int payloadBytes;

        MemoryLogStorage storage;
        RaftNode node;
        List<byte[]> commands;

        @Setup(Level.Trial)
        public void setUp() {
            commands = new ArrayList<>();
            for (int i = 0; i < batchEntries; i++) {
                commands.add(Fixtures.payload(payloadBytes, i));
            }
            storage = new MemoryLogStorage();
            node = new RaftNode(
                    NodeConfig.defaults(LEADER, 7).withPreVote(false), storage, ConfState.ofVoters(1, 2, 3));
            node.campaign();
            drain(node, storage);
            node.step(new VoteResponse(2, LEADER, node.term(), false, true));
            drain(node, storage);
            if (node.role() != Role.LEADER) {
                throw new IllegalStateException("node 1 did not become leader: " + node.status());
            }
            acknowledge(storage.lastIndex());
            drain(node, storage);
        }

        void acknowledge(long index) {
            node.step(new AppendResponse(2, LEADER, node.term(), true, index, 0, 0));
            node.step(new AppendResponse(3, LEADER, node.term(), true, index, 0, 0));
        }

        Ready proposeAndCommit() {
            node.propose(commands);
            Ready replicate = drain(node, storage);
            if (replicate.messages().size() != 2 || replicate.entries().size() != commands.size()) {
                throw new IllegalStateException("leader did not replicate the batch: " + replicate);
            }
            long last = storage.lastIndex();
            acknowledge(last);
            Ready commit = drain(node, storage);
            List<Entry> applied = commit.committedEntries();
            if (applied.isEmpty() || applied.get(applied.size() - 1).index() != last) {
                throw new IllegalStateException("leader did not commit through " + last + ": " + commit);
            }
            compactIfLarge(storage, last);
            return commit;
        }
    }

    @Benchmark
    public Ready followerAppend(FollowerState state) {
        return state.appendNextBatch();
    }

    @Benchmark
    public Ready leaderProposeAndCommit(LeaderState state) {
        return state.proposeAndCommit();
    }
}
