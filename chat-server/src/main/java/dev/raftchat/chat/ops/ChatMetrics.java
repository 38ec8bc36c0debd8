package dev.raftchat.chat.ops;

import dev.raftchat.chat.http.HttpRequestObserver;
import dev.raftchat.raft.runtime.RaftMetrics;
import dev.raftchat.raft.runtime.ServerStatus;
import dev.raftchat.raft.transport.netty.PeerStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The node's metrics in a Micrometer {@link PrometheusMeterRegistry}, scraped as Prometheus text by
 * {@code GET /metrics}. It is the node's {@link RaftMetrics} (proposals, applies, fsync latency, leader
 * changes) and its {@link HttpRequestObserver} (requests by method, route and status); Raft term,
 * commit and applied index, apply lag and the newest snapshot's size are gauges read from the
 * server's published status when scraped.
 *
 * <p>Routes are reduced to templates ({@code /rooms/{room}}, {@code /raft/{id}}) with a fixed vocabulary,
 * unmatched requests share one route label, at most {@link #ROUTE_LABELS_MAX} route labels exist and
 * non-standard methods count as {@code OTHER}, so label cardinality stays bounded whatever clients send.
 *
 * <p>Thread-safe; every method is cheap, never blocks and never throws (the Raft thread calls them).
 */
public final class ChatMetrics implements RaftMetrics, HttpRequestObserver, AutoCloseable {
    /** Path segments kept as they are in a route label; anything else becomes a placeholder. */
    private static final Set<String> ROUTE_WORDS = Set.of(
            "rooms",
            "raft",
            "promote",
            "healthz",
            "readyz",
            "metrics",
            "ws",
            "api",
            "v1",
            "cluster",
            "admin",
            "backup",
            "messages",
            "auth",
            "register",
            "login",
            "logout",
            "me",
            "users",
            "sessions",
            "members",
            "stream");

    private static final int ROUTE_SEGMENTS_MAX = 6;
    private static final String UNMATCHED_ROUTE = "unmatched";
    /** Distinct route labels kept; later new ones share {@link #OTHER}, so no client can grow the registry without bound. */
    static final int ROUTE_LABELS_MAX = 256;

    private static final String OTHER = "other";
    private static final Set<String> STANDARD_METHODS =
            Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");

    /** The upper bounds of the HTTP latency histogram's buckets. */
    private static final Duration[] HTTP_BUCKETS = {
        Duration.ofMillis(1),
        Duration.ofMillis(2),
        Duration.ofMillis(5),
        Duration.ofMillis(10),
        Duration.ofMillis(25),
        Duration.ofMillis(50),
        Duration.ofMillis(100),
        Duration.ofMillis(250),
        Duration.ofMillis(500),
        Duration.ofSeconds(1),
        Duration.ofMillis(2500),
        Duration.ofSeconds(5),
        Duration.ofSeconds(10),
        Duration.ofSeconds(30)
    };

    private final Set<String> routeLabels = ConcurrentHashMap.newKeySet();
    private final Map<RequestLabels, Timer> requestTimers = new ConcurrentHashMap<>();
    private final Set<Long> peerMeters = ConcurrentHashMap.newKeySet();
    private volatile Supplier<Map<Long, PeerStats>> peers;

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer fsync;
    private final DistributionSummary entriesPerSync;
    private final Timer proposalLatency;
    private final Timer applyLatency;
    private final Timer snapshotWrite;
    private final Timer snapshotRestore;
    private final Counter proposalsTimedOut;
    private final Counter entriesApplied;
    private final Counter leaderChanges;
    private final Counter inboundDropped;
    private final Counter undecodableEntries;
    /** Listens to the JVM's GC notifications until {@link #close}. */
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();

    /**
     * @param status            this node's Raft status, read at scrape time (may be called from any thread)
     * @param snapshotSizeBytes the newest snapshot file's size in bytes, or 0 when there is none
     */
    public ChatMetrics(long nodeId, Supplier<ServerStatus> status, LongSupplier snapshotSizeBytes) {
        registry.config().commonTags("node", Long.toString(nodeId));
        // Latencies are histograms (cumulative buckets), never client-side percentiles: buckets can be summed
        // across nodes and over time (histogram_quantile in PromQL), percentiles cannot. Each range bounds the
        // number of buckets Micrometer publishes.
        fsync = Timer.builder("raft.fsync")
                .description("Duration of one log sync (fsync) covering a group of entries")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(50_000))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        entriesPerSync = DistributionSummary.builder("raft.fsync.entries")
                .description("New log entries made durable by one sync (group commit: more under load)")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
                .register(registry);
        proposalLatency = Timer.builder("raft.proposal")
                .description("Time from propose to applied, for this node's proposals")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(100_000))
                .maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
        applyLatency = Timer.builder("raft.apply")
                .description("Time the chat state machine took to apply one committed entry")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(1_000))
                .maximumExpectedValue(Duration.ofSeconds(1))
                .register(registry);
        snapshotWrite = Timer.builder("chat.snapshot.write")
                .description("Time to serialize one snapshot of the chat state to its file (off the Raft thread)")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
        snapshotRestore = Timer.builder("chat.snapshot.restore")
                .description("Time to restore the chat state from one snapshot (at start or when installing one)")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
        proposalsTimedOut = Counter.builder("raft.proposals.timed.out")
                .description("Proposals of this node that timed out: their outcome is unknown to the client")
                .register(registry);
        entriesApplied = Counter.builder("raft.entries.applied")
                .description("Committed entries applied on this node")
                .register(registry);
        leaderChanges = Counter.builder("raft.leader.changes")
                .description("Times this node saw a new leader, or learned that none is known")
                .register(registry);
        inboundDropped = Counter.builder("raft.inbound.dropped")
                .description("Peer messages dropped on a full inbox")
                .register(registry);
        undecodableEntries = Counter.builder("raft.entries.undecodable")
                .description("Committed entries that were not a command envelope, applied as rejections")
                .register(registry);
        Gauge.builder("raft.term", () -> status.get().term())
                .description("This node's current Raft term")
                .register(registry);
        Gauge.builder("raft.commit.index", () -> status.get().commitIndex())
                .description("The highest log index this node knows to be committed")
                .register(registry);
        Gauge.builder("raft.applied.index", () -> status.get().appliedIndex())
                .description("The highest log index applied to this node's chat state")
                .register(registry);
        Gauge.builder("raft.apply.lag", () -> {
                    ServerStatus now = status.get();
                    return Math.max(0, now.commitIndex() - now.appliedIndex());
                })
                .description("Committed entries not yet applied on this node")
                .baseUnit("entries")
                .register(registry);
        Gauge.builder("raft.leader", () -> status.get().isLeader() ? 1 : 0)
                .description("1 on the leader")
                .register(registry);
        Gauge.builder("raft.has.leader", () -> status.get().leaderId() > 0 ? 1 : 0)
                .description("1 while this node knows a leader (itself or another); 0 means no quorum is reachable")
                .register(registry);
        Gauge.builder("raft.pending.proposals", () -> status.get().pendingProposals())
                .description("Proposals of this node waiting to be committed and applied")
                .register(registry);
        Gauge.builder("raft.chat.build.info", () -> 1)
                .description("Always 1; its labels name this node's build: version (from the jar) and Java version")
                .tags("version", BuildInfo.version(), "java_version", BuildInfo.javaVersion())
                .register(registry);
        Gauge.builder("raft.snapshot.size", snapshotSizeBytes::getAsLong)
                .description("Size of the newest snapshot file")
                .baseUnit("bytes")
                .register(registry);
        // The JVM and the process (Micrometer's binders): heap and non-heap pools, GC pauses, threads, classes,
        // CPU, uptime, open file descriptors, the runtime's version.
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmInfoMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        FunctionCounter.builder(
                        "raft.nonmember.messages.dropped",
                        status,
                        s -> s.get().raft().nonMemberMessagesDropped())
                .description("Peer messages the Raft core dropped because their sender is not a member")
                .register(registry);
    }

    /**
     * Exposes the peer transport's authentication counters (issue 18): handshakes that failed and frames
     * that claimed a sender other than the node that authenticated the connection.
     */
    public void bindPeerAuthentication(LongSupplier authenticationFailures, LongSupplier senderMismatches) {
        FunctionCounter.builder("raft.peer.authentication.failures", authenticationFailures, LongSupplier::getAsLong)
                .description("Peer handshakes refused or failed: no common secret, a bad MAC, a wrong certificate")
                .register(registry);
        FunctionCounter.builder("raft.peer.sender.mismatches", senderMismatches, LongSupplier::getAsLong)
                .description("Peer frames dropped for claiming a sender other than the authenticated node")
                .register(registry);
    }

    /** Records one entry applied by the state machine in {@code nanos}. */
    public void applyCompleted(long nanos) {
        applyLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Records one snapshot serialized (or failed to) in {@code nanos}. */
    public void snapshotWritten(long nanos) {
        snapshotWrite.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Records one restore from a snapshot (or a failed one) in {@code nanos}. */
    public void snapshotRestored(long nanos) {
        snapshotRestore.record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Exposes the transport's per-peer state, read with {@code peers} at scrape time: messages sent, dropped and
     * waiting in the outbox, reconnections, and whether the connection is up. Call {@link #peersKnown} as peers
     * appear.
     */
    public void bindPeers(Supplier<Map<Long, PeerStats>> peers) {
        this.peers = peers;
        Gauge.builder("raft.transport.peers", () -> peers.get().size())
                .description("Peers this node's transport knows an address for")
                .register(registry);
        peersKnown(peers.get().keySet());
    }

    /**
     * Registers the per-peer meters of peers not seen before. Peers come and go with membership; meters stay
     * once registered (a removed peer's read 0), so there is one set per peer ever known, a small number.
     */
    public void peersKnown(Set<Long> known) {
        if (peers == null) {
            return;
        }
        for (Long peerId : known) {
            if (!peerMeters.add(peerId)) {
                continue;
            }
            String id = Long.toString(peerId);
            Gauge.builder(
                            "raft.transport.peer.queued.messages",
                            () -> peer(peerId).queuedMessages())
                    .description("Messages waiting in this node's outbox to one peer (dropped beyond its bound)")
                    .tag("peer", id)
                    .register(registry);
            Gauge.builder("raft.transport.peer.connected", () -> peer(peerId).connected() ? 1 : 0)
                    .description("1 while this node's connection to the peer is up and authenticated")
                    .tag("peer", id)
                    .register(registry);
            FunctionCounter.builder(
                            "raft.transport.peer.messages.sent",
                            this,
                            m -> m.peer(peerId).messagesSent())
                    .description("Messages this node's transport wrote to one peer")
                    .tag("peer", id)
                    .register(registry);
            FunctionCounter.builder(
                            "raft.transport.peer.messages.dropped",
                            this,
                            m -> m.peer(peerId).messagesDropped())
                    .description("Messages to one peer dropped: outbox full, connection lost (Raft resends)")
                    .tag("peer", id)
                    .register(registry);
            FunctionCounter.builder(
                            "raft.transport.peer.reconnects",
                            this,
                            m -> m.peer(peerId).reconnects())
                    .description("Connection attempts to one peer after the first")
                    .tag("peer", id)
                    .register(registry);
        }
    }

    private PeerStats peer(long id) {
        Supplier<Map<Long, PeerStats>> source = peers;
        PeerStats stats = source == null ? null : source.get().get(id);
        return stats != null ? stats : new PeerStats(id, 0, 0, 0, 0, false);
    }

    /** Exposes the number of open WebSocket connections, of the API v1 hub and of the original's firehose. */
    public void bindWebSockets(IntSupplier apiConnections, IntSupplier firehoseConnections) {
        Gauge.builder("chat.websocket.connections", apiConnections::getAsInt)
                .description("Open WebSocket connections, by endpoint (/api/v1/ws or the original /ws)")
                .tag("endpoint", "/api/v1/ws")
                .register(registry);
        Gauge.builder("chat.websocket.connections", firehoseConnections::getAsInt)
                .description("Open WebSocket connections, by endpoint (/api/v1/ws or the original /ws)")
                .tag("endpoint", "/ws")
                .register(registry);
    }

    /** Stops listening to the JVM's GC notifications and closes the registry. Idempotent. */
    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }

    /** Prometheus text exposition format (version 0.0.4). */
    public String scrape() {
        return registry.scrape();
    }

    /** The registry, for callers that add their own meters. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void requestCompleted(String method, String path, int status, long durationNanos) {
        String route = status == 404 ? UNMATCHED_ROUTE : routeTemplate(path);
        if (!routeLabels.contains(route)) {
            if (routeLabels.size() >= ROUTE_LABELS_MAX) {
                route = OTHER;
            } else {
                routeLabels.add(route);
            }
        }
        String methodLabel = STANDARD_METHODS.contains(method) ? method : "OTHER";
        // Looked up in our own map first: building and registering the meter's id on every request (tags sorted,
        // the registry's filters run) cost more than recording the latency (docs/benchmarks.md, chatcpu). The map
        // is bounded by the labels: the standard methods, ROUTE_LABELS_MAX routes and the statuses we answer.
        requestTimers
                .computeIfAbsent(new RequestLabels(methodLabel, route, status), this::requestTimer)
                .record(durationNanos, TimeUnit.NANOSECONDS);
    }

    private Timer requestTimer(RequestLabels labels) {
        return Timer.builder("http.server.requests")
                .description("HTTP requests answered, by method, route template and status, with their latency")
                // Fixed buckets, few of them: one histogram per (method, route, status) label set.
                .serviceLevelObjectives(HTTP_BUCKETS)
                .tags("method", labels.method(), "route", labels.route(), "status", Integer.toString(labels.status()))
                .register(registry);
    }

    /** One label set of {@code http.server.requests}. */
    private record RequestLabels(String method, String route, int status) {}

    /** {@code /rooms/general} → {@code /rooms/{}}: known words stay, every other segment is a placeholder. */
    static String routeTemplate(String path) {
        int query = path.indexOf('?');
        String clean = query >= 0 ? path.substring(0, query) : path;
        List<String> segments = List.of(clean.split("/"));
        StringBuilder route = new StringBuilder();
        int kept = 0;
        for (String segment : segments) {
            if (segment.isEmpty()) {
                continue;
            }
            if (++kept > ROUTE_SEGMENTS_MAX) {
                route.append("/...");
                break;
            }
            String lower = segment.toLowerCase(Locale.ROOT);
            route.append('/').append(ROUTE_WORDS.contains(lower) ? lower : "{}");
        }
        return route.length() == 0 ? "/" : route.toString();
    }

    @Override
    public void proposalCompleted(long latencyNanos) {
        proposalLatency.record(latencyNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void proposalTimedOut() {
        proposalsTimedOut.increment();
    }

    @Override
    public void proposalRejected(Class<? extends Throwable> reason) {
        Counter.builder("raft.proposals.rejected")
                .description("Proposals refused before they reached Raft, by reason (over a limit, not leader, closed)")
                .tag("reason", reason.getSimpleName())
                .register(registry)
                .increment();
    }

    @Override
    public void entriesApplied(int count, long lastIndex) {
        entriesApplied.increment(count);
    }

    @Override
    public void syncCompleted(long durationNanos, int entries) {
        fsync.record(Duration.ofNanos(durationNanos));
        entriesPerSync.record(entries);
    }

    @Override
    public void inboundMessageDropped() {
        inboundDropped.increment();
    }

    @Override
    public void undecodableEntryApplied(long index) {
        undecodableEntries.increment();
    }

    @Override
    public void leaderChanged(long term, long leaderId) {
        leaderChanges.increment();
    }
}
