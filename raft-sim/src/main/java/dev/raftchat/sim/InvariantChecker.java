package dev.raftchat.sim;

import dev.raftchat.raft.core.Ready;
import dev.raftchat.raft.core.Role;
import dev.raftchat.raft.message.AppendResponse;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.message.VoteResponse;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.storage.LogStorage;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Raft safety properties (Raft Figure 3), checked incrementally as each node's {@link Ready} is
 * handled, so that a violation is reported at the event that caused it:
 * <ul>
 *   <li><b>election safety</b>: at most one leader per term, over the whole history;</li>
 *   <li><b>leader append-only</b>: a leader never overwrites or deletes entries of its own log;</li>
 *   <li><b>log matching</b>: two entries with the same index and term have identical prefixes (each log
 *       is summarised by a hash chain, so comparing one number compares a whole prefix);</li>
 *   <li><b>leader completeness</b>: an entry committed in term U is in the log of every leader of a
 *       term above U — checked when a leader is elected and when a leader commits;</li>
 *   <li><b>state machine safety</b>: no two nodes apply different entries at one index, nothing
 *       is applied twice or beyond the commit index, every node's state after applying an index is the
 *       same, and a snapshot restores exactly the state nodes had at its index;</li>
 *   <li><b>durability</b>: a node's term never decreases and its vote never changes within a term,
 *       across restarts too (what was synced must come back).</li>
 * </ul>
 * Logs may be compacted behind snapshots: entries below a node's first index are no longer readable, so
 * the view of a compacted prefix is the committed prefix (a snapshot only ever covers applied entries, and
 * that a compaction point is committed is itself checked).
 * Violations throw {@link SimulationFailure}. Used from the simulator's thread only.
 */
final class InvariantChecker {

    private static final long UNKNOWN_COMMIT_TERM = Long.MAX_VALUE;

    private final NodeView[] nodes;
    private final Counters counters;
    private final Map<Long, Integer> leaderOfTerm = new HashMap<>();
    /** Hash of the log prefix ending at each (index, term) ever written anywhere. */
    private final Map<LogPosition, Long> prefixHashAt = new HashMap<>();
    /** committedPrefixHash.get(i): hash of the committed prefix ending at index i (0 at index 0). */
    private final LongList committedPrefixHash = new LongList();
    /** The lowest term of a leader that committed index i (non-decreasing in i). */
    private final LongList commitTerm = new LongList();

    private int lastLeader = -1;
    /** stateHashAt.get(i): hash of the state machine after applying index i, as the first node to get there saw it. */
    private final LongList stateHashAt = new LongList();

    InvariantChecker(int nodeCount, Counters counters) {
        this.counters = counters;
        nodes = new NodeView[nodeCount];
        for (int i = 0; i < nodeCount; i++) {
            nodes[i] = new NodeView();
        }
        committedPrefixHash.add(0);
        commitTerm.add(0);
        stateHashAt.add(0);
    }

    /** What the checker knows of one node's current incarnation. */
    private static final class NodeView {
        final LongList prefixHash = new LongList();
        long term;
        long votedFor;
        long commit;
        long applied;
        Role role = Role.FOLLOWER;
        long leaderId;
        boolean up;
        /** The latest vote this node sent (granted, not a PreVote): a promise its restart must keep. */
        long voteSentTerm;

        long voteSentFor;
        /** The latest append it acknowledged: in that term its log holds at least that index durably. */
        long ackSentTerm;

        long ackSentIndex;

        NodeView() {
            prefixHash.add(0);
        }

        long lastIndex() {
            return prefixHash.size() - 1L;
        }
    }

    Role role(int node) {
        return nodes[node].role;
    }

    long term(int node) {
        return nodes[node].term;
    }

    long leaderId(int node) {
        return nodes[node].leaderId;
    }

    long commit(int node) {
        return nodes[node].commit;
    }

    long applied(int node) {
        return nodes[node].applied;
    }

    /**
     * A node (re)starts on {@code storage}. {@code lastSynced} is the hard state the previous incarnation
     * last made durable (EMPTY for a first start): what was synced must come back. Its state machine was
     * restored to {@code restoredIndex} (0 without a snapshot), with state hash {@code restoredStateHash}.
     */
    void onStart(int node, LogStorage storage, HardState lastSynced, long restoredIndex, long restoredStateHash) {
        NodeView v = nodes[node];
        HardState durable = storage.hardState();
        if (durable.term() < lastSynced.term()) {
            fail(
                    "node %d restarted with term %d, but term %d had been synced",
                    node + 1, durable.term(), lastSynced.term());
        }
        if (durable.term() == lastSynced.term()
                && lastSynced.votedFor() != HardState.NO_VOTE
                && durable.votedFor() != lastSynced.votedFor()) {
            fail(
                    "node %d restarted with vote %d in term %d, but vote %d had been synced",
                    node + 1, durable.votedFor(), durable.term(), lastSynced.votedFor());
        }
        // Entries recovery reported lost to an injected bit flip (repairThroughIndex) still bind the node: it
        // votes only for a candidate that holds them until a leader has replicated them back, which keeps the
        // acknowledgement's promise.
        checkPromisesKept(node, v, durable, Math.max(storage.lastIndex(), storage.repairThroughIndex()));
        v.term = durable.term();
        v.votedFor = durable.votedFor();
        v.commit = durable.commit();
        v.applied = 0;
        v.role = Role.FOLLOWER;
        v.leaderId = 0;
        v.up = true;
        v.prefixHash.truncate(1);
        fillCompactedPrefix(node, v, storage.compactedThrough().index());
        if (storage.lastIndex() >= storage.firstIndex()) {
            appendToView(node, v, storage.entries(storage.firstIndex(), storage.lastIndex() + 1, Long.MAX_VALUE));
        }
        if (restoredIndex > 0) {
            if (restoredIndex > v.lastIndex()) {
                fail(
                        "node %d restarted from snapshot %d beyond its log (last index %d)",
                        node + 1, restoredIndex, v.lastIndex());
            }
            checkRestoredState(node, restoredIndex, restoredStateHash);
            v.applied = restoredIndex;
        }
        if (v.commit > v.lastIndex() && storage.repairThroughIndex() >= v.commit) {
            // Recovery reported synced entries lost to corruption (a bit flip the file disk injected): the
            // node knows it, votes only for candidates that hold them until a leader repairs it, and its commit
            // index is clamped.
            v.commit = v.lastIndex();
        }
        if (v.commit > v.lastIndex()) {
            fail(
                    "node %d restarted with commit %d beyond its durable log (last index %d)",
                    node + 1, v.commit, v.lastIndex());
        }
    }

    /**
     * Compaction removed entries through {@code compactedIndex}, which a snapshot covers: a snapshot
     * holds applied, hence committed, entries, so the view's prefix there is the committed prefix.
     */
    private void fillCompactedPrefix(int node, NodeView v, long compactedIndex) {
        if (compactedIndex > committedPrefixHash.size() - 1) {
            fail(
                    "node %d's log is compacted through %d, beyond anything committed (%d)",
                    node + 1, compactedIndex, committedPrefixHash.size() - 1);
        }
        for (int i = 1; i <= compactedIndex; i++) {
            v.prefixHash.add(committedPrefixHash.get(i));
        }
    }

    /**
     * A follower installed a leader's snapshot of the state at {@code snapshotIndex} (state hash
     * {@code stateHash}) and compacted {@code storage} to it. The snapshot must be of committed state,
     * newer than what the node applied, and equal to the state every other node had at that index.
     */
    void onSnapshotInstalled(int node, LogStorage storage, long snapshotIndex, long stateHash) {
        NodeView v = nodes[node];
        if (snapshotIndex <= v.applied) {
            fail(
                    "node %d installs a snapshot at index %d but applied through %d already",
                    node + 1, snapshotIndex, v.applied);
        }
        int si = Math.toIntExact(snapshotIndex);
        if (si > committedPrefixHash.size() - 1) {
            fail(
                    "node %d installs a snapshot at index %d, beyond anything committed (%d)",
                    node + 1, snapshotIndex, committedPrefixHash.size() - 1);
        }
        if (storage.lastIndex() <= snapshotIndex
                && v.lastIndex() > si
                && v.prefixHash.get(si) == committedPrefixHash.get(si)) {
            // Raft §7: a follower that holds the snapshot's last entry keeps the entries after it; they may
            // be acknowledged, even committed, and the snapshot knows nothing of them.
            fail(
                    "node %d installs a snapshot at index %d over the newer entries of its log (last index %d), "
                            + "which already held the snapshot's last entry",
                    node + 1, snapshotIndex, v.lastIndex());
        }
        if (storage.lastIndex() > snapshotIndex) {
            // The log held the snapshot's last entry and keeps what follows it: its prefix must be committed.
            if (v.lastIndex() < si || v.prefixHash.get(si) != committedPrefixHash.get(si)) {
                fail(
                        "node %d installs a snapshot at index %d that its log holds, but its log up to there differs "
                                + "from what was committed",
                        node + 1, snapshotIndex);
            }
        } else {
            v.prefixHash.truncate(1);
            fillCompactedPrefix(node, v, snapshotIndex);
        }
        checkRestoredState(node, snapshotIndex, stateHash);
        v.applied = snapshotIndex;
    }

    /** A state restored from a snapshot must be the state the first node to apply that index had. */
    private void checkRestoredState(int node, long index, long stateHash) {
        if (index > stateHashAt.size() - 1) {
            fail(
                    "node %d restores a snapshot at index %d, beyond any node's applied state (%d)",
                    node + 1, index, stateHashAt.size() - 1);
        }
        if (stateHashAt.get(Math.toIntExact(index)) != stateHash) {
            fail(
                    "state machine safety: node %d restores a snapshot at index %d whose state differs from the state "
                            + "applied there",
                    node + 1, index);
        }
    }

    /** After node applied {@code index} its state machine's hash is {@code stateHash}: same on every node. */
    void onStateAfter(int node, long index, long stateHash) {
        int i = Math.toIntExact(index);
        if (i == stateHashAt.size()) {
            stateHashAt.add(stateHash);
        } else if (i > stateHashAt.size()) {
            fail("node %d reaches state %d before any node reached state %d", node + 1, index, stateHashAt.size());
        } else if (stateHashAt.get(i) != stateHash) {
            fail(
                    "state machine safety: node %d's state after applying index %d differs from another node's",
                    node + 1, index);
        }
    }

    /**
     * A message leaves node {@code node}. Votes and acknowledgements are promises: a node sends them only
     * once what they promise is durable (Raft Figure 2, "respond after persisting"), so a restart must find
     * it. Checked when the node restarts ({@link #onStart}).
     */
    void onSend(int node, Message m) {
        NodeView v = nodes[node];
        if (m instanceof VoteResponse vote && vote.granted() && !vote.preVote()) {
            v.voteSentTerm = vote.term();
            v.voteSentFor = vote.to();
        } else if (m instanceof AppendResponse ack && ack.success()) {
            if (ack.term() > v.ackSentTerm) {
                v.ackSentTerm = ack.term();
                v.ackSentIndex = ack.index();
            } else if (ack.term() == v.ackSentTerm) {
                v.ackSentIndex = Math.max(v.ackSentIndex, ack.index());
            }
        }
    }

    /** What the previous incarnation of {@code node} promised in votes and acknowledgements survived. */
    private void checkPromisesKept(int node, NodeView v, HardState durable, long durableLastIndex) {
        if (v.voteSentTerm > 0) {
            if (durable.term() < v.voteSentTerm) {
                fail(
                        "node %d restarted in term %d, but had sent its vote in term %d (the vote left before it was durable)",
                        node + 1, durable.term(), v.voteSentTerm);
            }
            if (durable.term() == v.voteSentTerm && durable.votedFor() != v.voteSentFor) {
                fail(
                        "node %d restarted with vote %d in term %d, but had sent its vote to %d (the vote left before it was durable)",
                        node + 1, durable.votedFor(), durable.term(), v.voteSentFor);
            }
        }
        if (v.ackSentTerm > 0) {
            if (durable.term() < v.ackSentTerm) {
                fail(
                        "node %d restarted in term %d, but had acknowledged an append in term %d",
                        node + 1, durable.term(), v.ackSentTerm);
            }
            // Within the term of the acknowledgement no leader can take back what it acknowledged. A node
            // that had since heard of a newer term (its hard state not yet synced) may have had those entries
            // overwritten by that term's leader legitimately (simulator seed 31701127).
            if (durable.term() == v.ackSentTerm && v.term == v.ackSentTerm && durableLastIndex < v.ackSentIndex) {
                fail(
                        "node %d restarted with its log ending at %d, but had acknowledged index %d in term %d "
                                + "(the acknowledgement left before the entries were durable)",
                        node + 1, durableLastIndex, v.ackSentIndex, v.ackSentTerm);
            }
            if (v.term > v.ackSentTerm) {
                // Excused once, excused for good: this restart resets the view's term to the durable one,
                // which may still be the acknowledgement's term (the newer term was not saved), and the next
                // restart would check the old promise again as if the node had never heard of a newer term
                // (simulator seed 96057698). The restarted node makes its own promises.
                v.ackSentTerm = 0;
                v.ackSentIndex = 0;
            }
        }
    }

    void onCrash(int node) {
        nodes[node].up = false;
        nodes[node].role = Role.FOLLOWER;
        nodes[node].leaderId = 0;
    }

    /**
     * Called with each Ready before the host persists it; {@code storedLastIndex} is the log's last index
     * and {@code commitIndex} the node's commit index as of this Ready.
     */
    void onReady(int node, Ready ready, long storedLastIndex, long commitIndex) {
        NodeView v = nodes[node];
        Role roleBefore = v.role;
        long termBefore = v.term;
        long commitBefore = v.commit;
        HardState hs = ready.hardState();
        if (hs != null) {
            if (hs.term() < v.term) {
                fail("node %d: term went back from %d to %d", node + 1, v.term, hs.term());
            }
            if (hs.term() == v.term && v.votedFor != HardState.NO_VOTE && hs.votedFor() != v.votedFor) {
                fail(
                        "node %d: vote changed from %d to %d within term %d",
                        node + 1, v.votedFor, hs.votedFor(), hs.term());
            }
            v.term = hs.term();
            v.votedFor = hs.votedFor();
        }
        if (commitIndex < v.commit) {
            fail("node %d: commit went back from %d to %d", node + 1, v.commit, commitIndex);
        }
        v.commit = commitIndex;
        if (ready.softState() != null) {
            Role newRole = ready.softState().role();
            v.leaderId = ready.softState().leaderId();
            if (newRole != v.role) {
                switch (newRole) {
                    case CANDIDATE -> counters.increment(Counter.ELECTIONS_STARTED);
                    case PRE_CANDIDATE -> counters.increment(Counter.PRE_VOTES_STARTED);
                    default -> {}
                }
            }
            boolean elected = newRole == Role.LEADER && (v.role != Role.LEADER || v.term != termBefore);
            v.role = newRole;
            if (elected) {
                onElected(node, v);
            }
        }
        List<Entry> entries = ready.entries();
        if (!entries.isEmpty()) {
            long first = entries.get(0).index();
            if (storedLastIndex != v.lastIndex()) {
                fail(
                        "node %d: storage holds %d entries but the node wrote %d",
                        node + 1, storedLastIndex, v.lastIndex());
            }
            if (roleBefore == Role.LEADER && v.role == Role.LEADER && termBefore == v.term) {
                if (first <= v.lastIndex()) {
                    fail(
                            "leader append-only: leader %d of term %d overwrites its log from index %d (last %d)",
                            node + 1, v.term, first, v.lastIndex());
                }
                for (Entry e : entries) {
                    if (e.term() != v.term) {
                        fail("leader %d of term %d appends entry %s of another term", node + 1, v.term, e);
                    }
                }
            }
            if (first < 1 || first > v.lastIndex() + 1) {
                fail("node %d appends from index %d but its log ends at %d", node + 1, first, v.lastIndex());
            }
            v.prefixHash.truncate(Math.toIntExact(first));
            appendToView(node, v, entries);
        }
        if (v.role == Role.LEADER && v.commit > commitBefore) {
            onLeaderCommit(node, v);
        }
        if (v.commit > v.lastIndex()) {
            fail("node %d: commit %d beyond its last index %d", node + 1, v.commit, v.lastIndex());
        }
    }

    private void appendToView(int node, NodeView v, List<Entry> entries) {
        for (Entry e : entries) {
            if (e.index() != v.lastIndex() + 1) {
                fail("node %d: entries not contiguous: %s after index %d", node + 1, e, v.lastIndex());
            }
            long h = chain(v.prefixHash.get(v.prefixHash.size() - 1), e);
            v.prefixHash.add(h);
            Long known = prefixHashAt.putIfAbsent(e.position(), h);
            if (known != null && known != h) {
                fail(
                        "log matching: node %d holds entry %s whose log prefix differs from another node's "
                                + "entry at the same index and term",
                        node + 1, e);
            }
        }
    }

    private void onElected(int node, NodeView v) {
        counters.increment(Counter.LEADERS_ELECTED);
        Integer previous = leaderOfTerm.putIfAbsent(v.term, node);
        if (previous != null && previous != node) {
            fail("election safety: nodes %d and %d are both leaders of term %d", previous + 1, node + 1, v.term);
        }
        if (lastLeader != node) {
            if (lastLeader != -1) {
                counters.increment(Counter.LEADER_CHANGES);
            }
            lastLeader = node;
        }
        // Everything committed in an earlier term must be in the new leader's log (Raft §5.4).
        int p = committedPrefixHash.size() - 1;
        while (p > 0 && commitTerm.get(p) >= v.term) {
            p--;
        }
        requireCommittedPrefix(node, v, p, "elected leader of term " + v.term);
    }

    private void requireCommittedPrefix(int node, NodeView v, int index, String role) {
        if (index == 0) {
            return;
        }
        if (v.lastIndex() < index || v.prefixHash.get(index) != committedPrefixHash.get(index)) {
            fail(
                    "leader completeness: node %d, %s, lacks committed entries up to index %d (its log ends at %d)",
                    node + 1, role, index, v.lastIndex());
        }
    }

    private void onLeaderCommit(int node, NodeView v) {
        int c = Math.toIntExact(v.commit);
        if (c > v.lastIndex()) {
            fail("leader %d commits %d beyond its last index %d", node + 1, c, v.lastIndex());
        }
        // Raft §5.4.2 (Figure 8): a leader commits by counting replicas only an entry of its own term;
        // earlier entries are committed with it. Checked here because the consequence (an entry counted
        // committed, then overwritten) takes a rare sequence of elections, crashes and split batches.
        Long ownTermHash = prefixHashAt.get(new LogPosition(v.term, c));
        if (ownTermHash == null || ownTermHash != v.prefixHash.get(c)) {
            fail(
                    "commit rule (Raft §5.4.2, Figure 8): leader %d of term %d commits index %d, which holds an entry "
                            + "of an earlier term (committed by counting replicas)",
                    node + 1, v.term, c);
        }
        recordCommitted(node, v, c);
        // The commit term of every index up to c is at most this leader's term.
        for (int i = c; i > 0 && commitTerm.get(i) > v.term; i--) {
            commitTerm.set(i, v.term);
        }
        for (int other = 0; other < nodes.length; other++) {
            NodeView o = nodes[other];
            if (other != node && o.up && o.role == Role.LEADER && o.term > v.term) {
                requireCommittedPrefix(
                        other,
                        o,
                        c,
                        "leader of term " + o.term + " while leader " + (node + 1) + " of term " + v.term + " commits");
            }
        }
    }

    /** Extends or checks the committed prefix up to {@code index} with node's log. */
    private void recordCommitted(int node, NodeView v, int index) {
        int known = committedPrefixHash.size() - 1;
        if (index <= known) {
            if (v.prefixHash.get(index) != committedPrefixHash.get(index)) {
                fail(
                        "state machine safety: node %d's log up to committed index %d differs from what was "
                                + "committed",
                        node + 1, index);
            }
            return;
        }
        if (v.prefixHash.get(known) != committedPrefixHash.get(known)) {
            fail(
                    "state machine safety: node %d's log up to committed index %d differs from what was committed",
                    node + 1, known);
        }
        for (int i = known + 1; i <= index; i++) {
            committedPrefixHash.add(v.prefixHash.get(i));
            commitTerm.add(UNKNOWN_COMMIT_TERM);
        }
    }

    /** A confirmed ReadIndex read at {@code readIndex}: the index must be one the cluster committed. */
    void onReadIndex(int node, long readIndex) {
        if (readIndex > committedPrefixHash.size() - 1 && readIndex > nodes[node].commit) {
            fail(
                    "node %d got read index %d beyond anything committed (%d)",
                    node + 1, readIndex, committedPrefixHash.size() - 1);
        }
    }

    /** A node hands {@code entry} to its state machine. */
    void onApply(int node, Entry entry) {
        NodeView v = nodes[node];
        long index = entry.index();
        if (index != v.applied + 1) {
            fail("node %d applies index %d after %d", node + 1, index, v.applied);
        }
        if (index > v.commit) {
            fail("node %d applies index %d beyond its commit index %d", node + 1, index, v.commit);
        }
        if (index > v.lastIndex()) {
            fail("node %d applies index %d that is not in its log (last %d)", node + 1, index, v.lastIndex());
        }
        int i = Math.toIntExact(index);
        if (chain(v.prefixHash.get(i - 1), entry) != v.prefixHash.get(i)) {
            fail("node %d applies %s which differs from its log", node + 1, entry);
        }
        recordCommitted(node, v, i);
        v.applied = index;
        counters.increment(Counter.ENTRIES_APPLIED);
    }

    private static long chain(long previous, Entry e) {
        long h = previous;
        h = mix(h ^ e.term());
        h = mix(h ^ e.index());
        h = mix(h ^ e.type().code());
        long dataHash = 0xcbf29ce484222325L;
        for (byte b : e.data()) {
            dataHash = (dataHash ^ (b & 0xff)) * 0x100000001b3L;
        }
        return mix(h ^ dataHash ^ e.data().length);
    }

    /** MurmurHash3's 64-bit finaliser. */
    static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    @SuppressWarnings("AnnotateFormatMethod") // as in raft-core's Check: no annotation dependency for one method
    private static void fail(String format, Object... args) {
        throw new SimulationFailure(String.format(format, args));
    }
}
