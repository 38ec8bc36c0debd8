package dev.raftchat.chat.ops;

import dev.raftchat.chat.http.HttpRequestObserver;
import dev.raftchat.raft.runtime.RaftMetrics;
import dev.raftchat.raft.runtime.ServerStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
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
public final class ChatMetrics implements RaftMetrics, HttpRequestObserver {
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

    private final Set<String> routeLabels = ConcurrentHashMap.newKeySet();

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer fsync;
    private final DistributionSummary entriesPerSync;
    private final Timer proposalLatency;
    private final Counter proposalsTimedOut;
    private final Counter entriesApplied;
    private final Counter leaderChanges;
    private final Counter inboundDropped;
    private final Counter undecodableEntries;

    /**
     * @param status            this node's Raft status, read at scrape time (may be called from any thread)
     * @param snapshotSizeBytes the newest snapshot file's size in bytes, or 0 when there is none
     */
    public ChatMetrics(long nodeId, Supplier<ServerStatus> status, LongSupplier snapshotSizeBytes) {
        registry.config().commonTags("node", Long.toString(nodeId));
        fsync = Timer.builder("raft.fsync")
                .description("Duration of one log sync (fsync) covering a group of entries")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        entriesPerSync = DistributionSummary.builder("raft.fsync.entries")
                .description("New log entries made durable by one sync")
                .register(registry);
        proposalLatency = Timer.builder("raft.proposal")
                .description("Time from propose to applied, for this node's proposals")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        proposalsTimedOut = Counter.builder("raft.proposals.timed.out").register(registry);
        entriesApplied = Counter.builder("raft.entries.applied")
                .description("Committed entries applied on this node")
                .register(registry);
        leaderChanges = Counter.builder("raft.leader.changes").register(registry);
        inboundDropped = Counter.builder("raft.inbound.dropped")
                .description("Peer messages dropped on a full inbox")
                .register(registry);
        undecodableEntries = Counter.builder("raft.entries.undecodable")
                .description("Committed entries that were not a command envelope, applied as rejections")
                .register(registry);
        Gauge.builder("raft.term", () -> status.get().term()).register(registry);
        Gauge.builder("raft.commit.index", () -> status.get().commitIndex()).register(registry);
        Gauge.builder("raft.applied.index", () -> status.get().appliedIndex()).register(registry);
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
        Gauge.builder("raft.pending.proposals", () -> status.get().pendingProposals())
                .register(registry);
        Gauge.builder("raft.snapshot.size", snapshotSizeBytes::getAsLong)
                .description("Size of the newest snapshot file")
                .baseUnit("bytes")
                .register(registry);
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
        Timer.builder("http.server.requests")
                .tags(
                        "method",
                        STANDARD_METHODS.contains(method) ? method : "OTHER",
                        "route",
                        route,
                        "status",
                        Integer.toString(status))
                .register(registry)
                .record(durationNanos, TimeUnit.NANOSECONDS);
    }

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
