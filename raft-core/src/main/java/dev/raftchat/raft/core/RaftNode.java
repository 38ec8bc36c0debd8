package dev.raftchat.raft.core;

import dev.raftchat.raft.confchange.ConfChange;
import dev.raftchat.raft.internal.confchange.ConfChanger;
import dev.raftchat.raft.internal.quorum.VoteResult;
import dev.raftchat.raft.internal.tracker.Progress;
import dev.raftchat.raft.internal.tracker.ProgressTracker;
import dev.raftchat.raft.message.AppendRequest;
import dev.raftchat.raft.message.AppendResponse;
import dev.raftchat.raft.message.ForwardProposal;
import dev.raftchat.raft.message.HeartbeatRequest;
import dev.raftchat.raft.message.HeartbeatResponse;
import dev.raftchat.raft.message.InstallSnapshotRequest;
import dev.raftchat.raft.message.InstallSnapshotResponse;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.message.ReadIndexRequest;
import dev.raftchat.raft.message.ReadIndexResponse;
import dev.raftchat.raft.message.TimeoutNow;
import dev.raftchat.raft.message.VoteRequest;
import dev.raftchat.raft.message.VoteResponse;
import dev.raftchat.raft.model.Check;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.EntryType;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.model.ReadState;
import dev.raftchat.raft.model.SnapshotChunk;
import dev.raftchat.raft.model.SnapshotMeta;
import dev.raftchat.raft.storage.LogStorage;
import dev.raftchat.raft.storage.SnapshotSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.CRC32C;

/**
 * The Raft algorithm for one node, as a pure, deterministic object: no I/O, no threads, no clock, no
 * randomness but the seeded generator of its {@link NodeConfig}. The same inputs always give the same
 * outputs, which is what lets the simulator replay any run from its seed.
 *
 * <p><b>Inputs:</b> {@link #tick()} (logical time), {@link #step(Message)} (a peer's message),
 * {@link #propose(List)} and {@link #campaign()}. <b>Output:</b> {@link #ready()}, an immutable
 * {@link Ready} whose javadoc lists the caller's duties, acknowledged by {@link #advance(Ready)}.
 *
 * <p><b>Durability rules kept here:</b> a vote or an acknowledgement is only ever placed in
 * {@link Ready#messagesAfterSync()}; a leader counts its own log toward a commit quorum only for
 * entries confirmed durable — by {@link #advance(Ready)}, or by {@link #synced(LogPosition)} after
 * {@link #advanceWithoutSync(Ready)} (so it may replicate while it writes, thesis §10.2.1); committed
 * entries are handed out for applying only once they are durable locally; and acknowledgements never
 * leave while entries written without a sync are not known durable (such a Ready {@link Ready#needsSync()
 * needs a sync}).
 *
 * <p><b>Threading:</b> not thread-safe. One thread (the runtime's Raft thread, or the simulator) owns it.
 */
public final class RaftNode {

    /** 0 is never a node id; it stands for "no node" (no leader known, no vote cast). */
    public static final long NONE = 0;

    private final NodeConfig config;
    private final long id;
    private final SplittableRandom random;
    private final RaftLog log;
    private final SnapshotSource snapshots;

    // Persistent state (Raft Figure 2). Invariant: term never decreases; votedFor is reset on a new term.
    private long term;
    private long votedFor;
    private HardState persistedHardState;

    private Role role = Role.FOLLOWER;
    /** The leader of {@code term} as far as this node knows, or NONE. */
    private long leaderId = NONE;

    private Ready.SoftState reportedSoftState;

    /**
     * The latest configuration in the log, committed or not (thesis §4.1): who campaigns, whose votes count,
     * the commit quorum, CheckQuorum and the lease. Always {@code configs.latest()}; set by {@link
     * #latestConfChanged}.
     */
    private ConfState conf;
    /** The latest and the applied configuration, and the configuration entries between them. */
    private final Configurations configs;
    /** Leader: every member's progress, CheckQuorum activity and the read lease; candidates: the votes. */
    private final ProgressTracker tracker;

    /** Ticks since the last election timeout reset (followers: since hearing from the leader). */
    private int electionElapsed;

    private int heartbeatElapsed;
    /** Drawn from [electionTimeoutTicks, 2 * electionTimeoutTicks) at every reset (Raft §5.2). */
    private int randomizedElectionTimeout;

    /**
     * Logical time: ticks since this node object was created, plus ticks the runtime reports lost
     * ({@link #ticksLost(long)}). Ages the read lease and the stickiness of a restarted node.
     */
    private long now;
    /**
     * A restarted node that may have answered a leader's heartbeat before it crashed does not vote (and
     * ignores PreVotes) for anyone but a transfer until this tick, exactly as if it had heard from that
     * leader just before starting: its pre-crash answer may back that leader's read lease, which relies on
     * the answerer's stickiness lasting an election timeout (see {@link #handleTerm}).
     */
    private final long stickyUntilTick;

    /** Leader only: bytes of entries appended in this term and not yet committed and applied. */
    private long uncommittedBytes;

    /** Identifies this incarnation's forwarded proposals (see {@link ForwardProposal}). */
    private final long forwardSession;
    /**
     * From {@link LogStorage#repairThroughIndex()}: 0, or the index up to which this node lost entries it
     * had synced; cleared once the log is durable through it again. While non-zero: no campaigns, and votes
     * only for a candidate that provably holds what was lost ({@link #holdsWhatWeMayHaveLost}).
     */
    private long repairThroughIndex;
    /**
     * The term of the last entry of the lost log, {@link LogStorage#repairThroughTerm()}, when the storage
     * recorded it; otherwise the hard state's term when this incarnation started, a coarser bound: no entry
     * this node acknowledged before (and so no entry it lost) was of a later term, since an acknowledgement
     * leaves only after the term it carries is durable.
     */
    private final long repairTermBound;

    private long forwardSequence;
    /**
     * Leader only: per forwarding follower, the highest sequence seen in this term for each of its
     * sessions (incarnations), oldest session first. Remembering earlier sessions matters: a follower
     * that restarts gets a new session, and a late duplicate from its previous one must still be
     * recognized. Bounded by {@link #FORWARD_SESSIONS_PER_FOLLOWER_MAX}.
     */
    private final TreeMap<Long, LinkedHashMap<Long, Long>> forwardsSeen = new TreeMap<>();

    /** Sessions remembered per follower and term: that many restarts of one follower within one term. */
    static final int FORWARD_SESSIONS_PER_FOLLOWER_MAX = 16;

    /**
     * Leader only: the index of the latest configuration change in the log. No new change is accepted
     * until it is applied (one change at a time, and never on top of an unapplied one).
     */
    private long pendingConfIndex;

    /** Leader only: the voter a leadership transfer is handing over to, or NONE. */
    private long transferee = NONE;

    /**
     * Not leader: the reads this node asked the leader to confirm, by context, with the leader asked. Only
     * an answer to one of these, from that node, is accepted: a late answer to a context of an earlier run
     * (or one never asked) must not confirm a read at an old index. Bounded by pendingReadsMax; failed
     * when the term or role changes (the leader asked can no longer answer in our term).
     */
    private final TreeMap<Long, Long> readsAsked = new TreeMap<>();

    /** Leader only: linearizable reads waiting for a quorum's confirmation. */
    private final ReadIndexTracker reads = new ReadIndexTracker();

    /** Leader only: snapshot transfers in progress, per follower in the SNAPSHOT state. */
    private final TreeMap<Long, SnapshotTransfer> transfers = new TreeMap<>();

    /**
     * Follower only: the snapshot being received, from which leader in which term, and how many bytes of
     * it are staged. A partial snapshot is resumed only from the same sender in the same term (one run of
     * one leader, reading one snapshot): two nodes' snapshots with equal metadata may hold different bytes
     * (the state machine contract asks for logically equal state, not identical bytes), so resuming another
     * leader's transfer at our offset would splice two snapshots.
     */
    private SnapshotMeta receivingSnapshot;

    private long receivingFrom = NONE;
    private long receivingTerm;

    private long receivedSnapshotBytes;
    /** Follower only: the CRC32C of the {@code receivedSnapshotBytes} staged, checked against the last chunk's. */
    private final CRC32C receivedSnapshotCrc = new CRC32C();
    /** Leader only: the last snapshot whose whole checksum was computed, and that checksum (a cache). */
    private SnapshotMeta checksummedSnapshot;

    private long checksummedSnapshotCrc;

    /**
     * Follower only: the highest index known to match the log of {@code leaderId} in {@code term}, as
     * confirmed by an append (or snapshot) from it in this term; reset with the term and the leader.
     * A heartbeat commits no further than this or, when our last entry is of the current term (so it
     * came from this term's leader, and by Log Matching all before it matches too), our last index.
     */
    private long leaderConfirmedIndex;

    /** Messages dropped because their sender is not a member of the configuration (see {@link #step}). */
    private long nonMemberMessagesDropped;

    private List<Message> messages = new ArrayList<>();
    private List<Message> messagesAfterSync = new ArrayList<>();
    private List<ReadState> readStates = new ArrayList<>();
    private List<SnapshotChunk> snapshotChunks = new ArrayList<>();
    private SnapshotMeta snapshotToInstall;

    /**
     * One snapshot streamed to one follower: go-back-N over byte offsets. Chunks are sent while fewer
     * than {@code snapshotChunksInflightMax} chunks' worth of bytes are unacknowledged; without progress
     * for an election timeout the leader resends from the last acknowledged offset.
     */
    private static final class SnapshotTransfer {
        final SnapshotMeta meta;
        final long sizeBytes;
        /** The CRC32C of the whole snapshot, sent with the last chunk. */
        final long crc32c;

        long sentOffset;
        long ackedOffset;
        boolean lastChunkSent;
        int ticksWithoutProgress;

        SnapshotTransfer(SnapshotMeta meta, long sizeBytes, long crc32c) {
            this.meta = meta;
            this.sizeBytes = sizeBytes;
            this.crc32c = crc32c;
        }
    }

    /**
     * Creates a node over {@code storage}, resuming from the hard state and log it holds.
     *
     * @param initialConf the membership to start with (the log's later configuration changes win)
     */
    public RaftNode(NodeConfig config, LogStorage storage, ConfState initialConf) {
        this(
                config,
                storage,
                SnapshotSource.NONE,
                initialConf,
                storage.compactedThrough().index());
    }

    /**
     * Creates a node whose state machine has already applied up to {@code appliedIndex} (for example
     * restored from a snapshot), so entries up to it are not handed out again.
     */
    public RaftNode(NodeConfig config, LogStorage storage, ConfState initialConf, long appliedIndex) {
        this(config, storage, SnapshotSource.NONE, initialConf, appliedIndex);
    }

    /**
     * Creates a node whose log may be compacted: followers too far behind are sent the snapshot
     * {@code snapshots} holds. {@code initialConf} and {@code appliedIndex} describe the state the state
     * machine was restored to (its latest snapshot, or the initial membership and 0).
     */
    public RaftNode(
            NodeConfig config, LogStorage storage, SnapshotSource snapshots, ConfState initialConf, long appliedIndex) {
        this(config, storage, snapshots, initialConf, appliedIndex, -1);
    }

    /**
     * Like {@link #RaftNode(NodeConfig, LogStorage, SnapshotSource, ConfState, long)}, with the session
     * that marks this run's forwarded proposals. The leader drops a forward whose (session, sequence) it
     * has seen, so the session must differ in every run of the node, whatever its
     * {@link NodeConfig#randomSeed()}: a runtime passes one drawn from a secure random source (or a
     * persisted counter). {@code -1} derives it from the seed, which is deterministic (for tests and the
     * simulator, which give each run its own seed or session).
     */
    public RaftNode(
            NodeConfig config,
            LogStorage storage,
            SnapshotSource snapshots,
            ConfState initialConf,
            long appliedIndex,
            long forwardSession) {
        Check.argument(
                forwardSession >= -1, "forwardSession must be >= 0 (or -1 for the seed's), got %s", forwardSession);
        this.config = Objects.requireNonNull(config, "config");
        this.snapshots = Objects.requireNonNull(snapshots, "snapshots");
        this.id = config.id();
        this.random = new SplittableRandom(config.randomSeed());
        this.tracker = new ProgressTracker(
                id, config.inflightAppendsMax(), (long) config.electionTimeoutTicks() - config.leaseClockDriftTicks());
        HardState hs = storage.hardState();
        this.log = new RaftLog(storage, hs.commit(), appliedIndex, this::logAppended);
        this.term = hs.term();
        this.votedFor = hs.votedFor();
        this.persistedHardState = hs;
        long seeded = random.nextLong() & Long.MAX_VALUE; // drawn in any case: the seed's stream stays the same
        this.forwardSession = forwardSession == -1 ? seeded : forwardSession;
        // A node that never saw a term never answered a heartbeat: no promise to keep.
        this.stickyUntilTick = hs.term() > 0 && config.checkQuorum() ? config.electionTimeoutTicks() : 0;
        this.repairThroughIndex = storage.repairThroughIndex();
        this.repairTermBound = storage.repairThroughTerm().orElse(hs.term());
        this.configs = new Configurations(Objects.requireNonNull(initialConf, "initialConf"));
        recoverConfigurations();
        becomeFollower(term, NONE);
        this.reportedSoftState = softState();
    }

    public long id() {
        return id;
    }

    // ------------------------------------------------------------------------------------------ time

    /** Advances logical time by one tick: election timeouts for followers, heartbeats for the leader. */
    public void tick() {
        now++;
        tracker.pruneLeaseRounds(now);
        if (role == Role.LEADER) {
            tickLeader();
        } else {
            tickElection();
        }
    }

    /**
     * Whether recovery lost entries this node had synced (see {@link LogStorage#repairThroughIndex()}) and a
     * leader has not yet replicated them back durably. While it has, the node neither votes nor campaigns:
     * it may have acknowledged what it lost, and a vote from it could elect a leader without those entries.
     */
    private boolean awaitingRepair() {
        if (repairThroughIndex > 0 && log.lastDurableIndex() >= repairThroughIndex) {
            repairThroughIndex = 0;
        }
        return repairThroughIndex > 0;
    }

    /**
     * Whether a candidate whose log ends at {@code candidateLast} holds every committed entry this node may have
     * acknowledged and then lost, so that voting for it cannot elect a leader without them: Raft §5.4.1's
     * up-to-date check, with the log the node lost in place of its own. The storage names that log's last
     * position: {@link #repairThroughIndex} and {@link LogStorage#repairThroughTerm()} (the index and term its
     * last sync recorded). Our vote matters only for an entry E committed with our acknowledgement, in the term
     * T of E (older entries are committed as E's prefix). E was in our durable log when we acknowledged, and
     * every later sync describes a log that still holds it (a committed entry is never truncated), so E is in
     * the lost log and T is at most its last term. A candidate whose last term is above that term got its last
     * entry from a leader of a later term than T, which holds E (Leader Completeness) at a lower index, so the
     * candidate holds E (Log Matching); one with the same last term and a last index at least the repair index
     * got its entries of that term from that term's one leader, like the lost log, so it holds the whole lost
     * log. When the storage does not know the term, {@link #repairTermBound} is our hard state's term at
     * startup, which is at least T (an acknowledgement leaves only once its term is durable), and the same
     * argument holds with it in place of the lost log's last term: safe, only coarser.
     * Without this rule a cluster whose only holder of the lost entries needs this node's vote (a joint
     * configuration with a removed member, simulator seed 12001815) could never elect anyone; with only the
     * coarse bound, one whose lost tail was of an older term than its hard state could livelock (seed 96061892:
     * lost 7..16 of term 1 with hard-state term 3, the only electable candidate at 16@1 refused).
     */
    private boolean holdsWhatWeMayHaveLost(LogPosition candidateLast) {
        if (!awaitingRepair()) {
            return true;
        }
        return candidateLast.isAtLeastAsUpToDateAs(new LogPosition(repairTermBound, repairThroughIndex));
    }

    private void tickElection() {
        electionElapsed++;
        if (isPromotable() && electionElapsed >= randomizedElectionTimeout && !awaitingRepair()) {
            electionElapsed = 0;
            startElection();
        }
    }

    private void tickLeader() {
        heartbeatElapsed++;
        electionElapsed++;
        if (electionElapsed >= config.electionTimeoutTicks()) {
            electionElapsed = 0;
            // CheckQuorum (thesis §6.2): a leader that cannot hear a quorum steps down, so that clients
            // stop waiting on it and a stale leader cannot serve reads.
            if (config.checkQuorum() && !tracker.quorumActive()) {
                becomeFollower(term, NONE);
                return;
            }
            // A transfer that has not completed within an election timeout is abandoned (thesis §3.10):
            // the old leader resumes accepting proposals. Its TimeoutNow may still be in flight, though,
            // and would start an election that ignores stickiness: no lease for another election timeout.
            if (transferee != NONE) {
                tracker.voidLeaseUntil(now + config.electionTimeoutTicks());
            }
            transferee = NONE;
        }
        if (heartbeatElapsed >= config.heartbeatIntervalTicks()) {
            heartbeatElapsed = 0;
            broadcastHeartbeat();
        }
        // A copy of the keys: resending may restart a transfer with a newer snapshot, which replaces its
        // entry in the map (simulator seeds 1134, 1339 threw ConcurrentModificationException here).
        for (long follower : new ArrayList<>(transfers.keySet())) {
            SnapshotTransfer t = transfers.get(follower);
            if (t != null && ++t.ticksWithoutProgress >= config.electionTimeoutTicks()) {
                // Chunks or their acknowledgements were lost: go back to the last acknowledged offset.
                t.ticksWithoutProgress = 0;
                t.sentOffset = t.ackedOffset;
                t.lastChunkSent = false;
                sendSnapshotChunks(follower);
            }
        }
    }

    // ------------------------------------------------------------------------------------ elections

    /** Starts an election now (with a PreVote round first when enabled), if this node may lead. */
    public void campaign() {
        if (role != Role.LEADER && isPromotable() && !awaitingRepair()) {
            startElection();
        }
    }

    private boolean isPromotable() {
        return conf.isVoter(id);
    }

    /** The kinds of campaign a node runs (etcd's campaignPreElection, campaignElection, campaignTransfer). */
    private enum CampaignType {
        /** A PreVote round (thesis §9.6): asks whether an election could succeed, at no change of term. */
        PRE_ELECTION,
        /** A real election: a new term and a vote for ourselves, which must be durable before requests leave. */
        ELECTION,
        /** An election a leader asked for (TimeoutNow): no PreVote, and voters in a lease vote anyway. */
        TRANSFER
    }

    private void startElection() {
        campaign(config.preVote() ? CampaignType.PRE_ELECTION : CampaignType.ELECTION);
    }

    private void campaign(CampaignType type) {
        boolean preVote = type == CampaignType.PRE_ELECTION;
        long electionTerm;
        if (preVote) {
            becomePreCandidate();
            electionTerm = term + 1;
        } else {
            becomeCandidate();
            electionTerm = term;
        }
        if (recordVote(id, true)) {
            return; // a single-voter cluster wins on its own vote
        }
        LogPosition last = log.lastPosition();
        for (long voter : tracker.voters()) {
            if (voter == id) {
                continue;
            }
            VoteRequest request = new VoteRequest(
                    id, voter, electionTerm, last.index(), last.term(), preVote, type == CampaignType.TRANSFER);
            // A real vote request reports our term and self-vote, which must be durable first;
            // a PreVote changes nothing and may leave at once.
            if (preVote) {
                messages.add(request);
            } else {
                messagesAfterSync.add(request);
            }
        }
    }

    /**
     * Records a vote in the campaign this node runs (a PreVote round while {@link Role#PRE_CANDIDATE});
     * returns true if this decided the election (and acted on it).
     */
    private boolean recordVote(long from, boolean granted) {
        VoteResult result = tracker.recordVote(from, granted);
        if (result == VoteResult.WON) {
            if (role == Role.PRE_CANDIDATE) {
                campaign(CampaignType.ELECTION);
            } else {
                becomeLeader();
            }
            return true;
        }
        if (result == VoteResult.LOST) {
            becomeFollower(term, NONE);
            return true;
        }
        return false;
    }

    // ------------------------------------------------------------------------------- role changes

    private void reset(long newTerm) {
        failPendingReads();
        failAskedReads();
        transferee = NONE;
        if (newTerm != term) {
            Check.that(newTerm > term, "term going back from %s to %s", term, newTerm);
            term = newTerm;
            votedFor = NONE;
        }
        leaderId = NONE;
        leaderConfirmedIndex = 0;
        electionElapsed = 0;
        heartbeatElapsed = 0;
        randomizedElectionTimeout = config.electionTimeoutTicks() + random.nextInt(config.electionTimeoutTicks());
        tracker.reset();
        transfers.clear();
        forwardsSeen.clear();
        uncommittedBytes = 0;
    }

    private void becomeFollower(long newTerm, long leader) {
        reset(newTerm);
        role = Role.FOLLOWER;
        leaderId = leader;
    }

    private void becomePreCandidate() {
        Check.that(role != Role.LEADER, "a leader cannot become a pre-candidate");
        // PreVote changes neither term nor vote: a partitioned node probing in vain disturbs nobody.
        tracker.resetVotes();
        leaderId = NONE;
        role = Role.PRE_CANDIDATE;
    }

    private void becomeCandidate() {
        Check.that(role != Role.LEADER, "a leader cannot become a candidate");
        reset(term + 1);
        votedFor = id;
        role = Role.CANDIDATE;
    }

    private void becomeLeader() {
        Check.that(role == Role.CANDIDATE, "only a candidate can become leader, was %s", role);
        reset(term);
        role = Role.LEADER;
        leaderId = id;
        long last = log.lastIndex();
        for (long member : trackedMembers()) {
            // Our own match counts only what is durable; advance() raises it as writes complete.
            long match = member == id ? log.lastDurableIndex() : 0;
            tracker.track(member, match, Math.max(last + 1, match + 1));
        }
        tracker.progress(id).becomeReplicate();
        // Changes already in our log may be unapplied; refuse new ones until everything up to here is.
        pendingConfIndex = last;
        // Raft §8: a leader commits an entry of its own term before it can know what is committed.
        appendAsLeader(List.of(Entry.noOp(term, last + 1)));
        broadcastAppend();
    }

    // ------------------------------------------------------------------------------------ messages

    /** Handles a message from a peer. Messages for another node, or from a stale term, are ignored. */
    public void step(Message m) {
        Objects.requireNonNull(m, "message");
        if (m.to() != id) {
            return;
        }
        if (!isMember(m.from()) && !acceptFromNonMember(m)) {
            nonMemberMessagesDropped++;
            return;
        }
        if (!handleTerm(m)) {
            return;
        }
        // What every role handles alike: vote requests, and answers to the reads this node asked for.
        if (m instanceof VoteRequest request) {
            handleVoteRequest(request);
            return;
        }
        if (m instanceof ReadIndexResponse response) {
            handleReadIndexResponse(response);
            return;
        }
        switch (role) {
            case LEADER -> stepLeader(m);
            case PRE_CANDIDATE, CANDIDATE -> stepCandidate(m);
            case FOLLOWER -> stepFollower(m);
        }
    }

    /**
     * A leader's messages: answers to its appends, heartbeats and snapshots, and its followers' forwarded
     * proposals and reads. Another leader's traffic in our term cannot exist (election safety) and is
     * ignored, as are vote answers and TimeoutNow.
     */
    private void stepLeader(Message m) {
        if (m instanceof AppendResponse response) {
            handleAppendResponse(response);
        } else if (m instanceof HeartbeatResponse response) {
            handleHeartbeatResponse(response);
        } else if (m instanceof ForwardProposal forward) {
            handleForwardProposal(forward);
        } else if (m instanceof ReadIndexRequest request) {
            leaderRead(request.context(), request.from());
        } else if (m instanceof InstallSnapshotResponse response) {
            handleInstallSnapshotResponse(response);
        }
    }

    /**
     * A (pre-)candidate counts the answers to its vote requests; anything else it handles as a follower
     * does: a leader's message of this term ends its campaign.
     */
    private void stepCandidate(Message m) {
        if (m instanceof VoteResponse response) {
            handleVoteResponse(response);
        } else {
            stepFollower(m);
        }
    }

    /**
     * A follower's messages (a candidate's too): a leader's message of this term makes this node its
     * follower; reads are refused (only the leader can confirm them); TimeoutNow starts a transfer election.
     * Answers meant for a leader or a candidate are ignored.
     */
    private void stepFollower(Message m) {
        if (m instanceof AppendRequest request) {
            becomeFollowerOf(request.from());
            handleAppend(request);
        } else if (m instanceof HeartbeatRequest request) {
            becomeFollowerOf(request.from());
            handleHeartbeat(request);
        } else if (m instanceof InstallSnapshotRequest request) {
            becomeFollowerOf(request.from());
            handleInstallSnapshot(request);
        } else if (m instanceof ReadIndexRequest request) {
            messages.add(new ReadIndexResponse(id, request.from(), term, request.context(), -1, false));
        } else if (m instanceof TimeoutNow) {
            // Leadership transfer (thesis §3.10): campaign at once, skipping PreVote, with requests
            // marked so that followers still in their leader's lease vote anyway.
            if (isPromotable() && !awaitingRepair()) {
                campaign(CampaignType.TRANSFER);
            }
        }
    }

    private void handleReadIndexResponse(ReadIndexResponse m) {
        Long asked = readsAsked.get(m.context());
        if (asked != null && asked == m.from()) {
            readsAsked.remove(m.context());
            readStates.add(new ReadState(m.context(), m.ok() ? m.readIndex() : -1, m.ok()));
        }
    }

    /**
     * Whether a message from a node outside our configuration (current, or both halves of a joint one;
     * learners are members) may still be processed. Only leader traffic may, and only when it cannot
     * disturb a live leader: a node outside its own configuration is joining (its configuration is the
     * one it started with, not yet the one adding it) and must hear whoever leads; a member cut off while
     * the membership changed must hear a leader its stale configuration does not name, which it can
     * tell from a forger only by the cluster's authenticated transport, so it listens only once its own
     * leader has been silent for an election timeout. The leader of our current term stays trusted after
     * its own removal (its TimeoutNow hands leadership over). Everything else (votes, forwarded
     * proposals, reads, responses) from a non-member is dropped: it cannot depose a live leader, vote,
     * or write.
     */
    private boolean acceptFromNonMember(Message m) {
        if (m.from() == leaderId && m.term() == term && leaderId != NONE) {
            return true;
        }
        boolean noLiveLeader =
                role != Role.LEADER && (leaderId == NONE || electionElapsed >= config.electionTimeoutTicks());
        if (m instanceof VoteRequest) {
            // Thesis §4.2.3: a server votes for a candidate outside its configuration, because that
            // configuration may be stale (it lost, or has not yet received, the change that added the
            // candidate). Only while no leader is heard, so a removed server cannot disturb a live cluster.
            return noLiveLeader;
        }
        boolean fromLeader =
                m instanceof AppendRequest || m instanceof HeartbeatRequest || m instanceof InstallSnapshotRequest;
        if (!fromLeader) {
            return false;
        }
        if (!isMember(id)) {
            return true;
        }
        return noLiveLeader;
    }

    /**
     * Applies the term rules shared by every message (Raft §5.1, thesis §9.6 and §6.2). Returns false
     * when the message must not be processed further.
     */
    private boolean handleTerm(Message m) {
        if (m.term() > term) {
            if (m instanceof VoteRequest vr) {
                // A restarted node counts as having heard a leader when it started (see stickyUntilTick).
                boolean inLease = config.checkQuorum()
                        && ((leaderId != NONE && electionElapsed < config.electionTimeoutTicks())
                                || now < stickyUntilTick);
                // While we hear from a live leader, a vote request comes from a node that was cut off
                // (or a stale one): ignoring it keeps it from deposing a healthy leader.
                if (inLease && !vr.transfer()) {
                    return false;
                }
                if (vr.preVote()) {
                    return true; // a PreVote never changes our term
                }
                becomeFollower(m.term(), NONE);
                return true;
            }
            if (m instanceof VoteResponse vr && vr.preVote() && vr.granted()) {
                return true; // granted PreVotes carry the future term we asked for
            }
            boolean fromLeader =
                    m instanceof AppendRequest || m instanceof HeartbeatRequest || m instanceof InstallSnapshotRequest;
            becomeFollower(m.term(), fromLeader ? m.from() : NONE);
            return true;
        }
        if (m.term() < term) {
            if (m instanceof AppendRequest || m instanceof HeartbeatRequest) {
                // Raft §5.1: reject with our term. Either the sender is a stale leader and steps down, or
                // we advanced our term while cut off (or while holding a stale configuration that lets us
                // campaign only towards former members) and the cluster elects anew at our term. Staying
                // silent would leave us behind forever (simulator seed 1180).
                messagesAfterSync.add(new AppendResponse(id, m.from(), term, false, 0, 0, 0));
            } else if (m instanceof VoteRequest vr && vr.preVote()) {
                messages.add(new VoteResponse(id, m.from(), term, true, false));
            }
            return false;
        }
        return true;
    }

    private void becomeFollowerOf(long leader) {
        if (role != Role.FOLLOWER) {
            becomeFollower(term, leader);
        }
        leaderId = leader;
        electionElapsed = 0;
    }

    private void handleVoteRequest(VoteRequest m) {
        boolean canVote =
                votedFor == m.from() || (votedFor == NONE && leaderId == NONE) || (m.preVote() && m.term() > term);
        // A node that lost synced entries votes only for a candidate that holds them (protocol-aware recovery).
        LogPosition candidateLast = new LogPosition(m.lastLogTerm(), m.lastLogIndex());
        boolean upToDate = log.isUpToDate(candidateLast) && holdsWhatWeMayHaveLost(candidateLast);
        if (m.preVote()) {
            boolean grant = canVote && upToDate;
            // Granted PreVotes echo the candidate's future term; rejections carry ours.
            messages.add(new VoteResponse(id, m.from(), grant ? m.term() : term, true, grant));
            return;
        }
        if (canVote && upToDate) {
            electionElapsed = 0;
            votedFor = m.from();
            messagesAfterSync.add(new VoteResponse(id, m.from(), term, false, true));
        } else {
            messagesAfterSync.add(new VoteResponse(id, m.from(), term, false, false));
        }
    }

    private void handleVoteResponse(VoteResponse m) {
        boolean expected = (role == Role.PRE_CANDIDATE && m.preVote()) || (role == Role.CANDIDATE && !m.preVote());
        if (!expected || !conf.isVoter(m.from())) {
            return;
        }
        recordVote(m.from(), m.granted());
    }

    private void handleAppend(AppendRequest m) {
        if (m.prevLogIndex() < log.committed()) {
            // Everything up to our commit index matches any leader's log (Leader Completeness).
            leaderConfirmedIndex = Math.max(leaderConfirmedIndex, log.committed());
            messagesAfterSync.add(new AppendResponse(id, m.from(), term, true, log.committed(), 0, 0));
            return;
        }
        long lastNew = log.maybeAppend(m.prevLogIndex(), m.prevLogTerm(), m.leaderCommit(), m.entries());
        if (lastNew >= 0) {
            leaderConfirmedIndex = Math.max(leaderConfirmedIndex, lastNew);
            messagesAfterSync.add(new AppendResponse(id, m.from(), term, true, lastNew, 0, 0));
            return;
        }
        // Fast backtracking: point the leader at the last index whose term is at most the leader's
        // term at prevLogIndex, so one round trip skips every entry of a conflicting term.
        long hintIndex = log.findConflictByTerm(Math.min(m.prevLogIndex(), log.lastIndex()), m.prevLogTerm());
        long hintTerm = Math.max(0, log.term(hintIndex));
        messagesAfterSync.add(new AppendResponse(id, m.from(), term, false, m.prevLogIndex(), hintIndex, hintTerm));
    }

    private void handleHeartbeat(HeartbeatRequest m) {
        // A heartbeat proves nothing about our log: commit only what this term's leader has confirmed
        // (a forged or confused commit index must not commit entries of a deposed leader).
        long known = log.lastTerm() == term ? log.lastIndex() : Math.min(leaderConfirmedIndex, log.lastIndex());
        log.commitTo(Math.min(m.commit(), known));
        messagesAfterSync.add(new HeartbeatResponse(id, m.from(), term, m.readContext()));
    }

    // --------------------------------------------------------------------------------- the leader

    private void handleAppendResponse(AppendResponse m) {
        Progress pr = tracker.progress(m.from());
        if (pr == null) {
            return;
        }
        pr.setRecentlyActive(true);
        if (!m.success()) {
            long hint = m.hintIndex();
            if (m.hintTerm() > 0) {
                hint = log.findConflictByTerm(m.hintIndex(), m.hintTerm());
            }
            if (pr.maybeDecreaseTo(m.index(), hint)) {
                if (pr.state() == Progress.State.REPLICATE) {
                    pr.becomeProbe();
                }
                sendAppend(m.from());
            }
            return;
        }
        boolean wasPaused = pr.isPaused();
        if (!pr.maybeUpdate(m.index())) {
            return;
        }
        if (pr.state() == Progress.State.PROBE) {
            pr.becomeReplicate();
        } else if (pr.state() == Progress.State.REPLICATE) {
            pr.inflights().freeUpTo(m.index());
        } else if (pr.state() == Progress.State.SNAPSHOT && pr.match() >= pr.pendingSnapshot()) {
            // It caught up some other way (an earlier leader's entries): the snapshot is moot.
            transfers.remove(m.from());
            pr.becomeProbe();
        }
        if (maybeCommit()) {
            broadcastAppend();
        } else if (wasPaused) {
            sendEntries(m.from());
        }
        if (m.from() == transferee && pr.match() == log.lastIndex()) {
            messages.add(new TimeoutNow(id, transferee, term));
        }
        // Keep the pipeline full: send as many batches as the window allows.
        while (sendEntries(m.from())) {
            // each call sends one bounded batch
        }
    }

    private void handleHeartbeatResponse(HeartbeatResponse m) {
        Progress pr = tracker.progress(m.from());
        if (pr == null) {
            return;
        }
        pr.setRecentlyActive(true);
        pr.resumeProbe();
        if (m.readContext() > 0) {
            tracker.heartbeatAnswered(m.from(), m.readContext());
            reads.ack(m.from(), m.readContext());
            confirmReads();
        }
        // The follower is alive; if its acknowledgements were lost the window may be stuck full.
        if (pr.state() == Progress.State.REPLICATE && pr.inflights().isFull()) {
            pr.inflights().freeFirst();
        }
        if (pr.match() < log.lastIndex()) {
            sendAppend(m.from());
        }
    }

    private void handleForwardProposal(ForwardProposal m) {
        if (!isMember(m.from())) {
            return; // a removed member's late forward: dropping it keeps forwarding at-most-once
        }
        LinkedHashMap<Long, Long> sessions = forwardsSeen.computeIfAbsent(m.from(), f -> new LinkedHashMap<>());
        Long highest = sessions.get(m.session());
        if (highest != null && m.sequence() <= highest) {
            return; // a duplicate or a reordered older batch: forwarding is at-most-once
        }
        sessions.put(m.session(), m.sequence());
        if (sessions.size() > FORWARD_SESSIONS_PER_FOLLOWER_MAX) {
            sessions.remove(sessions.keySet().iterator().next());
        }
        if (transferee != NONE || exceedsUncommittedLimit(m.payloads())) {
            return; // the proposer's runtime times out; see propose() for the local error
        }
        appendProposals(m.payloads());
    }

    /** Raft §5.4.2 / Figure 8: commit by counting replicas only entries of the current term. */
    private boolean maybeCommit() {
        long index = tracker.committedIndex();
        if (index > log.committed() && log.term(index) == term) {
            log.commitTo(index);
            List<ReadIndexTracker.Read> waiting = reads.takeAwaitingCommit();
            if (!waiting.isEmpty()) {
                startReads(waiting);
            }
            return true;
        }
        return false;
    }

    private void appendAsLeader(List<Entry> entries) {
        log.append(entries);
        for (Entry e : entries) {
            uncommittedBytes += e.sizeBytes();
        }
    }

    private void appendProposals(List<byte[]> commands) {
        long index = log.lastIndex();
        List<Entry> entries = new ArrayList<>(commands.size());
        for (byte[] command : commands) {
            entries.add(Entry.normal(term, ++index, command));
        }
        appendAsLeader(entries);
        broadcastAppend();
    }

    private boolean exceedsUncommittedLimit(List<byte[]> commands) {
        long bytes = 0;
        for (byte[] c : commands) {
            bytes += Entry.OVERHEAD_BYTES + c.length;
        }
        // An empty backlog always admits one batch, so an oversized proposal is not starved forever.
        return uncommittedBytes > 0 && uncommittedBytes + bytes > config.uncommittedBytesMax();
    }

    private void broadcastAppend() {
        for (long member : tracker.members()) {
            if (member != id) {
                sendAppend(member);
            }
        }
    }

    private void broadcastHeartbeat() {
        // Every broadcast carries a round not sent before, so an answer dates from this send (the lease).
        long round = reads.heartbeatRound();
        tracker.heartbeatSent(round, now);
        for (long member : tracker.members()) {
            if (member == id) {
                continue;
            }
            // Never tell a follower to commit past what it is known to hold.
            long commit = Math.min(tracker.progress(member).match(), log.committed());
            messages.add(new HeartbeatRequest(id, member, term, commit, round));
        }
    }

    /**
     * Sends {@code to} an AppendRequest if its progress allows, with the next batch of entries or, when
     * there are none, without any (to probe, or to carry the commit index).
     */
    private void sendAppend(long to) {
        maybeSendAppend(to, true);
    }

    /**
     * Sends {@code to} the next batch of entries if there is one and its progress allows. Returns true if
     * a request carrying entries was sent.
     */
    private boolean sendEntries(long to) {
        return maybeSendAppend(to, false);
    }

    private boolean maybeSendAppend(long to, boolean sendIfEmpty) {
        Progress pr = tracker.progress(to);
        if (pr == null || pr.isPaused()) {
            return false;
        }
        long prevIndex = pr.next() - 1;
        long prevTerm = log.term(prevIndex);
        if (prevTerm < 0 || pr.next() < log.firstIndex()) {
            startSnapshot(to, pr); // the entries it needs were compacted away (Raft §7)
            return false;
        }
        List<Entry> entries = log.entries(pr.next(), log.lastIndex() + 1, config.appendBytesMax());
        if (entries.isEmpty() && !sendIfEmpty) {
            return false;
        }
        messages.add(new AppendRequest(id, to, term, prevIndex, prevTerm, entries, log.committed()));
        long lastSent =
                entries.isEmpty() ? prevIndex : entries.get(entries.size() - 1).index();
        pr.sentEntries(entries.size(), lastSent);
        return !entries.isEmpty();
    }

    // ----------------------------------------------------------------------------------- proposals

    /**
     * Proposes application commands. On the leader they are appended to the log and replicated; on a
     * follower they are forwarded to the leader when {@link NodeConfig#forwardProposals()} is set.
     *
     * @return where the commands went
     * @throws NotLeaderException         when this node is not the leader and cannot forward (forwarding
     *                                    off, or no leader known); carries the leader hint
     * @throws ProposalRejectedException when the leader's uncommitted log is over
     *                                    {@link NodeConfig#uncommittedBytesMax()}
     */
    public Proposal propose(List<byte[]> commands) {
        Check.argument(!commands.isEmpty(), "nothing to propose");
        for (byte[] c : commands) {
            Objects.requireNonNull(c, "command");
        }
        if (role == Role.LEADER) {
            if (transferee != NONE) {
                throw new ProposalRejectedException(
                        "leadership is being transferred to node " + transferee + "; retry on the new leader");
            }
            if (exceedsUncommittedLimit(commands)) {
                throw new ProposalRejectedException("the leader's uncommitted log is over uncommittedBytesMax ("
                        + config.uncommittedBytesMax() + " bytes); retry when it has caught up");
            }
            long first = log.lastIndex() + 1;
            appendProposals(commands);
            return new Proposal.Appended(term, first, commands.size());
        }
        if (!config.forwardProposals() || leaderId == NONE) {
            throw new NotLeaderException(id, leaderId);
        }
        for (int from = 0; from < commands.size(); from += config.proposalsPerForwardMax()) {
            List<byte[]> batch =
                    commands.subList(from, Math.min(commands.size(), from + config.proposalsPerForwardMax()));
            messages.add(new ForwardProposal(id, leaderId, term, forwardSession, ++forwardSequence, batch));
        }
        return new Proposal.Forwarded(leaderId);
    }

    // -------------------------------------------------------------------------------- snapshots

    private void startSnapshot(long to, Progress pr) {
        SnapshotMeta meta = snapshots.latest();
        Check.that(
                meta != null && meta.index() >= log.firstIndex() - 1,
                "follower %s needs entries from %s that are compacted away (first %s), but no snapshot covers them",
                to,
                pr.next(),
                log.firstIndex());
        long size = snapshots.sizeBytes(meta);
        Check.that(size >= 0, "the latest snapshot %s is not available", meta.position());
        long crc = snapshotCrc32c(meta, size);
        if (crc < 0) {
            // Replaced by a newer snapshot while we read it: start with that one.
            Check.that(!meta.equals(snapshots.latest()), "the latest snapshot %s is not readable", meta.position());
            startSnapshot(to, pr);
            return;
        }
        pr.becomeSnapshot(meta.index());
        transfers.put(to, new SnapshotTransfer(meta, size, crc));
        sendSnapshotChunks(to);
    }

    /**
     * The CRC32C of a snapshot's bytes, or -1 when it was replaced while being read. One pass over the
     * snapshot in chunk-sized reads the first time a snapshot is sent, then cached: snapshots change far
     * less often than transfers start, and the receiver checks it before it installs anything.
     */
    private long snapshotCrc32c(SnapshotMeta meta, long sizeBytes) {
        if (meta.equals(checksummedSnapshot)) {
            return checksummedSnapshotCrc;
        }
        CRC32C crc = new CRC32C();
        long offset = 0;
        while (offset < sizeBytes) {
            byte[] bytes = snapshots.read(meta, offset, config.snapshotChunkBytes());
            if (bytes == null) {
                return -1;
            }
            Check.that(bytes.length > 0, "snapshot %s read no bytes at offset %s", meta.position(), offset);
            crc.update(bytes, 0, bytes.length);
            offset += bytes.length;
        }
        checksummedSnapshot = meta;
        checksummedSnapshotCrc = crc.getValue();
        return checksummedSnapshotCrc;
    }

    private void sendSnapshotChunks(long to) {
        SnapshotTransfer t = transfers.get(to);
        long windowBytes = (long) config.snapshotChunkBytes() * config.snapshotChunksInflightMax();
        while (t != null && !t.lastChunkSent && t.sentOffset - t.ackedOffset < windowBytes) {
            byte[] chunk = snapshots.read(t.meta, t.sentOffset, config.snapshotChunkBytes());
            if (chunk == null) {
                // Replaced by a newer snapshot meanwhile: start over with that one.
                transfers.remove(to);
                Progress pr = tracker.progress(to);
                if (pr != null) {
                    startSnapshot(to, pr);
                }
                return;
            }
            boolean last = t.sentOffset + chunk.length >= t.sizeBytes;
            messages.add(new InstallSnapshotRequest(
                    id,
                    to,
                    term,
                    t.meta,
                    t.sentOffset,
                    chunk,
                    last,
                    InstallSnapshotRequest.crc32c(chunk),
                    last ? t.crc32c : InstallSnapshotRequest.NO_CHECKSUM));
            t.sentOffset += chunk.length;
            t.lastChunkSent = last;
        }
    }

    private void handleInstallSnapshotResponse(InstallSnapshotResponse m) {
        Progress pr = tracker.progress(m.from());
        if (pr == null) {
            return;
        }
        pr.setRecentlyActive(true);
        SnapshotTransfer t = transfers.get(m.from());
        if (pr.state() != Progress.State.SNAPSHOT || t == null || m.snapshotIndex() != t.meta.index()) {
            return; // about an older transfer
        }
        if (m.done()) {
            transfers.remove(m.from());
            pr.maybeUpdate(m.snapshotIndex());
            pr.becomeProbe();
            sendAppend(m.from());
            return;
        }
        if (m.nextOffset() > t.ackedOffset) {
            t.ackedOffset = m.nextOffset();
            t.ticksWithoutProgress = 0;
            if (t.sentOffset < t.ackedOffset) {
                t.sentOffset = t.ackedOffset; // it already had more than we had sent: resume there
            }
        } else if (m.nextOffset() < t.ackedOffset) {
            // The follower lost its staged bytes (it restarted): resume from what it has.
            t.ackedOffset = m.nextOffset();
            t.sentOffset = m.nextOffset();
            t.lastChunkSent = false;
            t.ticksWithoutProgress = 0;
        }
        sendSnapshotChunks(m.from());
    }

    private void handleInstallSnapshot(InstallSnapshotRequest m) {
        SnapshotMeta meta = m.meta();
        long end = m.offset() + m.chunk().length;
        if (meta.index() <= log.committed() || log.matchTerm(meta.index(), meta.term())) {
            // We already hold everything the snapshot covers; no need to transfer it.
            if (meta.index() > log.committed()) {
                log.commitTo(meta.index());
            }
            leaderConfirmedIndex = Math.max(leaderConfirmedIndex, meta.index());
            receivingSnapshot = null;
            messagesAfterSync.add(new InstallSnapshotResponse(id, m.from(), term, meta.index(), end, true));
            return;
        }
        if (snapshotToInstall != null) {
            // A completed snapshot waits to be handed out in the next Ready, whose chunks the runtime stages
            // before it installs that snapshot from them: a newer transfer must not start in the same Ready
            // (its first chunk would be installed under the older snapshot's name). The leader resends.
            messagesAfterSync.add(new InstallSnapshotResponse(id, m.from(), term, meta.index(), 0, false));
            return;
        }
        if (!meta.equals(receivingSnapshot) || m.from() != receivingFrom || term != receivingTerm) {
            if (m.offset() != 0) {
                messagesAfterSync.add(new InstallSnapshotResponse(id, m.from(), term, meta.index(), 0, false));
                return;
            }
            receivingSnapshot = meta;
            receivingFrom = m.from();
            receivingTerm = term;
            receivedSnapshotBytes = 0;
            receivedSnapshotCrc.reset();
        }
        if (m.offset() != receivedSnapshotBytes || !m.chunkIntact()) {
            // Out of order (a lost or reordered chunk), or damaged: tell the leader where to resume.
            messagesAfterSync.add(
                    new InstallSnapshotResponse(id, m.from(), term, meta.index(), receivedSnapshotBytes, false));
            return;
        }
        receivedSnapshotCrc.update(m.chunk(), 0, m.chunk().length);
        if (m.done()
                && m.snapshotCrc32c() != InstallSnapshotRequest.NO_CHECKSUM
                && receivedSnapshotCrc.getValue() != m.snapshotCrc32c()) {
            // The staged bytes and this chunk are not the snapshot the leader checksummed: discard them before
            // anything is installed (the runtime drops its staging area when a chunk at offset 0 starts over).
            receivingSnapshot = null;
            receivedSnapshotBytes = 0;
            receivedSnapshotCrc.reset();
            messagesAfterSync.add(new InstallSnapshotResponse(id, m.from(), term, meta.index(), 0, false));
            return;
        }
        snapshotChunks.add(new SnapshotChunk(meta, m.offset(), m.chunk()));
        receivedSnapshotBytes = end;
        if (m.done()) {
            receivingSnapshot = null;
            log.restore(meta);
            leaderConfirmedIndex = Math.max(leaderConfirmedIndex, meta.index());
            configs.reset(meta.conf());
            latestConfChanged();
            snapshotToInstall = meta;
        }
        messagesAfterSync.add(new InstallSnapshotResponse(id, m.from(), term, meta.index(), end, m.done()));
    }

    // ------------------------------------------------------------------------------- membership

    /**
     * Proposes a membership change (Raft thesis §4.3). Any change of the voter set goes through a joint
     * configuration; once the joint configuration is applied, the leader itself appends the entry that
     * leaves it. Changes to learners alone apply directly. Every node uses a configuration for elections and
     * commitment from the moment its entry is in its log (thesis §4.1), and reports it to the application
     * ({@link Status#conf()}) when the entry is applied.
     *
     * @return the index of the entry carrying the change
     * @throws NotLeaderException         when this node is not the leader
     * @throws ProposalRejectedException when another change is in progress, the leader has not yet
     *                                    committed an entry of its term, or a transfer is running
     * @throws IllegalArgumentException   when the change is not valid from the current configuration
     */
    public long proposeConfChange(ConfChange change) {
        Objects.requireNonNull(change, "change");
        if (role != Role.LEADER) {
            throw new NotLeaderException(id, leaderId);
        }
        if (transferee != NONE) {
            throw new ProposalRejectedException(
                    "leadership is being transferred to node " + transferee + "; retry on the new leader");
        }
        if (log.term(log.committed()) != term) {
            // A single-server change before the new leader commits an entry of its term can elect two
            // leaders (the bug in the original single-server algorithm); committing the no-op first fixes it.
            throw new ProposalRejectedException("the leader has not yet committed an entry of its term; retry shortly");
        }
        if (pendingConfIndex > log.applied()) {
            throw new ProposalRejectedException("another configuration change (log index " + pendingConfIndex
                    + ") is still in progress; retry when it is applied");
        }
        // Every configuration entry in our log is applied, so the latest configuration is the applied one: at
        // most one configuration change is ever uncommitted (thesis §4.1), and it starts from a committed one.
        Check.that(configs.pendingCount() == 0, "no change pending, yet configurations %s", configs);
        if (conf.isJoint() && !change.leaveJoint()) {
            throw new ProposalRejectedException(
                    "the cluster is in a joint configuration " + conf + "; retry when it has been left");
        }
        ConfChanger.apply(conf, change); // throws IllegalArgumentException naming the problem
        for (ConfChange.Op op : change.ops()) {
            if (op.type() == ConfChange.OpType.ADD_VOTER && conf.isLearner(op.nodeId())) {
                Progress pr = tracker.progress(op.nodeId());
                long behind = log.lastIndex() - (pr == null ? 0 : pr.match());
                if (behind > config.promotionLagEntriesMax()) {
                    throw new ProposalRejectedException("learner " + op.nodeId() + " is " + behind
                            + " entries behind the leader (promotionLagEntriesMax=" + config.promotionLagEntriesMax()
                            + "); promote it once it has caught up");
                }
            }
        }
        long index = log.lastIndex() + 1;
        // In force from here on (the append listener adopts it): a joint configuration's entry, and every entry
        // still uncommitted, needs majorities of both halves. (A voter change is always joint, so the quorum
        // only grows stricter here: nothing new can commit, unlike when the leader leaves the joint one.)
        appendAsLeader(List.of(new Entry(term, index, EntryType.CONFIG_CHANGE, change.encode())));
        pendingConfIndex = index;
        broadcastAppend();
        return index;
    }

    /**
     * Applies a committed configuration entry: the application's configuration ({@link Status#conf()})
     * changes here, at the same log index on every node. Elections and commitment switched to it when it was
     * appended; what waits for its commit is what must not be undone: a leader stops replicating to members
     * it removed (after a last append, so they may learn the commit of their own removal), and a leader that
     * removed itself steps down (thesis §4.2.2: until then it led without counting itself).
     */
    private void applyCommittedConfEntry(Entry entry) {
        ConfState previous = configs.applied();
        ConfState next = configs.apply(entry);
        if (role != Role.LEADER || next.equals(previous)) {
            return;
        }
        for (long member : previous.members()) {
            if (!next.isMember(member) && !conf.isMember(member)) {
                // Last word to the removed member: with luck it learns the commit of its own removal.
                if (member != id) {
                    sendAppend(member);
                }
                tracker.untrack(member);
                transfers.remove(member); // no snapshot for a non-member (simulator seed 107242)
                // forwardsSeen keeps the member's sessions: a late duplicate of one of its forwards must
                // still be recognized if it is ever added back in this term (simulator seed 646).
                reads.forget(member);
            }
        }
        if (!next.isJoint() && !next.isVoter(id) && !conf.isVoter(id)) {
            // Our removal is committed: hand over to the most up-to-date voter and step down.
            long successor = NONE;
            long best = -1;
            for (long voter : next.voters()) {
                Progress pr = tracker.progress(voter);
                if (pr != null && pr.match() > best) {
                    best = pr.match();
                    successor = voter;
                }
            }
            if (successor != NONE && best == log.lastIndex()) {
                messages.add(new TimeoutNow(id, successor, term));
            }
            becomeFollower(term, NONE);
        }
    }

    /**
     * A leader in a joint configuration leaves it as soon as every configuration change in its log is
     * applied (etcd's "auto leave"). Checked whenever entries are applied, not only when the joint entry
     * itself is: a leader elected while the cluster is joint (its predecessor crashed before leaving) must
     * leave it too, or the cluster would stay joint forever (found by the simulator, seed 5285).
     */
    private boolean maybeLeaveJoint() {
        if (role != Role.LEADER || !conf.isJoint() || pendingConfIndex > log.applied() || transferee != NONE) {
            return false;
        }
        long index = log.lastIndex() + 1;
        appendAsLeader(List.of(new Entry(
                term, index, EntryType.CONFIG_CHANGE, ConfChange.leave().encode())));
        pendingConfIndex = index;
        // The new configuration alone decides from here on: it may commit what the outgoing half held back.
        maybeCommit();
        return true;
    }

    /**
     * True once the applied configuration no longer lists this node, nor does a later one in its log: its
     * removal is committed and it should shut down. (Also true of a node that has not yet received the entry
     * adding it.)
     */
    public boolean isRemoved() {
        return !isMember(id);
    }

    // ---------------------------------------------------------------------------------------- reads

    /**
     * Requests a linearizable read (ReadIndex, thesis §6.4). The outcome arrives as a {@link ReadState}
     * with the same {@code context} in a later {@link Ready#readStates()}. On a follower the request goes
     * to the leader; the caller serves the read once it has applied the returned index. A leader that
     * has not yet committed an entry of its term holds the request until it has (before that it cannot
     * know the commit index).
     *
     * @throws NotLeaderException         on a follower that knows no leader
     * @throws ProposalRejectedException on a leader holding {@link NodeConfig#pendingReadsMax()} reads
     */
    public void readIndex(long context) {
        if (role == Role.LEADER) {
            leaderRead(context, id);
            return;
        }
        if (leaderId == NONE) {
            throw new NotLeaderException(id, NONE);
        }
        if (readsAsked.size() >= config.pendingReadsMax()) {
            throw new ProposalRejectedException(
                    "too many reads waiting for the leader (pendingReadsMax=" + config.pendingReadsMax() + ")");
        }
        Check.argument(!readsAsked.containsKey(context), "read context %s is already waiting", context);
        readsAsked.put(context, leaderId);
        messages.add(new ReadIndexRequest(id, leaderId, term, context));
    }

    private void leaderRead(long context, long from) {
        if (reads.size() >= config.pendingReadsMax()) {
            if (from == id) {
                throw new ProposalRejectedException(
                        "too many reads waiting for confirmation (pendingReadsMax=" + config.pendingReadsMax() + ")");
            }
            messages.add(new ReadIndexResponse(id, from, term, context, -1, false));
            return;
        }
        if (log.term(log.committed()) != term) {
            reads.awaitCommit(context, from);
            return;
        }
        if (leaseValid()) {
            // Thesis §6.4.1: no other leader can have been elected since a quorum last answered us.
            if (from == id) {
                readStates.add(new ReadState(context, log.committed(), true));
            } else {
                messages.add(new ReadIndexResponse(id, from, term, context, log.committed(), true));
            }
            return;
        }
        startReads(List.of(new ReadIndexTracker.Read(context, from, 0, 0)));
    }

    /** Registers reads at the current commit index in a new round, and asks the quorum to confirm it. */
    private void startReads(List<ReadIndexTracker.Read> newReads) {
        reads.start(newReads, log.committed());
        if (tracker.voters().size() == 1 && tracker.voters().contains(id)) {
            confirmReads(); // our own confirmation is a quorum
            return;
        }
        broadcastHeartbeat();
    }

    /**
     * True while a lease read is safe: a quorum answered us within the election timeout minus the drift
     * margin. Each of those voters, having heard from us, refuses to vote for anyone else for a full
     * election timeout by its own clock (CheckQuorum's leader stickiness), so no other leader can exist.
     * A leadership transfer deliberately bypasses that stickiness, so it voids the lease.
     */
    private boolean leaseValid() {
        if (!config.leaseReads() || role != Role.LEADER || transferee != NONE) {
            return false;
        }
        return tracker.leaseHeld(now);
    }

    /**
     * Reports {@code count} ticks that passed without {@link #tick()} being called (the runtime's thread
     * stalled: a GC pause, a slow sync). They fire no timer — a burst of election timeouts would expire
     * what peers' messages, still queued, were about to reset — but they age the read lease, which must
     * not outlive real time: a leader partitioned during the stall must not serve reads from a lease that
     * expired while it was stalled.
     */
    public void ticksLost(long count) {
        Check.argument(count >= 0, "lost ticks must be >= 0, got %s", count);
        now += count;
        tracker.pruneLeaseRounds(now);
    }

    private void confirmReads() {
        for (ReadIndexTracker.Read read : reads.takeConfirmed(tracker.quorum(), id)) {
            answerRead(read, true);
        }
    }

    private void failPendingReads() {
        for (ReadIndexTracker.Read read : reads.takeAll()) {
            answerRead(read, false);
        }
    }

    private void failAskedReads() {
        for (long context : readsAsked.keySet()) {
            readStates.add(new ReadState(context, -1, false));
        }
        readsAsked.clear();
    }

    private void answerRead(ReadIndexTracker.Read read, boolean confirmed) {
        long index = confirmed ? read.index() : -1;
        if (read.from() == id) {
            readStates.add(new ReadState(read.context(), index, confirmed));
        } else {
            messages.add(new ReadIndexResponse(id, read.from(), term, read.context(), index, confirmed));
        }
    }

    // ------------------------------------------------------------------------------ leader transfer

    /**
     * Hands leadership to voter {@code target} (thesis §3.10): the leader brings it up to date, then
     * tells it to campaign at once. Proposals are refused while the transfer runs; if it has not
     * completed within an election timeout it is abandoned and the leader carries on.
     *
     * @throws NotLeaderException        when this node is not the leader
     * @throws IllegalArgumentException when {@code target} is not a voter
     */
    public void transferLeadership(long target) {
        if (role != Role.LEADER) {
            throw new NotLeaderException(id, leaderId);
        }
        Check.argument(conf.isVoter(target), "node %s is not a voter of %s", target, conf);
        if (target == id || target == transferee) {
            return;
        }
        transferee = target;
        electionElapsed = 0;
        Progress pr = tracker.progress(target);
        if (pr.match() == log.lastIndex()) {
            messages.add(new TimeoutNow(id, target, term));
        } else {
            sendAppend(target);
        }
    }

    /** The voter a leadership transfer is handing over to, or {@link #NONE}. */
    public long transferee() {
        return transferee;
    }

    // -------------------------------------------------------------------------------- ready/advance

    /** True when {@link #ready()} has something for the caller to do. */
    public boolean hasReady() {
        return !messages.isEmpty()
                || !messagesAfterSync.isEmpty()
                || !readStates.isEmpty()
                || !snapshotChunks.isEmpty()
                || snapshotToInstall != null
                || !log.unstableEntries().isEmpty()
                || hardStateMustBePersisted()
                || log.hasEntriesToApply()
                || !softState().equals(reportedSoftState);
    }

    /**
     * Collects what the caller must do now. The caller must finish its duties (see {@link Ready}) and
     * call {@link #advance(Ready)} before calling {@code step}, {@code tick}, {@code propose} or
     * {@code ready} again.
     */
    public Ready ready() {
        HardState hs = hardState();
        Ready.SoftState ss = softState();
        List<Entry> toApply = log.entriesToApply(config.committedBytesPerReadyMax());
        boolean appliesConfChange = false;
        for (Entry e : toApply) {
            appliesConfChange |= e.type() == EntryType.CONFIG_CHANGE;
        }
        Ready ready = new Ready(
                // A Ready that applies a configuration entry also persists the commit index covering it, so a
                // restarted node re-applies it from its own log and its application sees no older membership.
                // (This once fixed simulator seed 2967, a cluster restarted into a configuration of removed
                // nodes; elections now use the latest configuration in the log in any case, thesis §4.1.)
                hardStateMustBePersisted() || appliesConfChange ? hs : null,
                log.unstableEntries(),
                messages,
                messagesAfterSync,
                toApply,
                ss.equals(reportedSoftState) ? null : ss,
                snapshotChunks,
                snapshotToInstall,
                readStates,
                log.hasUnsyncedEntries());
        snapshotChunks = new ArrayList<>();
        snapshotToInstall = null;
        messages = new ArrayList<>();
        messagesAfterSync = new ArrayList<>();
        readStates = new ArrayList<>();
        return ready;
    }

    /** Acknowledges that the caller has carried out every duty of {@code ready}. */
    public void advance(Ready ready) {
        if (ready.needsSync()) {
            // The caller synced after writing this Ready, which covers every earlier write too.
            log.allSynced();
        }
        advanceInternal(ready);
        if (ready.needsSync() && ready.entries().isEmpty()) {
            raiseOwnMatch(); // the sync covered entries written without one earlier
        }
    }

    /**
     * Acknowledges a Ready whose entries the caller has <em>written</em> to storage but not yet synced:
     * they stop being handed out, but count as durable — toward a commit quorum, for applying, and in
     * acknowledgements — only once {@link #synced(LogPosition)} reports a sync that covers them. This lets
     * a leader keep stepping acknowledgements and proposals while its own fsync runs elsewhere.
     *
     * <p>Allowed only for a Ready that {@link Ready#mayAdvanceBeforeSync() may advance before its sync}
     * (no hard state, no snapshot). Every other duty of the Ready is done as usual before this call, except
     * that its {@link Ready#messagesAfterSync()} wait for a sync begun after its entries were written.
     */
    public void advanceWithoutSync(Ready ready) {
        Check.argument(
                ready.mayAdvanceBeforeSync(),
                "a Ready with a hard state or a snapshot, or without anything "
                        + "to sync, cannot be advanced before its sync");
        if (!ready.entries().isEmpty()) {
            log.writtenTo(ready.entries().get(ready.entries().size() - 1).position());
        }
        advanceInternal(ready);
    }

    /**
     * A sync covering every write made through {@code position} has completed (after
     * {@link #advanceWithoutSync}). Stale reports — the entry since replaced, or already covered — are
     * ignored.
     */
    public void synced(LogPosition position) {
        log.syncedTo(position);
        raiseOwnMatch();
    }

    private void raiseOwnMatch() {
        if (role == Role.LEADER) {
            Progress self = tracker.progress(id);
            // Now, and only now, our own copy counts toward the commit quorum.
            if (self != null && self.maybeUpdate(log.lastDurableIndex()) && maybeCommit()) {
                broadcastAppend();
            }
        }
    }

    private void advanceInternal(Ready ready) {
        if (ready.snapshot() != null) {
            log.snapshotInstalled(ready.snapshot());
        }
        if (ready.hardState() != null) {
            persistedHardState = ready.hardState();
        }
        if (ready.softState() != null) {
            reportedSoftState = ready.softState();
        }
        if (!ready.entries().isEmpty()) {
            Entry last = ready.entries().get(ready.entries().size() - 1);
            log.stableTo(last.position());
            raiseOwnMatch();
        }
        if (!ready.committedEntries().isEmpty()) {
            Entry last = ready.committedEntries().get(ready.committedEntries().size() - 1);
            log.appliedTo(last.index());
            boolean confChanged = false;
            for (Entry e : ready.committedEntries()) {
                if (e.type() == EntryType.CONFIG_CHANGE) {
                    applyCommittedConfEntry(e);
                    confChanged = true;
                }
            }
            boolean leftJoint = maybeLeaveJoint();
            if ((confChanged || leftJoint) && role == Role.LEADER) {
                // New members need their first append, the others the new commit index (and any
                // leave-joint entry): one broadcast for the whole batch.
                broadcastAppend();
            }
            if (role == Role.LEADER) {
                for (Entry e : ready.committedEntries()) {
                    if (e.term() == term) {
                        uncommittedBytes = Math.max(0, uncommittedBytes - e.sizeBytes());
                    }
                }
            }
        }
    }

    /**
     * Term and vote must be durable before anything that depends on them leaves; the commit index need
     * not be (Raft treats it as volatile: a restarted node learns it again from the leader, and never
     * applies past what its log and snapshot prove committed). So a new hard state is handed out only when
     * term or vote changed, carrying the commit index of the moment. Rewriting it on every commit would
     * cost the storage an extra atomic file replacement (several fsyncs) on nearly every Ready.
     */
    private boolean hardStateMustBePersisted() {
        return term != persistedHardState.term() || votedFor != persistedHardState.votedFor();
    }

    private HardState hardState() {
        return new HardState(term, votedFor, log.committed());
    }

    private Ready.SoftState softState() {
        return new Ready.SoftState(role, leaderId);
    }

    // ------------------------------------------------------------------------------ configuration

    /**
     * Reads the configuration entries after the applied index (thesis §4.1: a restarted node uses the latest
     * configuration in its log, whether or not it knows it committed). Only the log after the snapshot the
     * state machine was restored from is read, in batches of at most {@code appendBytesMax}: the same entries
     * replay reads anyway, and only configuration entries are kept.
     */
    private void recoverConfigurations() {
        long last = log.lastIndex();
        long from = log.applied() + 1;
        while (from <= last) {
            List<Entry> batch = log.entries(from, last + 1, config.appendBytesMax());
            List<Entry> changes = new ArrayList<>();
            for (Entry e : batch) {
                if (e.type() == EntryType.CONFIG_CHANGE) {
                    changes.add(e);
                }
            }
            configs.appended(changes);
            from = batch.get(batch.size() - 1).index() + 1;
        }
        latestConfChanged();
    }

    /** Every entry the log takes, as leader or follower: a configuration takes effect when appended. */
    private void logAppended(List<Entry> entries) {
        if (configs.appended(entries)) {
            latestConfChanged();
        }
    }

    /**
     * Adopts {@code configs.latest()} for elections and commitment. A leader starts tracking the members it
     * adds at once (their acknowledgements count from now on); members it removes stay tracked until their
     * removal is applied, so they hear of it (see {@link #applyCommittedConfEntry}).
     */
    private void latestConfChanged() {
        conf = configs.latest();
        tracker.applyConf(conf);
        if (role == Role.LEADER) {
            long next = log.lastIndex() + 1;
            for (long member : conf.members()) {
                tracker.trackIfAbsent(member, next);
            }
        }
    }

    /** A member of the latest or of the applied configuration: one whose messages this node takes. */
    private boolean isMember(long node) {
        return conf.isMember(node) || configs.applied().isMember(node);
    }

    /** The members a leader replicates to: those of the latest configuration and those of the applied one. */
    private SortedSet<Long> trackedMembers() {
        TreeSet<Long> members = new TreeSet<>(conf.members());
        members.addAll(configs.applied().members());
        return members;
    }

    // ------------------------------------------------------------------------------------- status

    /** A consistent picture of this node's state. */
    public Status status() {
        TreeMap<Long, Status.FollowerProgress> view = new TreeMap<>();
        if (role == Role.LEADER) {
            for (long member : tracker.members()) {
                Progress pr = tracker.progress(member);
                view.put(
                        member,
                        new Status.FollowerProgress(
                                pr.match(), pr.next(), pr.state().name(), member == id || pr.recentlyActive()));
            }
        }
        return new Status(
                id,
                role,
                term,
                votedFor,
                leaderId,
                log.committed(),
                log.applied(),
                log.lastIndex(),
                configs.applied(),
                view,
                nonMemberMessagesDropped);
    }

    /** This node's current term. */
    public long term() {
        return term;
    }

    public Role role() {
        return role;
    }

    /** The leader this node believes in, or {@link #NONE}. */
    public long leaderId() {
        return leaderId;
    }
}
