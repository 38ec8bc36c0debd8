package dev.raftchat.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raftchat.chat.api.v1.ApiBackend;
import dev.raftchat.chat.api.v1.ApiConfig;
import dev.raftchat.chat.api.v1.ApiHandler;
import dev.raftchat.chat.api.v1.Authenticator;
import dev.raftchat.chat.api.v1.WebSocketHub;
import dev.raftchat.chat.auth.PasswordHasher;
import dev.raftchat.chat.http.ApiException;
import dev.raftchat.chat.http.ChatBackend;
import dev.raftchat.chat.http.ChatHttpServer;
import dev.raftchat.chat.http.Firehose;
import dev.raftchat.chat.http.OpsRoutes;
import dev.raftchat.chat.ops.ChatMetrics;
import dev.raftchat.chat.ops.ChatNodeOperations;
import dev.raftchat.chat.ops.MeteredStateMachine;
import dev.raftchat.chat.state.ChatCodec;
import dev.raftchat.chat.state.ChatCommand;
import dev.raftchat.chat.state.ChatError;
import dev.raftchat.chat.state.ChatLimits;
import dev.raftchat.chat.state.ChatListener;
import dev.raftchat.chat.state.ChatQuery;
import dev.raftchat.chat.state.ChatResult;
import dev.raftchat.chat.state.ChatStateMachine;
import dev.raftchat.chat.state.InvalidCommandException;
import dev.raftchat.chat.state.Post;
import dev.raftchat.raft.core.NodeConfig;
import dev.raftchat.raft.core.NotLeaderException;
import dev.raftchat.raft.core.ProposalRejectedException;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.runtime.ProposalNotCommittedException;
import dev.raftchat.raft.runtime.RaftServer;
import dev.raftchat.raft.runtime.RaftServerConfig;
import dev.raftchat.raft.runtime.RaftServerListener;
import dev.raftchat.raft.runtime.ReadNotConfirmedException;
import dev.raftchat.raft.runtime.ServerStatus;
import dev.raftchat.raft.storage.file.FileLogStorage;
import dev.raftchat.raft.storage.file.FileLogStorageConfig;
import dev.raftchat.raft.storage.file.FileSnapshotStorage;
import dev.raftchat.raft.storage.file.FileSnapshotStore;
import dev.raftchat.raft.storage.file.FileSnapshotStoreConfig;
import dev.raftchat.raft.transport.netty.NettyTransport;
import dev.raftchat.raft.transport.netty.NettyTransportConfig;
import dev.raftchat.raft.transport.netty.PeerAddress;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor.CallerRunsPolicy;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running raft-chat node: the chat state machine replicated by a {@link RaftServer} over file
 * storage ({@code <dataDir>/log}, snapshots in {@code <dataDir>/snapshots} every {@code snapshotCount} entries
 * at least, and only once the log since the last one is a quarter of that snapshot's size: see
 * {@link #SNAPSHOT_GROWTH_PERCENT}) and the Netty transport, served over HTTP and WebSocket.
 *
 * <p><b>Writes</b> are proposed on any node (a follower forwards to the leader) and answered once
 * committed and applied on this node. A proposal that fails because no leader is known (or was lost
 * in a leader change, so certainly not committed) is retried until the request timeout; after that the
 * client gets 503. <b>Reads</b> go through the runtime's ReadIndex unless the client asks for a stale
 * local read.
 *
 * <p><b>Membership.</b> {@code POST /raft/{id}} and {@code DELETE /raft/{id}} do not call the leader
 * directly (the node that receives them may not lead). They commit the wish through the log
 * ({@link ChatCommand.RegisterPeer}, {@link ChatCommand.RemovePeer}); every node learns the new peer's
 * address from it, and whichever node leads carries the change out (a reconciliation loop on the
 * timer thread), so the request survives leader changes. A node that sees itself removed from the
 * configuration closes itself (as in the original); {@link #terminated()} completes then.
 *
 * <p><b>Threads.</b> The Raft thread applies; Netty threads parse requests; one timer thread retries,
 * reconciles membership and watches for removal. Thread-safe. {@link #close()} is graceful: stop
 * accepting, wait (bounded) for in-flight requests, hand leadership to another voter, close Raft.
 */
public final class ChatNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChatNode.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long LEADERSHIP_TRANSFER_WAIT_MILLIS = 2_000;
    private static final int API_EXECUTOR_QUEUE_MAX = 16_384;
    /**
     * A snapshot waits, beyond {@code --snapshot-count} entries, until the command bytes applied since the last
     * one reach this percentage of its size ({@code RaftServerConfig.snapshotGrowthPercent}). With 25 the
     * snapshot writes cost at most about four bytes per byte posted whatever the state's size, and the log
     * behind the newest snapshot, which a restart replays, holds at most about a quarter of the state's bytes. A
     * fixed 10,000 entries rewrote a 100 MB state for every 2.5 MB posted and the post rate fell as history grew;
     * 100 (one byte written per byte posted) let a restart replay as much log as the state, and replaying an
     * entry costs several times what decoding a message from a snapshot does: a node whose 658,877-entry
     * snapshot was restored 3.7 s after its start had applied the 341,296 entries behind it 9.7 s later
     * (issue 21; figures in docs/benchmarks.md).
     */
    static final int SNAPSHOT_GROWTH_PERCENT = 25;
    /**
     * While the cluster version is below what this node reads, it reports its version again this often (a
     * report is a few bytes in the log; reports are soft state that a snapshot restore forgets).
     */
    static final long VERSION_REPORT_INTERVAL_MILLIS = 30_000;

    private final ChatNodeConfig config;
    private final long nodeId;
    private final ChatStateMachine chat;
    private final NettyTransport transport;
    private final RaftServer raft;
    private final Firehose firehose;
    private final ChatMetrics metrics;
    private final ScheduledExecutorService timer;
    private final ChatHttpServer http;
    private final PasswordHasher passwordHasher;
    private final WebSocketHub webSocketHub;
    /** Completes v1 futures off the Raft thread; bounded, and runs the step inline only when full. */
    private final ThreadPoolExecutor apiExecutor;

    private final long retryDelayMillis;
    /** This node's wall clock, in milliseconds since the epoch (a test may set it off). */
    private final LongSupplier wallClockMillis;

    private final AtomicBoolean closing = new AtomicBoolean();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();

    // Timer thread only.
    private boolean clockSkewed;
    private volatile long clockSkewMillis;
    private boolean versionChangeInFlight;
    private boolean budgetChangeInFlight;
    private long lastBudgetReportNanos;
    /** The state budget this node offers: its --state-bytes-max, else a third of its heap. */
    private final long ownStateBudgetBytes;

    private long lastVersionReportNanos;
    private boolean seenAsMember;
    private boolean membershipChangeInFlight;
    private String lastReconcileFailure;

    // FutureReturnValueIgnored: the two periodic tasks catch their own failures, and close() cancels them with
    // timer.shutdownNow().
    @SuppressWarnings("FutureReturnValueIgnored")
    private ChatNode(ChatNodeConfig config, ChatTlsConfig tls, Path clusterSecretFile, LongSupplier wallClockMillis) {
        this.config = config;
        this.wallClockMillis = wallClockMillis;
        this.lastVersionReportNanos = System.nanoTime() - TimeUnit.DAYS.toNanos(1);
        this.lastBudgetReportNanos = lastVersionReportNanos;
        this.ownStateBudgetBytes =
                config.api().stateBudgetBytesFor(Runtime.getRuntime().maxMemory());
        this.nodeId = config.nodeId();
        this.retryDelayMillis = Math.max(10, 2 * config.tickMillis());
        try {
            Files.createDirectories(config.dataDir());
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot create data directory " + config.dataDir().toAbsolutePath(), e);
        }
        this.chat = new ChatStateMachine(
                config.limits(), config.api().policy(), config.api().commandVersionMax());
        this.firehose = new Firehose(config.webSocketQueueFramesMax());
        TreeMap<Long, PeerAddress> peers = new TreeMap<>(config.cluster());
        peers.remove(nodeId);
        PeerSecurity security = PeerSecurity.resolve(config, clusterSecretFile, tls.peerEnabled());
        String clusterId = PeerSecurity.clusterId(config);
        LOG.info(
                "node {}: peers authenticated by {}; cluster id {}",
                nodeId,
                security.secrets().isEmpty() ? "their TLS certificates" : security.secrets(),
                clusterId.isEmpty() ? "to be learned from the first member" : clusterId);
        LOG.info("node {}: cluster secret from {}", nodeId, security.source());
        this.transport = new NettyTransport(
                NettyTransportConfig.builder(clusterId, nodeId, config.peerAddress())
                        .clusterSecrets(security.secrets())
                        .build(),
                peers,
                tls.peerTls());
        transport.onClusterIdLearned(learned -> {
            PeerSecurity.persistClusterId(config.dataDir(), learned);
            LOG.info("node {}: learned the cluster id {} from an authenticated member", nodeId, learned);
        });
        chat.addListener(new ChatListener() {
            @Override
            public void onPeerRegistered(long peerId, String url) {
                usePeerAddress(peerId, url);
            }

            @Override
            public void onRestored(SortedMap<Long, String> peerUrls) {
                peerUrls.forEach((peerId, url) -> usePeerAddress(peerId, url));
            }
        });
        chat.addListener(firehose);
        FileLogStorage storage = FileLogStorage.open(config.dataDir().resolve("log"), FileLogStorageConfig.defaults());
        FileSnapshotStore snapshotFiles =
                FileSnapshotStore.open(config.dataDir().resolve("snapshots"), FileSnapshotStoreConfig.defaults());
        FileSnapshotStorage snapshots = new FileSnapshotStorage(snapshotFiles);
        this.metrics = new ChatMetrics(
                nodeId,
                this::raftStatus,
                () -> snapshotFiles.latestPath().map(ChatNode::sizeOrZero).orElse(0L));
        metrics.bindPeerAuthentication(
                () -> transport.stats().authenticationFailures(),
                () -> transport.stats().senderMismatches());
        long[] voters = config.cluster().keySet().stream()
                .filter(id -> !config.join() || id != nodeId)
                .mapToLong(Long::longValue)
                .toArray();
        RaftServerConfig raftConfig = RaftServerConfig.builder(NodeConfig.defaults(nodeId), ConfState.ofVoters(voters))
                .tickMillis(config.tickMillis())
                .proposalTimeoutMillis(config.requestTimeoutMillis())
                .readTimeoutMillis(config.requestTimeoutMillis())
                .snapshotIntervalEntries(config.snapshotCount())
                .snapshotGrowthPercent(SNAPSHOT_GROWTH_PERCENT)
                .build();
        metrics.bindPeers(transport::peerStats);
        this.raft = RaftServer.builder(raftConfig, storage, transport, new MeteredStateMachine(chat, metrics))
                .snapshots(snapshots)
                .metrics(metrics)
                .build();
        registerClusterMeters();
        raft.addListener(new RaftServerListener() {
            @Override
            public void onStopped(Throwable failure) {
                // A fatal failure (a failed sync, an entry this build cannot read): the node stops as a
                // whole rather than serve HTTP around a dead Raft server; the process exits non-zero.
                if (failure != null && !closing.get()) {
                    LOG.error("node {}: stopping, because its Raft server stopped: {}", nodeId, failure.toString());
                    new Thread(ChatNode.this::close, "chat-" + nodeId + "-failed").start();
                }
            }
        });
        this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "chat-" + nodeId + "-timer");
            thread.setDaemon(true);
            return thread;
        });
        this.apiExecutor = new ThreadPoolExecutor(
                2,
                2,
                0,
                TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(API_EXECUTOR_QUEUE_MAX),
                runnable -> {
                    Thread thread = new Thread(runnable, "chat-" + nodeId + "-api");
                    thread.setDaemon(true);
                    return thread;
                },
                new CallerRunsPolicy());
        ApiConfig api = config.api();
        this.passwordHasher =
                new PasswordHasher(api.passwordHashIterations(), api.passwordHashThreads(), api.passwordHashQueueMax());
        ApiBackend apiBackend = new V1Backend();
        Authenticator authenticator = new Authenticator(apiBackend, api);
        this.webSocketHub =
                new WebSocketHub(chat, api, authenticator, config.http().webSocketAuthTimeoutMillis());
        chat.addListener(webSocketHub);
        metrics.bindWebSockets(webSocketHub::connectionCount, firehose::clientCount);
        raft.start();
        try {
            if (config.startupExerciseMillis() > 0) {
                exerciseBeforeServing(config.startupExerciseMillis());
            }
            var operations = new ChatNodeOperations(
                    nodeId,
                    raft,
                    snapshotFiles,
                    () -> {
                        TreeMap<Long, PeerAddress> addresses = new TreeMap<>(transport.peers());
                        addresses.put(nodeId, config.peerAddress());
                        return addresses;
                    },
                    metrics);
            ApiHandler apiHandler = new ApiHandler(
                    apiBackend,
                    api,
                    config.httpContentBytesMax(),
                    passwordHasher,
                    webSocketHub,
                    System::nanoTime,
                    config.adminToken());
            this.http = new ChatHttpServer(
                    config.httpHost(),
                    config.httpPort(),
                    new Backend(),
                    firehose,
                    config.httpContentBytesMax(),
                    // Admin routes answer this node's own names besides IP literals and localhost (DNS rebinding).
                    config.http()
                            .withAllowedHost(config.httpHost())
                            .withAllowedHost(config.peerAddress().host()),
                    config.adminToken(),
                    new OpsRoutes(operations),
                    metrics,
                    tls.httpServerContext(),
                    apiHandler);
        } catch (RuntimeException e) {
            raft.close();
            timer.shutdownNow();
            passwordHasher.close();
            apiExecutor.shutdownNow();
            throw e;
        }
        timer.scheduleWithFixedDelay(
                this::watchMembership, config.tickMillis(), config.tickMillis(), TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(
                this::onTimeTick, api.timeTickMillis(), api.timeTickMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Runs a {@link ScratchCluster} for at most {@code budgetMillis} before this node serves HTTP, so that the JIT
     * has compiled a post's path when the first clients arrive ("ready" then means ready to serve at speed). The
     * Raft server has started already: this node votes, replicates and may lead meanwhile. A failure of the
     * exercise is logged and the node starts anyway.
     */
    private void exerciseBeforeServing(long budgetMillis) {
        try {
            ScratchCluster.Result result = ScratchCluster.run(budgetMillis, budgetMillis, Long.MAX_VALUE);
            LOG.info(
                    "node {}: startup exercise (--startup-exercise-ms {}): a scratch 3-node cluster in this JVM"
                            + " answered {} posts in {} ms; serving HTTP now",
                    nodeId,
                    budgetMillis,
                    result.posts(),
                    result.elapsedMillis());
        } catch (RuntimeException e) {
            LOG.warn("node {}: startup exercise failed, serving HTTP without it: {}", nodeId, e.toString());
        }
    }

    private void registerClusterMeters() {
        var registry = metrics.registry();
        Gauge.builder("chat.clock.skew", () -> clockSkewMillis)
                .description("This node's clock minus the replicated log time")
                .baseUnit("milliseconds")
                .register(registry);
        Gauge.builder("chat.clock.skewed", () -> clockSkewed ? 1 : 0)
                .description("1 while this node's clock differs from log time by more than --clock-skew-max-ms")
                .register(registry);
        Gauge.builder("chat.cluster.version", chat::clusterVersion)
                .description("The replicated cluster version (the highest command version members may propose)")
                .register(registry);
        Gauge.builder("chat.state.budget", chat::stateBytesMax)
                .description("The state budget writes are checked against (agreed by the members, or the fixed"
                        + " one until they agree)")
                .baseUnit("bytes")
                .register(registry);
        Gauge.builder("chat.command.version.max", chat::commandVersionMax)
                .description("The highest command version this node reads")
                .register(registry);
        FunctionCounter.builder("chat.commands.refused", chat, c -> c.refusedCommands())
                .description(
                        "Committed commands refused alike on every node: undecodable, or above the cluster version")
                .register(registry);
    }

    /**
     * Timer thread, every {@code --time-tick-ms}: checks this node's clock against log time; the leader
     * proposes its clock (bounded, so that log time advances on an idle cluster but one fast clock cannot
     * age everything); every node reports the command version it reads, and the leader raises the cluster
     * version once every member reads the next one. Anything lost in a leader change is harmless: the next
     * tick does it again.
     */
    private void onTimeTick() {
        try {
            if (closing.get() || raft.status().state() != ServerStatus.State.RUNNING) {
                return;
            }
            long now = wallClockMillis.getAsLong();
            long logTime = chat.logTimeMillis();
            checkClock(now, logTime);
            ServerStatus status = raft.status();
            if (status.leaderId() == 0) {
                return;
            }
            if (status.isLeader()) {
                proposeTimeTick(now, logTime);
                maybeRaiseClusterVersion(status.raft().conf());
                maybeAgreeStateBudget(status.raft().conf());
            }
            maybeReportVersion();
            maybeReportStateBudget();
        } catch (RuntimeException e) {
            LOG.debug("node {}: time tick failed: {}", nodeId, e.toString());
        }
    }

    /** The leader's tick: never more than {@code --clock-step-max-ms} past log time (item 5 of issue 18). */
    private void proposeTimeTick(long now, long logTime) {
        long stepMax = config.api().clockStepMaxMillis();
        // Log time 0: nothing carried a time yet, so there is nothing to step from.
        long at = logTime == 0 ? now : Math.min(now, logTime + stepMax);
        ChatCommand tick =
                chat.clusterVersion() >= 2 ? new ChatCommand.ClockTick(at, stepMax) : new ChatCommand.Tick(at);
        quietly("time tick", raft.propose(ChatCodec.encode(tick)));
    }

    private void checkClock(long now, long logTime) {
        if (logTime == 0) {
            return;
        }
        long skew = now - logTime;
        clockSkewMillis = skew;
        boolean skewed = Math.abs(skew) > config.api().clockSkewMaxMillis();
        if (skewed && !clockSkewed) {
            LOG.warn(
                    "node {}: this node's clock is {} ms {} the replicated log time, more than --clock-skew-max-ms={}:"
                            + " log time moves at most --clock-step-max-ms={} per tick, so nothing expires early"
                            + " because of it; check this machine's time synchronization (NTP)",
                    nodeId,
                    Math.abs(skew),
                    skew > 0 ? "ahead of" : "behind",
                    config.api().clockSkewMaxMillis(),
                    config.api().clockStepMaxMillis());
        } else if (!skewed && clockSkewed) {
            LOG.info("node {}: this node's clock agrees with log time again ({} ms apart)", nodeId, skew);
        }
        clockSkewed = skewed;
    }

    /**
     * Reports the command version this node reads when the applied state does not show it yet, and again
     * every {@link #VERSION_REPORT_INTERVAL_MILLIS} while the cluster version is below it (reports are soft
     * state: a node restored from a snapshot has forgotten the others').
     */
    private void maybeReportVersion() {
        int mine = chat.commandVersionMax();
        Integer reported = chat.announcedVersions().get(nodeId);
        long sinceNanos = System.nanoTime() - lastVersionReportNanos;
        boolean due = reported == null
                || reported != mine
                || (mine > chat.clusterVersion()
                        && sinceNanos > TimeUnit.MILLISECONDS.toNanos(VERSION_REPORT_INTERVAL_MILLIS));
        if (due && sinceNanos > TimeUnit.MILLISECONDS.toNanos(config.requestTimeoutMillis())) {
            lastVersionReportNanos = System.nanoTime();
            quietly("version report", raft.propose(ChatCodec.encode(new ChatCommand.ReportVersion(nodeId, mine))));
        }
    }

    /**
     * Leader: raises the cluster version to the lowest version every member (voters, outgoing voters and
     * learners of the current configuration) reported, when that is above the current one.
     */
    @SuppressWarnings("FutureReturnValueIgnored") // the callback only clears the in-flight flag
    private void maybeRaiseClusterVersion(ConfState conf) {
        if (versionChangeInFlight) {
            return;
        }
        SortedMap<Long, Integer> reported = chat.announcedVersions();
        TreeSet<Long> members = new TreeSet<>(conf.voters());
        members.addAll(conf.votersOutgoing());
        members.addAll(conf.learners());
        int target = chat.commandVersionMax();
        for (long member : members) {
            Integer version = reported.get(member);
            if (version == null) {
                return;
            }
            target = Math.min(target, version);
        }
        int current = chat.clusterVersion();
        if (target <= current) {
            return;
        }
        LOG.info(
                "node {}: every member ({}) reads command version {}; raising the cluster version from {}",
                nodeId,
                members,
                target,
                current);
        versionChangeInFlight = true;
        raft.propose(ChatCodec.encode(new ChatCommand.SetClusterVersion(target)))
                .whenCompleteAsync((result, failure) -> versionChangeInFlight = false, timer);
    }

    /** The state budget this node offers the cluster (reported from cluster version 3 on). */
    public long ownStateBudgetBytes() {
        return ownStateBudgetBytes;
    }

    /**
     * From cluster version 3: reports this node's state budget when the applied state does not show it (at
     * start, after a restore that forgot it, or when it changed with a restart), at most once per request
     * timeout.
     */
    private void maybeReportStateBudget() {
        if (chat.clusterVersion() < 3) {
            return;
        }
        Long reported = chat.announcedStateBudgets().get(nodeId);
        long sinceNanos = System.nanoTime() - lastBudgetReportNanos;
        if ((reported == null || reported != ownStateBudgetBytes)
                && sinceNanos > TimeUnit.MILLISECONDS.toNanos(config.requestTimeoutMillis())) {
            lastBudgetReportNanos = System.nanoTime();
            quietly(
                    "state budget report",
                    raft.propose(ChatCodec.encode(new ChatCommand.ReportStateBudget(nodeId, ownStateBudgetBytes))));
        }
    }

    /**
     * Leader, from cluster version 3: sets the replicated state budget to the lowest that every member (voters,
     * outgoing voters and learners) reported, when that differs from the agreed one. Until every member has
     * reported, the agreed budget stays (or, before the first agreement, the policy's fixed one): a member that
     * cannot hold a larger state is never asked to.
     */
    @SuppressWarnings("FutureReturnValueIgnored") // the callback only clears the in-flight flag
    private void maybeAgreeStateBudget(ConfState conf) {
        if (budgetChangeInFlight || chat.clusterVersion() < 3) {
            return;
        }
        SortedMap<Long, Long> reported = chat.announcedStateBudgets();
        TreeSet<Long> members = new TreeSet<>(conf.voters());
        members.addAll(conf.votersOutgoing());
        members.addAll(conf.learners());
        long target = Long.MAX_VALUE;
        for (long member : members) {
            Long budget = reported.get(member);
            if (budget == null) {
                return;
            }
            target = Math.min(target, budget);
        }
        if (members.isEmpty() || target == chat.agreedStateBytesMax()) {
            return;
        }
        LOG.info(
                "node {}: the members ({}) reported state budgets {}; proposing the lowest, {} MiB",
                nodeId,
                members,
                reported,
                target >> 20);
        budgetChangeInFlight = true;
        raft.propose(ChatCodec.encode(new ChatCommand.SetStateBudget(target)))
                .whenCompleteAsync((result, failure) -> budgetChangeInFlight = false, timer);
    }

    @SuppressWarnings("FutureReturnValueIgnored") // the callback only logs; the next tick proposes again
    private void quietly(String what, CompletableFuture<byte[]> proposal) {
        proposal.whenComplete((ignored, failure) -> {
            if (failure != null) {
                LOG.debug("node {}: {} not committed: {}", nodeId, what, failure.toString());
            }
        });
    }

    /**
     * The proposing node's check: the command must decode, and its command version must be
     * one the whole cluster reads (the cluster version), or it is not proposed at all.
     *
     * @return null when the command may be proposed, else the rejection
     */
    private ChatResult refusal(ChatCommand command, byte[] encoded) {
        int version = ChatCodec.commandVersion(command);
        if (version > chat.clusterVersion()) {
            return ChatResult.rejected(
                    ChatError.UNSUPPORTED_COMMAND_VERSION,
                    "this needs command version " + version + " but the cluster version is " + chat.clusterVersion()
                            + ": finish upgrading every member first");
        }
        try {
            // Decodable is the bar, not equal: text with unpaired surrogates is stored as '?' as before.
            ChatCodec.decodeCommand(encoded, version);
        } catch (InvalidCommandException e) {
            return ChatResult.rejected(e.error(), e.getMessage());
        }
        return null;
    }

    /** Raft thread: lets the transport reach a peer registered through the log. */
    private void usePeerAddress(long peerId, String url) {
        if (peerId == nodeId) {
            return;
        }
        try {
            transport.updatePeer(peerId, PeerAddress.parse(url));
        } catch (IllegalArgumentException e) {
            LOG.warn(
                    "node {}: cannot use the address '{}' registered for node {}: {}",
                    nodeId,
                    url,
                    peerId,
                    e.getMessage());
        }
    }

    /**
     * Opens the data directory, replays the log, joins the cluster and starts serving HTTP.
     *
     * @throws IllegalStateException when a port cannot be bound; {@link UncheckedIOException} for storage
     *                               that cannot be opened (the message names the file)
     */
    public static ChatNode start(ChatNodeConfig config) {
        return new ChatNode(config, ChatTlsConfig.NONE, null, System::currentTimeMillis);
    }

    /** As {@link #start(ChatNodeConfig)}, with TLS on the HTTP port, the peer port, or both. */
    public static ChatNode start(ChatNodeConfig config, ChatTlsConfig tls) {
        return new ChatNode(config, tls, null, System::currentTimeMillis);
    }

    /** As {@link #start(ChatNodeConfig)}, reading the time from {@code wallClockMillis} (tests of a bad clock). */
    static ChatNode start(ChatNodeConfig config, LongSupplier wallClockMillis) {
        return new ChatNode(config, ChatTlsConfig.NONE, null, wallClockMillis);
    }

    /**
     * Starts a node whose peers prove they hold the secrets of {@code clusterSecretFile} (null: see
     * {@link PeerSecurity#resolve}).
     */
    public static ChatNode start(ChatNodeConfig config, ChatTlsConfig tls, Path clusterSecretFile) {
        return new ChatNode(config, tls, clusterSecretFile, System::currentTimeMillis);
    }

    private static long sizeOrZero(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0; // replaced by a newer snapshot between listing and measuring
        }
    }

    public long nodeId() {
        return nodeId;
    }

    public int httpPort() {
        return http.port();
    }

    /** HTTP connections refused by the global or per-address cap since the start. */
    public long httpRefusedConnections() {
        return http.refusedConnections();
    }

    public ChatNodeConfig config() {
        return config;
    }

    /** The replicated chat as applied on this node (for tests and local reads). */
    public ChatStateMachine chat() {
        return chat;
    }

    public ServerStatus raftStatus() {
        return raft.status();
    }

    /** The Raft server, for tests that must reach past the HTTP layer (raw proposals, transfers). */
    RaftServer raftServer() {
        return raft;
    }

    /** The v1 WebSocket clients. */
    public WebSocketHub webSocketHub() {
        return webSocketHub;
    }

    /** Connected WebSocket firehose clients. */
    public Firehose firehose() {
        return firehose;
    }

    /**
     * Completes when the node has stopped: closed, removed from the cluster and closed itself, or closed
     * itself after its Raft server stopped on a fatal failure ({@link #raftStatus()} is then FAILED).
     */
    public CompletableFuture<Void> terminated() {
        return terminated;
    }

    /** Stops gracefully (see the class comment). Idempotent; returns when stopped. */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            terminated.join();
            return;
        }
        try {
            http.stopAccepting();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.shutdownGraceMillis());
            while (http.inFlight() > 0 && System.nanoTime() < deadline) {
                // In-flight requests finish through Raft futures; a short park keeps this loop cheap.
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            if (http.inFlight() > 0) {
                LOG.warn(
                        "node {}: {} request(s) still in flight after {} ms; closing anyway",
                        nodeId,
                        http.inFlight(),
                        config.shutdownGraceMillis());
            }
            handOverLeadership();
            timer.shutdownNow();
            raft.close();
            http.close();
            passwordHasher.close();
            apiExecutor.shutdownNow();
            metrics.close();
            LOG.info("node {}: stopped", nodeId);
        } finally {
            terminated.complete(null);
        }
    }

    private void handOverLeadership() {
        ServerStatus status = raft.status();
        if (!status.isLeader()) {
            return;
        }
        long target = status.raft().progress().entrySet().stream()
                .filter(entry -> entry.getKey() != nodeId
                        && status.raft().conf().voters().contains(entry.getKey()))
                .max((a, b) ->
                        Long.compare(a.getValue().matchIndex(), b.getValue().matchIndex()))
                .map(Map.Entry::getKey)
                .orElse(0L);
        if (target == 0) {
            return;
        }
        try {
            raft.transferLeadership(target).get(LEADERSHIP_TRANSFER_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            LOG.info("node {}: handed leadership to node {} before stopping", nodeId, target);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.info(
                    "node {}: could not hand leadership to node {} ({}); stopping anyway",
                    nodeId,
                    target,
                    e.toString());
        }
    }

    /** Timer thread: carry out wanted membership changes when leading; close when removed. */
    private void watchMembership() {
        try {
            ServerStatus status = raft.status();
            if (status.state() != ServerStatus.State.RUNNING) {
                return;
            }
            metrics.peersKnown(transport.peers().keySet());
            ConfState conf = status.raft().conf();
            boolean member = conf.voters().contains(nodeId) || conf.learners().contains(nodeId);
            if (member) {
                seenAsMember = true;
            } else if (seenAsMember && !closing.get()) {
                LOG.warn("node {}: removed from the cluster ({}); shutting down", nodeId, conf);
                Thread closer = new Thread(this::close, "chat-" + nodeId + "-removed");
                closer.start();
                return;
            }
            if (status.isLeader()) {
                reconcile(conf);
            }
        } catch (RuntimeException e) {
            LOG.warn("node {}: membership watch failed; will retry", nodeId, e);
        }
    }

    private void reconcile(ConfState conf) {
        if (membershipChangeInFlight || conf.isJoint()) {
            return;
        }
        SortedSet<Long> learners = chat.learnerIds();
        for (long peer : chat.peerUrls().keySet()) {
            if (learners.contains(peer)) {
                if (!conf.isMember(peer)) {
                    startChange("add node " + peer + " as a learner", raft.addLearner(peer));
                    return;
                }
            } else if (!conf.voters().contains(peer)) {
                startChange("add node " + peer + " as a voter", raft.addVoter(peer));
                return;
            }
        }
        for (long removed : chat.removedNodeIds()) {
            if (conf.isMember(removed)) {
                startChange("remove node " + removed, raft.removeMember(removed));
                return;
            }
        }
    }

    @SuppressWarnings("FutureReturnValueIgnored") // the callback handles both outcomes; nothing waits for it
    private void startChange(String what, CompletableFuture<ConfState> change) {
        membershipChangeInFlight = true;
        change.whenCompleteAsync(
                (conf, failure) -> {
                    membershipChangeInFlight = false;
                    if (failure == null) {
                        LOG.info("node {}: {} done; configuration is now {}", nodeId, what, conf);
                        lastReconcileFailure = null;
                        return;
                    }
                    Throwable cause = unwrap(failure);
                    String text = what + " failed: " + cause;
                    // Retried every tick until it succeeds: log each distinct failure once.
                    if (!text.equals(lastReconcileFailure)) {
                        lastReconcileFailure = text;
                        if (cause instanceof ProposalRejectedException || cause instanceof NotLeaderException) {
                            LOG.info("node {}: {}; will retry", nodeId, text);
                        } else {
                            LOG.warn("node {}: {}; will retry", nodeId, text);
                        }
                    }
                },
                timer);
    }

    /** Runs {@code attempt} until it succeeds, fails for a reason a retry cannot fix, or the request times out. */
    // FutureReturnValueIgnored: every attempt's callback and every scheduled retry completes `result`, which is
    // what the caller waits for (with the request timeout).
    @SuppressWarnings("FutureReturnValueIgnored")
    private CompletableFuture<byte[]> retrying(Supplier<CompletableFuture<byte[]>> attempt) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.requestTimeoutMillis());
        Runnable[] tryOnce = new Runnable[1];
        tryOnce[0] = () -> attempt.get().whenComplete((value, failure) -> {
            if (failure == null) {
                result.complete(value);
                return;
            }
            Throwable cause = unwrap(failure);
            long leftNanos = deadline - System.nanoTime();
            // Each of these says the command was not logged, or certainly not committed: a retry cannot duplicate it.
            boolean retryable = cause instanceof NotLeaderException
                    || cause instanceof ProposalNotCommittedException
                    || cause instanceof ReadNotConfirmedException;
            if (retryable && leftNanos > TimeUnit.MILLISECONDS.toNanos(retryDelayMillis) && !closing.get()) {
                try {
                    timer.schedule(tryOnce[0], retryDelayMillis, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException stopped) {
                    result.completeExceptionally(cause);
                }
            } else {
                result.completeExceptionally(cause);
            }
        });
        tryOnce[0].run();
        return result.orTimeout(config.requestTimeoutMillis(), TimeUnit.MILLISECONDS);
    }

    /** Completes with true once {@code condition} holds, or false when the request timeout passes first. */
    @SuppressWarnings("FutureReturnValueIgnored") // each scheduled check completes `result` or schedules the next
    private CompletableFuture<Boolean> awaitCondition(BooleanSupplier condition) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.requestTimeoutMillis());
        Runnable[] check = new Runnable[1];
        check[0] = () -> {
            if (condition.getAsBoolean()) {
                result.complete(true);
            } else if (System.nanoTime() >= deadline || closing.get()) {
                result.complete(false);
            } else {
                timer.schedule(check[0], config.tickMillis(), TimeUnit.MILLISECONDS);
            }
        };
        timer.execute(check[0]);
        return result;
    }

    /**
     * Completes once this node has applied every write acknowledged before the call (ReadIndex). The
     * answer is then built from local state off the Raft thread: that state only moves forward, so it
     * is at least as new as the read index, which is all linearizability asks.
     */
    private CompletableFuture<byte[]> readBarrier() {
        byte[] query = ChatCodec.encode(new ChatQuery.AppliedIndex());
        return retrying(() -> raft.read(query));
    }

    private CompletableFuture<ChatResult> propose(ChatCommand command) {
        byte[] encoded = ChatCodec.encode(command);
        ChatResult refused = refusal(command, encoded);
        if (refused != null) {
            return CompletableFuture.failedFuture(new ApiException(refused.error(), refused.errorMessage()));
        }
        return retrying(() -> raft.propose(encoded))
                .thenApply(ChatCodec::decodeResult)
                .thenApply(result -> {
                    if (!result.accepted()) {
                        throw new ApiException(result.error().httpStatus(), result.errorCode(), result.errorMessage());
                    }
                    return result;
                });
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** The v1 handlers' view of this node: proposals and read barriers, completed off the Raft thread. */
    private final class V1Backend implements ApiBackend {
        @Override
        public long nodeId() {
            return nodeId;
        }

        @Override
        public ChatStateMachine chat() {
            return chat;
        }

        @Override
        public CompletableFuture<ChatResult> propose(ChatCommand command) {
            byte[] encoded = ChatCodec.encode(command);
            ChatResult refused = refusal(command, encoded);
            if (refused != null) {
                return CompletableFuture.completedFuture(refused);
            }
            return retrying(() -> raft.propose(encoded)).thenApplyAsync(ChatCodec::decodeResult, apiExecutor);
        }

        @Override
        public CompletableFuture<Void> readBarrier() {
            return ChatNode.this.readBarrier().thenApplyAsync(ignored -> null, apiExecutor);
        }

        @Override
        public long nowMillis() {
            return wallClockMillis.getAsLong();
        }
    }

    /** The HTTP layer's view of this node. */
    private final class Backend implements ChatBackend {

        @Override
        public ChatLimits limits() {
            return config.limits();
        }

        @Override
        public CompletableFuture<Post> post(String room, String user, String message) {
            // The proposer's clock, carried in the command: apply never reads one.
            return propose(new ChatCommand.PostMessage(room, user, message, wallClockMillis.getAsLong()))
                    .thenApply(ChatResult::post);
        }

        @Override
        public CompletableFuture<byte[]> roomJson(String room, boolean stale) {
            if (stale) {
                return CompletableFuture.completedFuture(ChatStateMachine.postsJson(chat.posts(room)));
            }
            return readBarrier().thenApply(ignored -> ChatStateMachine.postsJson(chat.posts(room)));
        }

        @Override
        public CompletableFuture<byte[]> roomsJson(boolean stale) {
            if (stale) {
                return CompletableFuture.completedFuture(ChatStateMachine.roomsJson(chat.rooms()));
            }
            return readBarrier().thenApply(ignored -> ChatStateMachine.roomsJson(chat.rooms()));
        }

        @Override
        public CompletableFuture<Boolean> addMember(long peerId, String peerUrl, boolean learner) {
            return propose(new ChatCommand.RegisterPeer(peerId, peerUrl, learner))
                    .thenCompose(done -> awaitCondition(() -> {
                        ConfState conf = raft.status().raft().conf();
                        return (learner
                                        ? conf.learners().contains(peerId)
                                        : conf.voters().contains(peerId))
                                && !conf.isJoint();
                    }));
        }

        @Override
        public CompletableFuture<Boolean> promote(long peerId) {
            String url = chat.peerUrls().get(peerId);
            if (url == null && config.cluster().containsKey(peerId)) {
                url = "http://" + config.cluster().get(peerId);
            }
            if (url == null || !raft.status().raft().conf().isLearner(peerId)) {
                return CompletableFuture.failedFuture(new ApiException(
                        ChatError.NOT_A_LEARNER,
                        "node " + peerId + " is not a learner ("
                                + raft.status().raft().conf() + ")"));
            }
            return addMember(peerId, url, false);
        }

        @Override
        public CompletableFuture<Boolean> removeMember(long peerId) {
            ConfState conf = raft.status().raft().conf();
            if (!conf.isMember(peerId) && !chat.peerUrls().containsKey(peerId)) {
                return CompletableFuture.failedFuture(new ApiException(
                        ChatError.NOT_A_MEMBER, "node " + peerId + " is not a member of the cluster (" + conf + ")"));
            }
            return propose(new ChatCommand.RemovePeer(peerId))
                    .thenCompose(done -> awaitCondition(() -> {
                        ConfState now = raft.status().raft().conf();
                        return !now.isMember(peerId);
                    }));
        }

        @Override
        public boolean live() {
            return raft.status().state() == ServerStatus.State.RUNNING;
        }

        @Override
        public byte[] statusJson() {
            ServerStatus status = raft.status();
            ObjectNode body = JSON.createObjectNode()
                    .put("NodeId", nodeId)
                    .put("State", status.state().name())
                    .put("Role", status.role().name())
                    .put("Term", status.term())
                    .put("LeaderId", status.leaderId())
                    .put("CommitIndex", status.commitIndex())
                    .put("AppliedIndex", status.appliedIndex());
            ConfState conf = status.raft().conf();
            ArrayNode voters = body.putArray("Voters");
            conf.voters().forEach(voters::add);
            ArrayNode outgoing = body.putArray("VotersOutgoing");
            conf.votersOutgoing().forEach(outgoing::add);
            ArrayNode learners = body.putArray("Learners");
            conf.learners().forEach(learners::add);
            ObjectNode progress = body.putObject("Progress");
            status.raft()
                    .progress()
                    .forEach((id, follower) -> progress.putObject(Long.toString(id))
                            .put("MatchIndex", follower.matchIndex())
                            .put("NextIndex", follower.nextIndex())
                            .put("State", follower.state())
                            .put("RecentlyActive", follower.recentlyActive()));
            ObjectNode peers = body.putObject("Peers");
            transport.peers().forEach((id, address) -> peers.put(Long.toString(id), address.toString()));
            return body.toString().getBytes(StandardCharsets.UTF_8);
        }
    }
}
