package dev.raftchat.raft.core;

import static dev.raftchat.raft.core.ReadyDrain.drain;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.confchange.ConfChange;
import dev.raftchat.raft.message.AppendRequest;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.message.VoteRequest;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.EntryType;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.storage.ForwardingLogStorage;
import dev.raftchat.raft.storage.LogStorage;
import dev.raftchat.raft.storage.MemoryLogStorage;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Raft thesis §4.1: every server uses the latest configuration in its log, committed or not, for elections and
 * commitment. It takes effect when its entry is appended, reverts when a suffix holding it is truncated, and is
 * recovered from the log on restart. What the application sees ({@link Status#conf()}) stays the configuration
 * at the applied index.
 */
class LatestConfigurationTest {

    private static final int ELECTION_TIMEOUT_TICKS = NodeConfig.DEFAULT_ELECTION_TIMEOUT_TICKS;

    private static Entry conf(long term, long index, ConfChange change) {
        return new Entry(term, index, EntryType.CONFIG_CHANGE, change.encode());
    }

    /** The nodes {@code n} asks for (pre-)votes when it campaigns now: the voters of the configuration it uses. */
    private static Set<Long> campaignTargets(RaftNode n, LogStorage storage) {
        n.campaign();
        TreeSet<Long> targets = new TreeSet<>();
        for (Message m : drain(n, storage)) {
            if (m instanceof VoteRequest) {
                targets.add(m.to());
            }
        }
        return targets;
    }

    @Test
    @DisplayName("simulator seed 70052955: a node restarted without the commit that made it a voter is elected")
    void aNodeHoldingTheConfigurationThatMakesItAVoterIsElectedAfterARestartWithoutTheCommit() {
        TestCluster c = new TestCluster(3);
        c.elect(1);
        c.tickAll(2);
        c.join(4);
        c.node(1).proposeConfChange(ConfChange.addVoter(4));
        c.stabilize();
        c.tickAll(3);
        for (long id = 1; id <= 4; id++) {
            assertThat(c.node(id).status().conf()).as("node %s", id).isEqualTo(ConfState.ofVoters(1, 2, 3, 4));
        }
        // An entry that only node 4 receives: from now on node 4 holds the longest log, and only it can win.
        c.cut.add("1->2");
        c.cut.add("1->3");
        c.node(1).propose(TestCluster.commands("on 1 and 4 only"));
        c.stabilize();
        assertThat(c.node(4).status().lastIndex())
                .isGreaterThan(c.node(2).status().lastIndex());
        assertThat(c.node(2).status().lastIndex()).isEqualTo(c.node(3).status().lastIndex());
        // Node 1 goes away for good; node 4 loses power while replacing its hard state, so it restarts knowing
        // commit 0: it holds the configuration entries that make it a voter but does not know them committed.
        c.heal();
        c.isolate(1);
        HardState hs = c.storages.get(4L).hardState();
        c.storages.get(4L).saveHardState(new HardState(hs.term(), hs.votedFor(), 0));
        c.restart(4);
        assertThat(c.node(4).status().commitIndex()).isZero();
        assertThat(c.node(4).status().conf())
                .as("the application still sees the configuration at its applied index, the bootstrap one")
                .isEqualTo(ConfState.ofVoters(1, 2, 3));
        boolean removedAtRestart = c.node(4).isRemoved();
        // Nodes 2 and 3 cannot win (node 4 refuses: its log is longer; node 1 is gone): node 4 must campaign.
        c.tickAll(10 * ELECTION_TIMEOUT_TICKS);
        assertThat(c.leader()).isEqualTo(4L);
        assertThat(removedAtRestart)
                .as("a node whose log makes it a voter is not removed")
                .isFalse();
        c.tickAll(3);
        assertThat(c.appliedCommands(2)).contains("on 1 and 4 only");
        assertThat(c.node(4).status().conf()).isEqualTo(ConfState.ofVoters(1, 2, 3, 4));
    }

    @Test
    @DisplayName("thesis §4.1: a configuration takes effect on append and reverts when its entry is truncated")
    void truncatingAConfigurationEntryRevertsToThePreviousOne() {
        MemoryLogStorage storage = new MemoryLogStorage();
        storage.append(List.of(Entry.noOp(1, 1), conf(1, 2, ConfChange.addVoter(4))));
        storage.saveHardState(new HardState(1, 0, 1));
        RaftNode n = new RaftNode(NodeConfig.defaults(2, 7), storage, ConfState.ofVoters(1, 2, 3));
        drain(n, storage);
        assertThat(n.status().conf()).isEqualTo(ConfState.ofVoters(1, 2, 3));
        assertThat(campaignTargets(n, storage))
                .as("the joint configuration of the uncommitted entry 2 is in force")
                .containsExactly(1L, 3L, 4L);
        // Leader 3 of term 2 replaces entry 2: the joint configuration goes with it.
        n.step(new AppendRequest(3, 2, 2, 1, 1, List.of(Entry.noOp(2, 2)), 2));
        drain(n, storage);
        assertThat(n.status().lastIndex()).isEqualTo(2);
        assertThat(campaignTargets(n, storage)).containsExactly(1L, 3L);
        assertThat(n.status().conf()).isEqualTo(ConfState.ofVoters(1, 2, 3));
    }

    @Test
    @DisplayName("thesis §4.1: a node removed by an uncommitted entry does not campaign until that entry is truncated")
    void aRemovalThatIsTruncatedMakesTheNodeAVoterAgain() {
        MemoryLogStorage storage = new MemoryLogStorage();
        // The joint configuration removing node 3 is committed (2), the entry leaving it (3) is not.
        storage.append(List.of(Entry.noOp(1, 1), conf(1, 2, ConfChange.remove(3)), conf(1, 3, ConfChange.leave())));
        storage.saveHardState(new HardState(1, 0, 2));
        RaftNode n = new RaftNode(NodeConfig.defaults(3, 7), storage, ConfState.ofVoters(1, 2, 3));
        drain(n, storage);
        assertThat(campaignTargets(n, storage)).as("not a voter of [1, 2]").isEmpty();
        assertThat(n.role()).isEqualTo(Role.FOLLOWER);
        assertThat(n.isRemoved()).as("its removal is not committed").isFalse();
        n.step(new AppendRequest(1, 3, 2, 2, 1, List.of(Entry.noOp(2, 3)), 3));
        drain(n, storage);
        assertThat(n.status().conf())
                .as("applied through 3: the joint configuration")
                .isEqualTo(new ConfState(
                        new TreeSet<>(List.of(1L, 2L)), new TreeSet<>(List.of(1L, 2L, 3L)), new TreeSet<>()));
        assertThat(campaignTargets(n, storage)).containsExactly(1L, 2L);
    }

    @Test
    @DisplayName(
            "thesis §4.1: on restart the configuration is the snapshot's plus the entries after it, read from there")
    void aRestartRecoversTheLatestConfigurationFromTheEntriesAfterTheSnapshot() {
        MemoryLogStorage memory = new MemoryLogStorage();
        List<Entry> log = new ArrayList<>();
        for (long i = 1; i <= 5; i++) {
            log.add(Entry.normal(1, i, new byte[] {(byte) i}));
        }
        log.add(conf(1, 6, ConfChange.remove(3)));
        log.add(conf(1, 7, ConfChange.leave()));
        memory.append(log);
        memory.compact(new LogPosition(1, 5));
        memory.saveHardState(new HardState(1, 0, 5));
        List<Long> readFrom = new ArrayList<>();
        LogStorage storage = new ForwardingLogStorage(memory) {
            @Override
            public List<Entry> entries(long fromIndex, long toIndexExclusive, long maxBytes) {
                readFrom.add(fromIndex);
                return super.entries(fromIndex, toIndexExclusive, maxBytes);
            }
        };
        // Restored from the snapshot at 5, whose configuration is [1, 2, 3]; commit 5 known.
        RaftNode n = new RaftNode(NodeConfig.defaults(1, 7), storage, ConfState.ofVoters(1, 2, 3), 5);
        assertThat(readFrom).as("only entries after the snapshot are read").allMatch(from -> from >= 6);
        assertThat(n.status().conf()).isEqualTo(ConfState.ofVoters(1, 2, 3));
        assertThat(campaignTargets(n, storage))
                .as("entry 7's configuration [1, 2] is in force")
                .containsExactly(2L);
    }

    @Test
    @DisplayName("thesis §4.1: a leader counts a new configuration's quorum from the moment it appends it")
    void aLeaderUsesItsConfigurationChangeAsSoonAsItIsAppended() {
        TestCluster c = new TestCluster(3);
        c.elect(1);
        c.tickAll(2);
        c.isolate(3);
        long commit = c.node(1).status().commitIndex();
        // Node 4 never answers: the joint configuration [1, 2, 3, 4]&&[1, 2, 3] needs three of its new half.
        long index = c.node(1).proposeConfChange(ConfChange.addVoter(4));
        c.stabilize();
        assertThat(c.node(2).status().lastIndex()).isEqualTo(index);
        assertThat(c.node(1).status().commitIndex())
                .as("nodes 1 and 2 are a majority of [1, 2, 3] but not of [1, 2, 3, 4]")
                .isEqualTo(commit);
        assertThat(c.node(1).status().conf()).isEqualTo(ConfState.ofVoters(1, 2, 3));
        // With node 3 back, the joint entry commits and the leader leaves the joint configuration by itself,
        // which [1, 2, 3, 4] (node 4 silent) cannot commit: 1, 2 and 3 are three of four.
        c.heal();
        c.tickAll(3);
        assertThat(c.node(1).status().commitIndex()).isGreaterThan(index);
        assertThat(c.node(1).status().conf()).isEqualTo(ConfState.ofVoters(1, 2, 3, 4));
    }
}
