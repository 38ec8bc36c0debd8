package dev.raftchat.raft.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.storage.MemoryLogStorage;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Properties of the log arithmetic used by replication: append/truncate, stable tracking, conflict search. */
class RaftLogProperties {

    /** A log given as the term of each index (index i+1 has terms.get(i)); terms never decrease. */
    private static List<Entry> entries(List<Integer> termSteps) {
        List<Entry> list = new ArrayList<>();
        long term = 1;
        for (int i = 0; i < termSteps.size(); i++) {
            term += termSteps.get(i);
            list.add(Entry.normal(term, i + 1, new byte[] {(byte) i}));
        }
        return list;
    }

    /**
     * A follower log that obeys Log Matching with respect to {@code leader}: a common prefix of
     * {@code common} entries, then a divergent suffix written by leaders of other terms. The leader's
     * terms are odd and divergent terms even, so no divergent entry can share an (index, term) with the
     * leader's.
     */
    private static List<Entry> divergentFollower(List<Entry> leader, int common, List<Integer> divergentSteps) {
        List<Entry> follower = new ArrayList<>(leader.subList(0, Math.min(common, leader.size())));
        long term = follower.isEmpty() ? 2 : follower.get(follower.size() - 1).term() + 1;
        for (int step : divergentSteps) {
            term += 2L * step;
            follower.add(Entry.normal(term, follower.size() + 1, new byte[] {(byte) 99}));
        }
        return follower;
    }

    @Property
    void maybeAppendMakesTheFollowerAPrefixCopyOfTheLeader(
            @ForAll @Size(min = 1, max = 30) List<@IntRange(min = 0, max = 1) Integer> leaderSteps,
            @ForAll @IntRange(min = 0, max = 30) int common,
            @ForAll @Size(max = 30) List<@IntRange(min = 0, max = 2) Integer> divergentSteps,
            @ForAll @IntRange(min = 0, max = 60) int persistedPrefix) {
        List<Entry> leader = new ArrayList<>();
        long leaderTerm = 1;
        for (int i = 0; i < leaderSteps.size(); i++) {
            leaderTerm += 2L * leaderSteps.get(i);
            leader.add(Entry.normal(leaderTerm, i + 1, new byte[] {(byte) i}));
        }
        List<Entry> follower = divergentFollower(leader, common, divergentSteps);
        MemoryLogStorage storage = new MemoryLogStorage();
        int stable = Math.min(persistedPrefix, follower.size());
        storage.append(follower.subList(0, stable));
        RaftLog log = new RaftLog(storage, 0, 0);
        log.append(follower.subList(stable, follower.size()));

        // Leader probes backwards from its end the way RaftNode does, using findConflictByTerm hints.
        long next = leader.size() + 1L;
        int rounds = 0;
        while (true) {
            rounds++;
            long prev = next - 1;
            long prevTerm = prev == 0 ? 0 : leader.get((int) prev - 1).term();
            long last = log.maybeAppend(prev, prevTerm, 0, leader.subList((int) prev, leader.size()));
            if (last >= 0) {
                assertThat(last).isEqualTo(leader.size());
                break;
            }
            long hint = log.findConflictByTerm(Math.min(prev, log.lastIndex()), prevTerm);
            long hintTerm = Math.max(0, log.term(hint));
            // Leader side: the largest index <= hint whose term is <= hintTerm in the leader's log.
            long leaderHint = hint;
            while (leaderHint > 0 && leader.get((int) leaderHint - 1).term() > hintTerm) {
                leaderHint--;
            }
            assertThat(leaderHint).isLessThan(next);
            next = leaderHint + 1;
            assertThat(rounds).as("backtracking terminates").isLessThanOrEqualTo(leader.size() + 2);
        }
        List<Entry> result = log.entries(1, log.lastIndex() + 1, Long.MAX_VALUE);
        // Raft §5.3: the follower now holds the leader's log as a prefix; entries past the leader's end
        // that conflict with nothing are kept (a later AppendEntries overwrites them if needed).
        assertThat(log.lastIndex()).isGreaterThanOrEqualTo(leader.size());
        assertThat(result.subList(0, leader.size())).isEqualTo(leader);
        // Stabilizing the unstable part leaves storage holding exactly the same log.
        storage.append(log.unstableEntries());
        if (!log.unstableEntries().isEmpty()) {
            log.stableTo(log.lastPosition());
        }
        assertThat(storage.entries(1, storage.lastIndex() + 1, Long.MAX_VALUE)).isEqualTo(result);
        assertThat(log.lastStableIndex()).isEqualTo(log.lastIndex());
    }

    @Property
    void entriesRespectTheByteLimitButNeverReturnNothing(
            @ForAll @Size(min = 1, max = 30) List<@IntRange(min = 0, max = 1) Integer> steps,
            @ForAll @IntRange(min = 1, max = 300) int maxBytes,
            @ForAll @IntRange(min = 0, max = 30) int persisted) {
        List<Entry> all = entries(steps);
        MemoryLogStorage storage = new MemoryLogStorage();
        storage.append(all.subList(0, Math.min(persisted, all.size())));
        RaftLog log = new RaftLog(storage, 0, 0);
        log.append(all.subList(Math.min(persisted, all.size()), all.size()));
        List<Entry> batch = log.entries(1, all.size() + 1, maxBytes);
        assertThat(batch).isNotEmpty();
        assertThat(batch).isEqualTo(all.subList(0, batch.size()));
        long bytes = batch.stream().mapToLong(Entry::sizeBytes).sum();
        if (batch.size() > 1) {
            assertThat(bytes).isLessThanOrEqualTo(maxBytes);
        }
        if (batch.size() < all.size()) {
            assertThat(bytes + all.get(batch.size()).sizeBytes()).isGreaterThan(maxBytes);
        }
    }
}
