package dev.raftchat.raft.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.message.HeartbeatRequest;
import dev.raftchat.raft.message.HeartbeatResponse;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.message.ReadIndexRequest;
import dev.raftchat.raft.message.ReadIndexResponse;
import dev.raftchat.raft.message.TimeoutNow;
import dev.raftchat.raft.model.ReadState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The four ways a read lease outlived the followers' promise not to vote (issue 17, bug 1), and read
 * contexts answered across a restart (bug 2). Every test drives pure nodes tick by tick.
 */
class LeaseAndReadContextTest {

    private static final int ELECTION = NodeConfig.DEFAULT_ELECTION_TIMEOUT_TICKS;
    private static final int DRIFT = 2;
    /** The lease window: electionTimeoutTicks - leaseClockDriftTicks. */
    private static final int WINDOW = ELECTION - DRIFT;

    private static TestCluster leaseCluster() {
        TestCluster c = new TestCluster(3, cfg -> cfg.withLeaseReads(true, DRIFT));
        c.elect(1);
        c.tickAll(2); // a heartbeat round, answered
        return c;
    }

    /** Asks node 1 for a read and reports whether it was answered at once, from the lease. */
    private static boolean servedFromLease(TestCluster c, long context) {
        assertThat(c.node(1).role()).isEqualTo(Role.LEADER);
        c.readStates.get(1L).clear();
        c.node(1).readIndex(context);
        c.processReady();
        boolean served = c.readStates.get(1L).stream().anyMatch(r -> r.context() == context && r.confirmed());
        c.inFlight.clear(); // the heartbeat round a non-lease read starts: nobody hears it
        return served;
    }

    /** Ticks only node 1, dropping whatever it sends (it is cut off). */
    private static void tickLeaderAlone(TestCluster c, int ticks) {
        for (int i = 0; i < ticks; i++) {
            c.tick(1, 1);
            c.inFlight.clear();
        }
    }

    @Test
    @DisplayName(
            "thesis §6.4.1: the lease runs from when the heartbeat was sent, not from when its late answer arrived")
    void leaseIsMeasuredFromTheSendOfTheAnsweredHeartbeat() {
        TestCluster c = leaseCluster();
        c.inFlight.clear();
        // The next heartbeat round leaves now; the followers reset their election timers as it arrives.
        c.tick(1, NodeConfig.DEFAULT_HEARTBEAT_INTERVAL_TICKS);
        List<Message> heartbeats = new ArrayList<>(c.inFlight);
        assertThat(heartbeats).hasSize(2).allMatch(m -> m instanceof HeartbeatRequest);
        c.inFlight.clear();
        for (Message m : heartbeats) {
            c.node(m.to()).step(m);
        }
        c.processReady();
        // Their answers are delayed (a slow follower sync, a slow network) by most of the window.
        List<Message> answers = new ArrayList<>(c.inFlight);
        assertThat(answers).hasSize(2).allMatch(m -> m instanceof HeartbeatResponse);
        c.inFlight.clear();
        tickLeaderAlone(c, WINDOW - 1);
        for (Message m : answers) {
            c.node(1).step(m);
        }
        c.processReady();
        c.inFlight.clear();
        assertThat(servedFromLease(c, 1))
                .as("%s ticks after the send: inside the lease", WINDOW - 1)
                .isTrue();
        tickLeaderAlone(c, 2);
        // The followers' stickiness, counted from the heartbeat's arrival, ends an election timeout after
        // the send; measured from the answers' arrival the lease would run until 2 * WINDOW - 1.
        assertThat(servedFromLease(c, 2))
                .as("%s ticks after the send: the lease has expired", WINDOW + 1)
                .isFalse();
    }

    @Test
    @DisplayName("thesis §3.10, §6.4.1: an abandoned transfer voids the lease while its TimeoutNow can still elect")
    void abandonedTransferKeepsTheLeaseVoidWhileItsTimeoutNowMayArrive() {
        TestCluster c = leaseCluster();
        c.node(1).transferLeadership(3); // node 3 is up to date: TimeoutNow leaves at once
        c.processReady();
        List<Message> timeoutNow = new ArrayList<>();
        c.inFlight.removeIf(m -> m instanceof TimeoutNow && timeoutNow.add(m)); // delayed in the network
        assertThat(timeoutNow).hasSize(1);
        c.tickAll(ELECTION); // the transfer is abandoned; the followers answer every heartbeat
        assertThat(c.node(1).transferee()).isZero();
        assertThat(c.node(1).role()).isEqualTo(Role.LEADER);
        assertThat(servedFromLease(c, 1))
                .as("the lease stays void: the delayed TimeoutNow can still start an election")
                .isFalse();

        // Why: the late TimeoutNow makes node 3 campaign with a transfer's vote requests, which node 2
        // grants although it has just heard from node 1.
        c.node(3).step(timeoutNow.get(0));
        c.stabilize();
        assertThat(c.leader()).isEqualTo(3);
    }

    @Test
    @DisplayName("thesis §3.10, §6.4.1: an election timeout after an abandoned transfer, the lease works again")
    void leaseResumesAnElectionTimeoutAfterTheAbandonedTransfer() {
        TestCluster c = leaseCluster();
        c.node(1).transferLeadership(3);
        c.processReady();
        c.inFlight.removeIf(m -> m instanceof TimeoutNow); // lost
        c.tickAll(ELECTION);
        assertThat(servedFromLease(c, 1)).isFalse();
        c.tickAll(ELECTION);
        assertThat(servedFromLease(c, 2)).isTrue();
    }

    @Test
    @DisplayName("thesis §4.2.3, §6.4.1: a restarted follower keeps the stickiness its pre-crash answer promised")
    void restartedFollowerDoesNotVoteWhileItsOldAnswerBacksTheLease() {
        TestCluster c = leaseCluster(); // nodes 2 and 3 answered node 1's heartbeat just now
        assertThat(servedFromLease(c, 1)).isTrue();
        c.restart(3);
        c.isolate(1);
        c.node(2).campaign(); // node 2 is cut off from node 1 and tries to take over with node 3's vote
        c.stabilize();
        assertThat(c.node(2).role())
                .as("node 3 promised node 1 not to vote for an election timeout; its restart must not end that")
                .isNotEqualTo(Role.LEADER);
        assertThat(servedFromLease(c, 2)).as("node 1's lease is still valid").isTrue();

        // Once an election timeout has passed since its restart, node 3 votes again.
        for (int i = 0; i < ELECTION; i++) {
            c.node(3).tick();
            c.node(2).tick();
            c.stabilize();
        }
        c.node(2).campaign();
        c.stabilize();
        assertThat(c.leader()).isIn(2L, 3L);
    }

    @Test
    @DisplayName("thesis §6.4.1: ticks the runtime lost in a stall still age the lease")
    void lostTicksAgeTheLease() {
        TestCluster c = leaseCluster();
        c.isolate(1);
        assertThat(servedFromLease(c, 1)).isTrue();
        c.node(1).ticksLost(WINDOW);
        c.tick(1, 1);
        c.inFlight.clear();
        assertThat(c.node(1).role()).as("no timer fired for the lost ticks").isEqualTo(Role.LEADER);
        assertThat(servedFromLease(c, 2)).isFalse();
    }

    @Test
    @DisplayName(
            "thesis §6.4: a follower accepts a ReadIndex answer only for a context it asked, from the node it asked")
    void followerIgnoresAnswersToContextsItDidNotAsk() {
        TestCluster c = new TestCluster(3);
        c.elect(1);
        c.node(1).propose(TestCluster.commands("w"));
        c.stabilize();
        long term = c.node(3).term();

        // A late answer to a context of node 3's previous run (it asked context 1 before restarting).
        c.node(3).readIndex(1);
        c.processReady();
        List<Message> asked = new ArrayList<>(c.inFlight);
        assertThat(asked).singleElement().isInstanceOf(ReadIndexRequest.class);
        c.inFlight.clear();
        c.restart(3);
        c.tickAll(2); // node 3 hears its leader again
        c.node(3).step(new ReadIndexResponse(1, 3, term, 1, 1, true));
        c.node(3).step(new ReadIndexResponse(2, 3, term, 1, 1, true)); // and from a node never asked
        c.processReady();
        assertThat(c.readStates.get(3L))
                .as("no context of this run was answered")
                .isEmpty();

        // This run's own read, asked of node 1: an answer from node 2 does not count, node 1's does.
        c.node(3).readIndex(2);
        c.processReady();
        c.inFlight.clear();
        c.node(3).step(new ReadIndexResponse(2, 3, term, 2, 1, true));
        c.processReady();
        assertThat(c.readStates.get(3L)).isEmpty();
        c.node(3).step(new ReadIndexResponse(1, 3, term, 2, 2, true));
        c.processReady();
        assertThat(c.readStates.get(3L)).containsExactly(new ReadState(2, 2, true));
    }

    @Test
    @DisplayName("thesis §6.4: a follower's outstanding reads fail when its term changes")
    void followerFailsItsOutstandingReadsOnANewTerm() {
        TestCluster c = new TestCluster(3);
        c.elect(1);
        c.node(3).readIndex(7);
        c.processReady();
        c.inFlight.clear(); // the request is lost
        c.isolate(1);
        c.tickAll(3 * ELECTION); // nodes 2 and 3 elect a new leader
        assertThat(c.node(3).term()).isGreaterThan(1);
        assertThat(c.readStates.get(3L)).containsExactly(new ReadState(7, -1, false));
    }
}
