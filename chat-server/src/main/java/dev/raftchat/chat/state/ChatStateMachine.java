package dev.raftchat.chat.state;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.raftchat.raft.statemachine.StateMachine;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicated chat: the {@link ChatModel} (rooms sorted by name holding messages oldest first, users,
 * sessions, read markers, client transaction ids, log time) behind both the original API and the chat API
 * v1, plus the wanted membership changes: peer URLs of members added at run time and the ids of members
 * asked to leave. Read the model with {@link #read} (under the read lock).
 *
 * <p><b>Determinism.</b> {@link #apply} depends only on the state and the command: it reads no clock
 * (the time of a post is in the command; it is raised to the room's latest time when lower, so times
 * never decrease within a room) and iterates only sorted maps. Two machines fed the same commands
 * produce the same {@link #writeSnapshot snapshot} bytes.
 *
 * <p><b>Failures.</b> A command that breaks {@link ChatLimits} or cannot be decoded changes nothing and
 * returns a rejected {@link ChatResult} (encoded by {@link ChatCodec}); apply never throws for a bad
 * command, since every replica must take the same decision. Applying an index not above the last
 * applied one is a bug of the caller and throws {@link IllegalStateException}.
 *
 * <p><b>Cluster version.</b> The replicated {@link #clusterVersion} (1 until the leader commits a
 * {@link ChatCommand.SetClusterVersion}) decides what a command's declared command version means, the same
 * on every node whatever build it runs: above the cluster version it is refused ({@code malformed_command},
 * counted in {@link #refusedCommands}); at or below it, a node that cannot read it throws
 * {@link IllegalStateException} (its Raft server stops with that message) instead of skipping it, since a
 * skip would make it diverge. The same holds for a raise past what this node reads and for a snapshot of
 * such a cluster. {@code commandVersionMax} below the build's lets one build act as an older one.
 *
 * <p><b>Threading.</b> {@link #apply}, {@link #restore} and the query methods may be called from any
 * threads: writers take a write lock, readers a read lock, so a stale local read ({@link #rooms},
 * {@link #posts}) from an HTTP thread sees a consistent state between two entries. Listeners run on the
 * applying thread, outside the lock.
 */
public final class ChatStateMachine implements StateMachine {

    private static final Logger LOG = LoggerFactory.getLogger(ChatStateMachine.class);
    static final int SNAPSHOT_MAGIC = 0x52434853; // "RCHS"
    static final int SNAPSHOT_END = 0x52434845; // "RCHE": a truncated snapshot is detected, not half-restored
    /** Version 2: v1 rooms and messages, users, sessions, read markers, transaction ids, log time. */
    static final int SNAPSHOT_FORMAT_VERSION_2 = 2;
    /**
     * Version 3, one format for two branches' additions: version 2 plus the cluster version and the last clock
     * step (after the removed nodes), a message's {@code verified} byte and a user's {@code operatorVouched}
     * byte (in the model). Written once the cluster version is 2 or more, so that a node of an older build
     * can still install this node's snapshots while the cluster has not moved past what it reads; before that
     * this node writes version 2, whose reader rebuilds {@code verified} and {@code operatorVouched}
     * ({@link ChatModel#read}), unless that rebuild would differ from this state's {@code verified} flags
     * ({@link ChatModel#formatTwoKeepsVerified}): then version 3 with cluster version 1, which an older build
     * refuses (it stops) rather than install a state that differs from the others'.
     */
    static final int SNAPSHOT_FORMAT_VERSION_3 = 3;
    /**
     * Version 4: version 3 plus the agreed state budget ({@code agreedStateBytesMax:i64} after the clock step,
     * 0 while none was agreed). Written once the cluster version is 3, which only a cluster whose every member
     * reads version 4 reaches; before that this node writes version 3 or 2 as above, and no budget was agreed.
     */
    public static final int SNAPSHOT_FORMAT_VERSION = 4;

    private static final JsonFactory JSON = new JsonFactory();

    private final ChatLimits limits;
    private final ChatPolicy policy;
    private final List<ChatListener> listeners = new CopyOnWriteArrayList<>();
    private final ReadWriteLock lock = new ReentrantReadWriteLock();

    // Guarded by lock.
    private ChatModel model;
    private final TreeMap<Long, String> peerUrls = new TreeMap<>();
    /** Registered peers wanted as learners rather than voters; a subset of peerUrls' keys. */
    private final TreeSet<Long> learnerIds = new TreeSet<>();
    /** Nodes asked to leave; disjoint from peerUrls' keys. */
    private final TreeSet<Long> removedNodeIds = new TreeSet<>();
    /** Invariant: every entry applied so far had an index <= this; the next must be above it. */
    private long appliedIndex;
    /**
     * The replicated cluster version: commands of a higher command version are rejected alike on every node;
     * 1 until a {@link ChatCommand.SetClusterVersion} raises it. Invariant: {@code <= commandVersionMax} (a
     * node that would break it stops).
     */
    private int clusterVersion = 1;
    /** The reported maximum command version of each node: soft state, not in snapshots. */
    private final TreeMap<Long, Integer> announcedVersions = new TreeMap<>();
    /** The state budget each node reported ({@link ChatCommand.ReportStateBudget}): soft state, not in snapshots. */
    private final TreeMap<Long, Long> announcedStateBudgets = new TreeMap<>();

    /** The highest command version this node reads (lower than the build's to act as an older build). */
    private final int commandVersionMax;

    private final AtomicLong refusedCommands = new AtomicLong();

    public ChatStateMachine(ChatLimits limits) {
        this(limits, ChatPolicy.defaults());
    }

    public ChatStateMachine(ChatLimits limits, ChatPolicy policy) {
        this(limits, policy, ChatCodec.COMMAND_VERSION_MAX);
    }

    /**
     * @param commandVersionMax the highest command version this node reads, 1 to
     *                          {@link ChatCodec#COMMAND_VERSION_MAX}: lower makes it behave as an older build
     */
    public ChatStateMachine(ChatLimits limits, ChatPolicy policy, int commandVersionMax) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.policy = Objects.requireNonNull(policy, "policy");
        if (commandVersionMax < 1 || commandVersionMax > ChatCodec.COMMAND_VERSION_MAX) {
            throw new IllegalArgumentException("commandVersionMax = " + commandVersionMax + " is out of range [1, "
                    + ChatCodec.COMMAND_VERSION_MAX + "]");
        }
        this.commandVersionMax = commandVersionMax;
        this.model = new ChatModel(limits, policy);
    }

    public int commandVersionMax() {
        return commandVersionMax;
    }

    /** The replicated cluster version as applied here. */
    public int clusterVersion() {
        return underReadLock(() -> clusterVersion);
    }

    /** The latest command version each node reported (soft state: only what this node applied since its start). */
    public SortedMap<Long, Integer> announcedVersions() {
        return underReadLock(() -> Collections.unmodifiableSortedMap(new TreeMap<>(announcedVersions)));
    }

    /** The state budget each node reported since this node's start or last restore (soft state). */
    public SortedMap<Long, Long> announcedStateBudgets() {
        return underReadLock(() -> Collections.unmodifiableSortedMap(new TreeMap<>(announcedStateBudgets)));
    }

    /** The state budget agreed through the log ({@link ChatCommand.SetStateBudget}), 0 while none was. */
    public long agreedStateBytesMax() {
        return underReadLock(() -> model.agreedStateBytesMax());
    }

    /** The budget writes are checked against now: the agreed one, else the policy's. */
    public long stateBytesMax() {
        return underReadLock(() -> model.stateBytesMax());
    }

    /** The replicated log time, in milliseconds since the epoch (0 before any command carried a time). */
    public long logTimeMillis() {
        return read(ChatModel::logTimeMillis);
    }

    /** Committed commands this node refused because they did not decode or had a version above the cluster's. */
    public long refusedCommands() {
        return refusedCommands.get();
    }

    public ChatPolicy policy() {
        return policy;
    }

    /**
     * Runs {@code view} on the model under the read lock: a consistent state between two entries. The view
     * must be quick and must not keep references to mutable parts (the model's own view methods copy).
     */
    public <T> T read(Function<ChatModel, T> view) {
        return underReadLock(() -> view.apply(model));
    }

    private <T> T underReadLock(Supplier<T> body) {
        lock.readLock().lock();
        try {
            return body.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    public ChatLimits limits() {
        return limits;
    }

    public void addListener(ChatListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(ChatListener listener) {
        listeners.remove(listener);
    }

    @Override
    public byte[] apply(long index, byte[] command) {
        return ChatCodec.encodeResult(applyCommand(index, command));
    }

    /** {@link #apply} with the result not yet encoded; same contract. */
    public ChatResult applyCommand(long index, byte[] command) {
        // Garbage and early commands are told apart from the replicated cluster version, never from this
        // node's own build, so that every replica decides alike (ARCHITECTURE.md, "cluster version"):
        //  - a declared version in [1, clusterVersion] that this node cannot read: it stops (it would diverge);
        //  - a declared version outside [1, clusterVersion]: no member proposes those, so it is refused everywhere;
        //  - a version it reads but bytes that do not decode as that version: refused everywhere (malformed).
        int version = ChatCodec.declaredCommandVersion(command);
        int current = clusterVersion();
        if (version >= 1 && version <= current && version > commandVersionMax) {
            throw new IllegalStateException(cannotFollow(index, version));
        }
        ChatCommand decoded;
        try {
            if (version < 1 || version > current) {
                // One code for all undecodable entries; the words say which case this is.
                throw new InvalidCommandException(
                        ChatError.MALFORMED_COMMAND,
                        version < 1
                                ? "no command version"
                                : "command version " + version + " is above the cluster version " + current
                                        + ": no member proposes it until every member reads it");
            }
            decoded = ChatCodec.decodeCommand(command, current);
        } catch (InvalidCommandException e) {
            advanceTo(index);
            refusedCommands.incrementAndGet();
            LOG.warn("committed entry {} was refused on every node ({}): {}", index, e.code(), e.getMessage());
            return ChatResult.rejected(e.error(), e.getMessage());
        }
        if (decoded instanceof ChatCommand.ReportVersion report) {
            return applyReport(index, report);
        }
        if (decoded instanceof ChatCommand.SetClusterVersion raise) {
            return applyClusterVersion(index, raise);
        }
        if (decoded instanceof ChatCommand.ReportStateBudget report) {
            return applyStateBudgetReport(index, report);
        }
        if (decoded instanceof ChatCommand.SetStateBudget budget) {
            return applyStateBudget(index, budget);
        }
        if (decoded instanceof ChatCommand.PostMessage post) {
            return applyPost(index, post);
        }
        if (decoded instanceof ChatCommand.RemovePeer removal) {
            return applyRemoval(index, removal);
        }
        if (decoded instanceof ChatCommand.RegisterPeer peer) {
            return applyPeer(index, peer);
        }
        return applyApi(index, decoded);
    }

    private ChatResult applyPost(long index, ChatCommand.PostMessage command) {
        return applyToModel(
                index,
                (events) -> model.applyOriginalPost(
                        index,
                        command.room(),
                        command.user(),
                        command.message(),
                        command.postedAtMillis(),
                        "",
                        "",
                        events));
    }

    /** Applies one command to the model under the write lock, then tells the listeners (outside the lock). */
    private ChatResult applyToModel(long index, Function<ChatModel.Events, ChatResult> change) {
        List<Consumer<ChatListener>> events = new ArrayList<>();
        ChatResult result;
        lock.writeLock().lock();
        try {
            checkIndex(index);
            appliedIndex = index;
            result = change.apply(events::add);
        } finally {
            lock.writeLock().unlock();
        }
        for (Consumer<ChatListener> event : events) {
            tellListeners(event, index);
        }
        return result;
    }

    /** Tells every listener {@code event} of the entry at {@code index}; one that throws is logged and skipped. */
    private void tellListeners(Consumer<ChatListener> event, long index) {
        for (ChatListener listener : listeners) {
            try {
                event.accept(listener);
            } catch (RuntimeException e) {
                LOG.warn("chat listener failed on entry {}; ignored", index, e);
            }
        }
    }

    private ChatResult applyApi(long index, ChatCommand command) {
        return applyToModel(index, events -> {
            if (command instanceof ChatCommand.PostMessageV2 c) {
                return model.applyOriginalPost(
                        index, c.room(), c.user(), c.message(), c.postedAtMillis(), c.txnId(), c.actor(), events);
            } else if (command instanceof ChatCommand.Tick c) {
                return model.applyTick(c.atMillis(), events);
            } else if (command instanceof ChatCommand.ClockTick c) {
                return model.applyClockTick(c.atMillis(), c.stepMaxMillis(), events);
            } else if (command instanceof ChatCommand.CreateRoom c) {
                return model.applyCreateRoom(c, events);
            } else if (command instanceof ChatCommand.DeleteRoom c) {
                return model.applyDeleteRoom(c, events);
            } else if (command instanceof ChatCommand.SetRetention c) {
                return model.applySetRetention(c, events);
            } else if (command instanceof ChatCommand.SendMessage c) {
                return model.applySend(index, c, events);
            } else if (command instanceof ChatCommand.EditMessage c) {
                return model.applyEdit(c, events);
            } else if (command instanceof ChatCommand.DeleteMessage c) {
                return model.applyDeleteMessage(c, events);
            } else if (command instanceof ChatCommand.SetReadMarker c) {
                return model.applyReadMarker(c);
            } else if (command instanceof ChatCommand.RegisterUser c) {
                return model.applyRegister(c);
            } else if (command instanceof ChatCommand.CreateSession c) {
                return model.applyCreateSession(index, c);
            } else if (command instanceof ChatCommand.RevokeSession c) {
                return model.applyRevoke(c);
            }
            throw new IllegalArgumentException("not an API command: " + command);
        });
    }

    private ChatResult applyPeer(long index, ChatCommand.RegisterPeer command) {
        ChatResult result = applyPeerChange(index, command.nodeId(), () -> {
            try {
                limits.checkPeerUrl(command.url());
            } catch (InvalidCommandException e) {
                return ChatResult.rejected(e.error(), e.getMessage());
            }
            peerUrls.put(command.nodeId(), command.url());
            if (command.learner()) {
                learnerIds.add(command.nodeId());
            } else {
                learnerIds.remove(command.nodeId());
            }
            removedNodeIds.remove(command.nodeId());
            return ChatResult.accepted(null);
        });
        if (result.accepted()) {
            tellListeners(listener -> listener.onPeerRegistered(command.nodeId(), command.url()), index);
        }
        return result;
    }

    private ChatResult applyRemoval(long index, ChatCommand.RemovePeer command) {
        ChatResult result = applyPeerChange(index, command.nodeId(), () -> {
            peerUrls.remove(command.nodeId());
            learnerIds.remove(command.nodeId());
            removedNodeIds.add(command.nodeId());
            return ChatResult.accepted(null);
        });
        if (result.accepted()) {
            tellListeners(listener -> listener.onPeerRemoved(command.nodeId()), index);
        }
        return result;
    }

    /**
     * Applies the membership entry at {@code index} about {@code nodeId} under the write lock: rejected when the
     * id is not positive, else {@code change} (which may still reject it).
     */
    private ChatResult applyPeerChange(long index, long nodeId, Supplier<ChatResult> change) {
        lock.writeLock().lock();
        try {
            checkIndex(index);
            appliedIndex = index;
            if (nodeId <= 0) {
                return ChatResult.rejected(ChatError.INVALID_NODE_ID, "node id " + nodeId + " is not positive");
            }
            return change.get();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private String cannotFollow(long index, int version) {
        return "entry " + index + " needs command version " + version + " (the cluster version is, or is being"
                + " raised to, " + version + ") but this node reads command versions up to " + commandVersionMax
                + "; it stops rather than skip the entry and diverge. Run a build that reads version " + version
                + " (and no lower --command-version-max) on this node; see docs/operations.md, Upgrading";
    }

    private ChatResult applyReport(long index, ChatCommand.ReportVersion report) {
        lock.writeLock().lock();
        try {
            checkIndex(index);
            appliedIndex = index;
            if (report.nodeId() <= 0 || report.commandVersionMax() < 1) {
                return ChatResult.rejected(
                        ChatError.INVALID_VERSION_REPORT,
                        "node " + report.nodeId() + " reported version " + report.commandVersionMax());
            }
            announcedVersions.put(report.nodeId(), report.commandVersionMax());
            return ChatResult.accepted(null);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** The range of a state budget, reported or agreed: {@link ChatPolicy}'s range for the flag. */
    private static boolean validStateBudget(long bytes) {
        return bytes >= ChatPolicy.STATE_BYTES_MAX_MIN && bytes <= ChatPolicy.STATE_BYTES_MAX_LIMIT;
    }

    private ChatResult applyStateBudgetReport(long index, ChatCommand.ReportStateBudget report) {
        lock.writeLock().lock();
        try {
            checkIndex(index);
            appliedIndex = index;
            if (report.nodeId() <= 0 || !validStateBudget(report.stateBytesMax())) {
                return ChatResult.rejected(
                        ChatError.INVALID_STATE_BUDGET,
                        "node " + report.nodeId() + " reported a state budget of " + report.stateBytesMax() + " bytes");
            }
            announcedStateBudgets.put(report.nodeId(), report.stateBytesMax());
            return ChatResult.accepted(null);
        } finally {
            lock.writeLock().unlock();
        }
    }

    private ChatResult applyStateBudget(long index, ChatCommand.SetStateBudget budget) {
        long before;
        lock.writeLock().lock();
        try {
            checkIndex(index);
            appliedIndex = index;
            if (!validStateBudget(budget.stateBytesMax())) {
                return ChatResult.rejected(
                        ChatError.INVALID_STATE_BUDGET,
                        "a state budget of " + budget.stateBytesMax() + " bytes is outside ["
                                + ChatPolicy.STATE_BYTES_MAX_MIN + ", " + ChatPolicy.STATE_BYTES_MAX_LIMIT + "]");
            }
            before = model.stateBytesMax();
            model.agreeStateBytesMax(budget.stateBytesMax());
        } finally {
            lock.writeLock().unlock();
        }
        LOG.info(
                "entry {}: the state budget is now {} MiB (was {} MiB), the lowest the members reported",
                index,
                budget.stateBytesMax() >> 20,
                before >> 20);
        return ChatResult.accepted(null);
    }

    private ChatResult applyClusterVersion(long index, ChatCommand.SetClusterVersion raise) {
        lock.writeLock().lock();
        try {
            checkIndex(index);
            if (raise.version() <= clusterVersion) {
                appliedIndex = index;
                return ChatResult.rejected(
                        ChatError.STALE_CLUSTER_VERSION,
                        "the cluster version is already " + clusterVersion + ", not below " + raise.version());
            }
            if (raise.version() > commandVersionMax) {
                throw new IllegalStateException(cannotFollow(index, raise.version()));
            }
            appliedIndex = index;
            clusterVersion = raise.version();
            if (clusterVersion >= 2 && !model.timeBounded()) {
                model.boundTime(0);
            }
        } finally {
            lock.writeLock().unlock();
        }
        LOG.info("entry {}: the cluster version is now {}", index, raise.version());
        return ChatResult.accepted(null);
    }

    private void advanceTo(long index) {
        lock.writeLock().lock();
        try {
            checkIndex(index);
            appliedIndex = index;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void checkIndex(long index) {
        if (index <= appliedIndex) {
            throw new IllegalStateException("entry " + index + " applied after entry " + appliedIndex
                    + ": entries must be applied once each, in increasing index order");
        }
    }

    /**
     * Answers a {@link ChatQuery} encoded by {@link ChatCodec}: with UTF-8 JSON, the sorted array of room
     * names or the array of {@code {"User","Message","PostedAt"}} of one room, oldest first; or with the
     * applied index as 8 big-endian bytes.
     *
     * @throws InvalidCommandException for a malformed query or an invalid room name
     */
    @Override
    public byte[] query(byte[] query) {
        ChatQuery decoded = ChatCodec.decodeQuery(query);
        if (decoded instanceof ChatQuery.AppliedIndex) {
            return ByteBuffer.allocate(Long.BYTES).putLong(appliedIndex()).array();
        }
        if (decoded instanceof ChatQuery.ReadRoom read) {
            limits.checkRoomName(read.room());
            return postsJson(posts(read.room()));
        }
        return roomsJson(rooms());
    }

    /** Room names, sorted. A copy: later applies do not change it. */
    public List<String> rooms() {
        return underReadLock(() -> model.roomNames());
    }

    /** The posts of {@code room}, oldest first; empty for an unknown room. A copy. */
    public List<Post> posts(String room) {
        return underReadLock(() -> List.copyOf(model.posts(room)));
    }

    /** Peer URLs registered through the log, by node id. A copy. */
    public SortedMap<Long, String> peerUrls() {
        return underReadLock(() -> Collections.unmodifiableSortedMap(new TreeMap<>(peerUrls)));
    }

    /** Registered peers wanted as learners, ascending. A copy. */
    public SortedSet<Long> learnerIds() {
        return underReadLock(() -> Collections.unmodifiableSortedSet(new TreeSet<>(learnerIds)));
    }

    /** Nodes asked to leave the cluster, ascending. A copy. */
    public SortedSet<Long> removedNodeIds() {
        return underReadLock(() -> Collections.unmodifiableSortedSet(new TreeSet<>(removedNodeIds)));
    }

    /** The index of the last entry applied (0 when none). */
    public long appliedIndex() {
        return underReadLock(() -> appliedIndex);
    }

    /**
     * A point-in-time copy of the whole state (applied index, peers, rooms, posts), taken under the read
     * lock in time linear in the number of rooms and posts (references are copied, not strings); its
     * {@link Snapshot#writeTo} then serializes it on any thread while applies go on, and never sees them.
     * Equal states give equal bytes. The format, read back by {@link #restore}:
     *
     * <pre>
     * magic:i32 "RCHS"  version:i32  appliedIndex:i64
     * peerCount:i32  (nodeId:i64 url:str learner:i8)*      ascending id
     * removedCount:i32  (nodeId:i64)*                       ascending id
     * clusterVersion:i32  clockStepMaxMillis:i64            version 3 and 4 (version 2: cluster version 1)
     * agreedStateBytesMax:i64                               version 4 only (0: none agreed)
     * the model: logTime, rooms with messages and read markers, users, sessions, transaction ids (see ChatModel#write)
     * end:i32 "RCHE"
     * </pre>
     */
    @Override
    public Snapshot snapshot() {
        long index;
        TreeMap<Long, String> peers;
        TreeSet<Long> removed;
        TreeSet<Long> learners;
        ChatModel modelCopy;
        int version;
        lock.readLock().lock();
        try {
            index = appliedIndex;
            version = clusterVersion;
            peers = new TreeMap<>(peerUrls);
            removed = new TreeSet<>(removedNodeIds);
            learners = new TreeSet<>(learnerIds);
            modelCopy = model.copy();
        } finally {
            lock.readLock().unlock();
        }
        return out -> writeSnapshot(out, index, peers, learners, removed, version, modelCopy);
    }

    /** Writes {@link #snapshot()} to {@code out}; flushed, not closed. */
    public void writeSnapshot(OutputStream out) throws IOException {
        snapshot().writeTo(out);
    }

    private static void writeSnapshot(
            OutputStream out,
            long index,
            SortedMap<Long, String> peers,
            SortedSet<Long> learners,
            SortedSet<Long> removed,
            int clusterVersion,
            ChatModel modelCopy)
            throws IOException {
        DataOutputStream data = new DataOutputStream(new BufferedOutputStream(out, 64 * 1024));
        data.writeInt(SNAPSHOT_MAGIC);
        // Format 2 while the cluster version is 1, so that older builds install it, unless it would lose a
        // message's verified flag (an unverified post whose name was registered since): then format 3, which an
        // older build refuses with a clear error instead of installing a different state.
        boolean formatThree = clusterVersion >= 2 || !modelCopy.formatTwoKeepsVerified();
        // Format 4 from cluster version 3 on: only then can a budget have been agreed (its commands are version 3).
        boolean formatFour = clusterVersion >= 3;
        data.writeInt(
                formatFour
                        ? SNAPSHOT_FORMAT_VERSION
                        : formatThree ? SNAPSHOT_FORMAT_VERSION_3 : SNAPSHOT_FORMAT_VERSION_2);
        data.writeLong(index);
        data.writeInt(peers.size());
        for (Map.Entry<Long, String> peer : peers.entrySet()) {
            data.writeLong(peer.getKey());
            ChatCodec.writeString(data, peer.getValue());
            data.writeByte(learners.contains(peer.getKey()) ? 1 : 0);
        }
        data.writeInt(removed.size());
        for (long nodeId : removed) {
            data.writeLong(nodeId);
        }
        if (formatThree) {
            data.writeInt(clusterVersion);
            data.writeLong(modelCopy.clockStepMaxMillis());
        }
        if (formatFour) {
            data.writeLong(modelCopy.agreedStateBytesMax());
        }
        modelCopy.write(data, !formatThree);
        data.writeInt(SNAPSHOT_END);
        data.flush();
    }

    /** {@link #writeSnapshot} into a byte array. */
    public byte[] snapshotBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            writeSnapshot(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Replaces the whole state with the snapshot read from {@code in} (read through a buffer, so it may be
     * consumed past the end marker; not closed). The snapshot is parsed completely before anything
     * changes: on any error the state is untouched. Listeners hear {@link ChatListener#onRestored} (not
     * one event per post: a restore is not a stream of new posts).
     *
     * @throws IOException for a truncated or corrupt snapshot, an unknown version, or data that breaks
     *                     the limits (a snapshot from a cluster with larger limits)
     */
    @Override
    public void restore(InputStream in) throws IOException {
        SnapshotInput data = new SnapshotInput(in);
        int magic = data.readInt();
        if (magic != SNAPSHOT_MAGIC) {
            throw new IOException(
                    String.format("not a chat snapshot: magic 0x%08x, expected 0x%08x", magic, SNAPSHOT_MAGIC));
        }
        int version = data.readInt();
        if (version < SNAPSHOT_FORMAT_VERSION_2 || version > SNAPSHOT_FORMAT_VERSION) {
            throw new IOException("chat snapshot format version " + version + " is not supported (this node reads "
                    + SNAPSHOT_FORMAT_VERSION_2 + " to " + SNAPSHOT_FORMAT_VERSION + ")");
        }
        long restoredIndex = data.readLong();
        if (restoredIndex < 0) {
            throw new IOException("chat snapshot has a negative applied index " + restoredIndex);
        }
        int stringBytesMax = ChatLimits.STRING_BYTES_LIMIT;
        TreeMap<Long, String> restoredPeers = new TreeMap<>();
        TreeSet<Long> restoredLearners = new TreeSet<>();
        int peerCount = readCount(data, "peer", Integer.MAX_VALUE);
        for (int i = 0; i < peerCount; i++) {
            long nodeId = data.readLong();
            String url = data.readString(stringBytesMax);
            byte learner = data.readByte();
            if (learner != 0 && learner != 1) {
                throw new IOException("chat snapshot has learner flag " + learner + " for node " + nodeId);
            }
            if (learner == 1) {
                restoredLearners.add(nodeId);
            }
            if (restoredPeers.put(nodeId, url) != null
                    || (!restoredPeers.isEmpty() && restoredPeers.lastKey() != nodeId)) {
                throw new IOException("chat snapshot lists peers out of order at node " + nodeId);
            }
        }
        TreeSet<Long> restoredRemovals = new TreeSet<>();
        int removedCount = readCount(data, "removed node", Integer.MAX_VALUE);
        for (int i = 0; i < removedCount; i++) {
            long nodeId = data.readLong();
            if (!restoredRemovals.add(nodeId)
                    || restoredRemovals.last() != nodeId
                    || restoredPeers.containsKey(nodeId)) {
                throw new IOException("chat snapshot lists removed node " + nodeId + " out of order or also as a peer");
            }
        }
        int restoredClusterVersion = 1;
        long restoredClockStepMillis = 0;
        long restoredStateBytesMax = 0;
        if (version >= SNAPSHOT_FORMAT_VERSION_3) {
            restoredClusterVersion = data.readInt();
            restoredClockStepMillis = data.readLong();
            if (restoredClusterVersion < 1 || restoredClockStepMillis < 0) {
                throw new IOException("chat snapshot has cluster version " + restoredClusterVersion + " and clock step "
                        + restoredClockStepMillis);
            }
            if (restoredClusterVersion > commandVersionMax) {
                throw new IOException("chat snapshot at index " + restoredIndex + " is of a cluster at version "
                        + restoredClusterVersion + " but this node reads command versions up to " + commandVersionMax
                        + "; run a build that reads it (docs/operations.md, Upgrading)");
            }
        }
        if (version >= SNAPSHOT_FORMAT_VERSION) {
            restoredStateBytesMax = data.readLong();
            if (restoredClusterVersion < 3
                    || (restoredStateBytesMax != 0 && !validStateBudget(restoredStateBytesMax))) {
                throw new IOException("chat snapshot of format " + version + " has cluster version "
                        + restoredClusterVersion + " and state budget " + restoredStateBytesMax);
            }
        }
        ChatModel restoredModel = ChatModel.read(data, limits, policy, version == SNAPSHOT_FORMAT_VERSION_2);
        if (restoredClusterVersion >= 2) {
            restoredModel.boundTime(restoredClockStepMillis);
        }
        restoredModel.agreeStateBytesMax(restoredStateBytesMax);
        int end = data.readInt();
        if (end != SNAPSHOT_END) {
            throw new IOException(
                    String.format("chat snapshot end marker is 0x%08x, expected 0x%08x", end, SNAPSHOT_END));
        }
        lock.writeLock().lock();
        try {
            model = restoredModel;
            peerUrls.clear();
            peerUrls.putAll(restoredPeers);
            learnerIds.clear();
            learnerIds.addAll(restoredLearners);
            removedNodeIds.clear();
            removedNodeIds.addAll(restoredRemovals);
            appliedIndex = restoredIndex;
            clusterVersion = restoredClusterVersion;
        } finally {
            lock.writeLock().unlock();
        }
        SortedMap<Long, String> peers = Collections.unmodifiableSortedMap(restoredPeers);
        tellListeners(listener -> listener.onRestored(peers), restoredIndex);
    }

    private static int readCount(SnapshotInput data, String what, int max) throws IOException {
        int count = data.readInt();
        if (count < 0 || count > max) {
            throw new IOException("chat snapshot " + what + " count " + count + " is outside [0, " + max + "]");
        }
        return count;
    }

    /** {@code ["a","b"]}. */
    public static byte[] roomsJson(List<String> names) {
        return json(generator -> {
            generator.writeStartArray();
            for (String name : names) {
                generator.writeString(name);
            }
            generator.writeEndArray();
        });
    }

    /** {@code [{"User":..,"Message":..,"PostedAt":..}]}, the original raft-chat's shape. */
    public static byte[] postsJson(List<Post> posts) {
        return json(generator -> {
            generator.writeStartArray();
            for (Post post : posts) {
                writePost(generator, post);
            }
            generator.writeEndArray();
        });
    }

    /** {@code {"User":..,"Message":..,"PostedAt":..}}. */
    public static void writePost(JsonGenerator generator, Post post) throws IOException {
        generator.writeStartObject();
        generator.writeStringField("User", post.user());
        generator.writeStringField("Message", post.message());
        generator.writeStringField("PostedAt", post.postedAtText());
        generator.writeEndObject();
    }

    /** Writes JSON with {@code body} into a fresh array. */
    public static byte[] json(JsonBody body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (JsonGenerator generator = JSON.createGenerator(bytes)) {
            body.write(generator);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    /** Writes one JSON value. */
    public interface JsonBody {
        void write(JsonGenerator generator) throws IOException;
    }
}
