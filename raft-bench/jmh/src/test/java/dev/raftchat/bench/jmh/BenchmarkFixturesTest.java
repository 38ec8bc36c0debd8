package dev.raftchat.bench.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.core.Ready;
import dev.raftchat.raft.message.AppendRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs each benchmark's body a few times outside JMH, so that a broken fixture (a follower that stops
 * acknowledging, a leader that stops committing, a read that comes back short) fails the build instead of
 * producing a meaningless figure. Speed is not asserted here.
 */
class BenchmarkFixturesTest {

    @Test
    void runtimeCompletesEveryProposalOfEachBatchAndCompactsItsLog() {
        RuntimeProposalBenchmark bench = new RuntimeProposalBenchmark();
        bench.batchProposals = 128;
        bench.payloadBytes = 256;
        bench.setUp();
        int batches = (int) (RuntimeProposalBenchmark.LOG_ENTRIES_MAX / 128) + 10;
        for (int i = 0; i < batches; i++) {
            assertThat(bench.proposeCommitApplyComplete()).isEqualTo(128);
        }
        assertThat(bench.storage().compactedThrough().index()).isGreaterThan(0);
        assertThat(bench.storage().lastIndex()).isGreaterThan((long) batches * 128);
    }

    @Test
    void codecRoundTripsTheBenchmarkedMessages() {
        MessageCodecBenchmark bench = new MessageCodecBenchmark();
        bench.entries = 64;
        bench.payloadBytes = 256;
        bench.setUp();
        assertThat(bench.encodeAppendRequest().length).isGreaterThan(64 * 256);
        AppendRequest decoded = (AppendRequest) bench.decodeAppendRequest();
        assertThat(decoded.entries()).hasSize(64);
        assertThat(decoded.entries().get(0).data()).hasSize(256);
        assertThat(bench.decodeAppendResponse().to()).isEqualTo(1);
        assertThat(bench.encodeAppendResponse()).isNotEmpty();
    }

    @Test
    void followerAcknowledgesEveryBatchAndAppliesThePreviousOne() {
        RaftNodeBenchmark.FollowerState state = new RaftNodeBenchmark.FollowerState();
        state.batchEntries = 64;
        state.payloadBytes = 256;
        state.setUp();
        for (int i = 0; i < 5; i++) {
            state.appendNextBatch();
        }
        Ready ready = state.appendNextBatch();
        assertThat(state.storage.lastIndex()).isEqualTo(6 * 64);
        assertThat(ready.committedEntries()).hasSize(64);
        assertThat(ready.committedEntries().get(63).index()).isEqualTo(5 * 64);
    }

    @Test
    void followerLogStaysBoundedByCompaction() {
        RaftNodeBenchmark.FollowerState state = new RaftNodeBenchmark.FollowerState();
        state.batchEntries = 64;
        state.payloadBytes = 8;
        state.setUp();
        int batches = (int) (RaftNodeBenchmark.LOG_ENTRIES_MAX / 64) + 10;
        for (int i = 0; i < batches; i++) {
            state.appendNextBatch();
        }
        assertThat(state.storage.compactedThrough().index()).isGreaterThan(0);
        assertThat(state.storage.lastIndex() - state.storage.compactedThrough().index())
                .isLessThanOrEqualTo(RaftNodeBenchmark.LOG_ENTRIES_MAX + 64);
    }

    @Test
    void leaderCommitsEveryBatch() {
        RaftNodeBenchmark.LeaderState state = new RaftNodeBenchmark.LeaderState();
        state.batchEntries = 64;
        state.payloadBytes = 256;
        state.setUp();
        long before = state.storage.lastIndex();
        for (int i = 0; i < 10; i++) {
            Ready commit = state.proposeAndCommit();
            assertThat(commit.committedEntries()).hasSize(64);
        }
        assertThat(state.storage.lastIndex()).isEqualTo(before + 640);
    }

    @Test
    void fileLogAppendsAndReadsFullBatches() throws Exception {
        FileLogStorageBenchmark bench = new FileLogStorageBenchmark();
        FileLogStorageBenchmark.AppendState append = new FileLogStorageBenchmark.AppendState();
        append.batchEntries = 64;
        append.payloadBytes = 256;
        append.sync = false;
        append.setUp();
        try {
            for (int i = 0; i < 3; i++) {
                bench.append(append);
            }
            assertThat(append.log.lastIndex()).isEqualTo(3 * 64);
        } finally {
            append.tearDown();
        }
        FileLogStorageBenchmark.ReadState read = new FileLogStorageBenchmark.ReadState();
        read.batchEntries = 64;
        read.payloadBytes = 256;
        read.setUp();
        try {
            List<?> cached = bench.readCached(read);
            List<?> fromFile = bench.readFromFile(read);
            assertThat(cached).hasSize(64);
            assertThat(fromFile).hasSize(64);
        } finally {
            read.tearDown();
        }
    }
}
