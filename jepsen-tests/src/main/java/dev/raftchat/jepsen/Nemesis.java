package dev.raftchat.jepsen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raftchat.chat.testkit.RaftChatCluster;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Injects {@link Fault faults} into a running {@link RaftChatCluster} and heals them. Keeps the set of members it
 * expects (changed by {@link Fault#MEMBERSHIP}), which clients and the final check use. Every fault and
 * heal is appended to {@code faults.jsonl} with the run's monotonic time.
 *
 * <p>Used by one scheduler thread; {@link #members()} may be read from any thread.
 */
public final class Nemesis implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Nemesis.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MEMBERSHIP_REQUEST_TIMEOUT_MILLIS = 5_000;
    /** Bounds each phase of a membership step (promotion, settling) so a stuck change cannot stall the schedule. */
    private static final long MEMBERSHIP_STEP_SECONDS = 20;

    private final RaftChatCluster cluster;
    private final NetworkFaults network;
    private final HttpClient http;
    private final History clock;
    private final Random random;
    private final BufferedWriter log;
    private final Map<Fault, Integer> injected = new EnumMap<>(Fault.class);
    private final List<String> notes = new ArrayList<>();
    private volatile List<Integer> members;
    private int nextSpareId;

    public Nemesis(
            RaftChatCluster cluster,
            NetworkFaults network,
            HttpClient http,
            History clock,
            Set<Integer> initialMembers,
            long seed,
            Path faultLog) {
        this.cluster = cluster;
        this.network = network;
        this.http = http;
        this.clock = clock;
        this.random = new Random(seed);
        this.members = List.copyOf(new TreeSet<>(initialMembers));
        this.nextSpareId = Collections.max(initialMembers) + 1;
        try {
            this.log = Files.newBufferedWriter(faultLog, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + faultLog, e);
        }
    }

    /** The members clients should use: sorted, never empty. */
    public List<Integer> members() {
        return members;
    }

    public synchronized Map<Fault, Integer> injected() {
        return new EnumMap<>(injected);
    }

    public synchronized List<String> notes() {
        return List.copyOf(notes);
    }

    /** Applies {@code faults} together; the returned action undoes what can be undone (kills restart, pauses resume). */
    public Runnable inject(List<Fault> faults) {
        List<Runnable> heals = new ArrayList<>();
        // Network first, so that a kill or a membership change happens under the partition.
        List<Fault> ordered = new ArrayList<>(faults);
        ordered.sort((a, b) -> Boolean.compare(!a.isPartition(), !b.isPartition()));
        for (Fault fault : ordered) {
            try {
                heals.add(injectOne(fault));
                synchronized (this) {
                    injected.merge(fault, 1, Integer::sum);
                }
            } catch (RuntimeException e) {
                note("fault " + fault.cliName() + " could not be injected: " + e);
                LOG.warn("fault {} could not be injected", fault.cliName(), e);
            }
        }
        return () -> {
            for (int i = heals.size() - 1; i >= 0; i--) {
                heals.get(i).run();
            }
        };
    }

    private Runnable injectOne(Fault fault) {
        List<Integer> live = liveMembers();
        int leader = cluster.leader();
        int minority = Math.max(1, (members.size() - 1) / 2);
        switch (fault) {
            case KILL_ONE:
                return kill(fault, pick(live, 1));
            case KILL_MINORITY:
                return kill(fault, pick(live, minority));
            case KILL_LEADER:
                return kill(fault, leader > 0 ? List.of(leader) : pick(live, 1));
            case KILL_ALL:
                return kill(fault, live);
            case PAUSE_LEADER:
                return pause(fault, leader > 0 ? List.of(leader) : pick(live, 1));
            case PAUSE_MINORITY:
                return pause(fault, pick(live, minority));
            case PARTITION_ONE: {
                int isolated = pick(members, 1).get(0);
                return partition(fault, isolate(isolated));
            }
            case PARTITION_LEADER:
                return partition(
                        fault, isolate(leader > 0 ? leader : pick(members, 1).get(0)));
            case PARTITION_HALVES: {
                List<Integer> shuffled = shuffled(members);
                int cut = shuffled.size() / 2;
                return partition(
                        fault,
                        List.of(
                                new TreeSet<>(shuffled.subList(0, cut)),
                                new TreeSet<>(shuffled.subList(cut, shuffled.size()))));
            }
            case PARTITION_RING:
                return cutLinks(fault, ringCut(shuffled(members)));
            case PARTITION_BRIDGE: {
                List<Integer> shuffled = shuffled(members);
                int bridge = shuffled.size() / 2;
                return partition(
                        fault,
                        List.of(
                                new TreeSet<>(shuffled.subList(0, bridge + 1)),
                                new TreeSet<>(shuffled.subList(bridge, shuffled.size()))));
            }
            case MEMBERSHIP:
                replaceMember();
                return () -> {};
            case LOSE_UNSYNCED:
                return loseUnsynced(withLeader(leader, pick(live, members.size() / 2 + 1)));
            default:
                throw new IllegalStateException("unhandled fault " + fault);
        }
    }

    /**
     * The leader writes its own log in parallel with replication, so it is the node most likely to hold
     * unsynced entries when killed: swap it into the victims.
     */
    private static List<Integer> withLeader(int leader, List<Integer> victims) {
        if (leader > 0 && !victims.contains(leader) && !victims.isEmpty()) {
            victims.set(0, leader);
        }
        return victims;
    }

    private List<Integer> liveMembers() {
        List<Integer> live = new ArrayList<>();
        for (int id : members) {
            if (cluster.alive(id) && !cluster.paused(id)) {
                live.add(id);
            }
        }
        return live;
    }

    private List<Integer> pick(List<Integer> from, int count) {
        List<Integer> shuffled = shuffled(from);
        return new ArrayList<>(shuffled.subList(0, Math.min(count, shuffled.size())));
    }

    private List<Integer> shuffled(List<Integer> from) {
        List<Integer> copy = new ArrayList<>(from);
        Collections.shuffle(copy, random);
        return copy;
    }

    private List<Set<Integer>> isolate(int node) {
        Set<Integer> rest = new TreeSet<>(members);
        rest.remove(node);
        return List.of(Set.of(node), rest);
    }

    /**
     * A majority ring: each node keeps links to its neighbours within {@code k} places, so each sees a
     * majority (itself included) but no two see the same one. On 3 nodes every node is a neighbour, so the
     * ring cuts one link instead (a bridge through the third node).
     */
    static Set<NetworkFaults.Link> ringCut(List<Integer> ring) {
        int n = ring.size();
        int majority = n / 2 + 1;
        int k = (majority - 1 + 1) / 2;
        Set<NetworkFaults.Link> cut = new HashSet<>();
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                int distance = Math.min(j - i, n - (j - i));
                if (distance > k) {
                    cut.add(new NetworkFaults.Link(ring.get(i), ring.get(j)));
                }
            }
        }
        if (cut.isEmpty() && n >= 3) {
            cut.add(new NetworkFaults.Link(ring.get(0), ring.get(2)));
        }
        return cut;
    }

    private Runnable kill(Fault fault, List<Integer> nodes) {
        for (int id : nodes) {
            cluster.kill(id);
        }
        record(fault, "kill -9", nodes);
        return () -> {
            for (int id : nodes) {
                if (members.contains(id) && !cluster.alive(id)) {
                    cluster.start(id);
                }
            }
            record(fault, "restart", nodes);
        };
    }

    private Runnable pause(Fault fault, List<Integer> nodes) {
        for (int id : nodes) {
            cluster.pause(id);
        }
        record(fault, "SIGSTOP", nodes);
        return () -> {
            for (int id : nodes) {
                cluster.resume(id);
            }
            record(fault, "SIGCONT", nodes);
        };
    }

    private Runnable partition(Fault fault, List<Set<Integer>> components) {
        network.partition(components);
        record(fault, "partition " + components + " via " + network.name(), List.of());
        return () -> {
            network.heal();
            record(fault, "heal network", List.of());
        };
    }

    private Runnable cutLinks(Fault fault, Set<NetworkFaults.Link> links) {
        network.cut(links);
        record(fault, "cut links " + links + " via " + network.name(), List.of());
        return () -> {
            network.heal();
            record(fault, "heal network", List.of());
        };
    }

    /** kill -9 the nodes, cut each one's last segment back to what its last sync covered, restart them. */
    private Runnable loseUnsynced(List<Integer> nodes) {
        for (int id : nodes) {
            cluster.kill(id);
        }
        List<String> cuts = new ArrayList<>();
        for (int id : nodes) {
            cuts.add("n" + id + ": " + cutToSyncedLength(cluster.dataDir(id).resolve("log")));
        }
        record(Fault.LOSE_UNSYNCED, "kill -9 and cut unsynced bytes: " + cuts, nodes);
        return () -> {
            for (int id : nodes) {
                if (members.contains(id) && !cluster.alive(id)) {
                    cluster.start(id);
                }
            }
            record(Fault.LOSE_UNSYNCED, "restart", nodes);
        };
    }

    /** Applies the {@code synced-length} sidecar (raft-storage-file's test mode); returns what it did. */
    static String cutToSyncedLength(Path logDir) {
        Path sidecar = logDir.resolve("synced-length");
        try {
            if (!Files.exists(sidecar)) {
                return "no synced-length file (nothing synced yet)";
            }
            String[] line =
                    Files.readString(sidecar, StandardCharsets.US_ASCII).trim().split(" ");
            Path segment = logDir.resolve(line[0]);
            long synced = Long.parseLong(line[1]);
            String last;
            try (Stream<Path> files = Files.list(logDir)) {
                last = files.map(p -> p.getFileName().toString())
                        .filter(name -> name.endsWith(".log"))
                        .sorted()
                        .reduce((a, b) -> b)
                        .orElse(null);
            }
            if (!line[0].equals(last)) {
                return "segment " + line[0] + " is no longer the last (" + last
                        + "): it was forced when the next began; nothing cut";
            }
            long size = Files.size(segment);
            if (size <= synced) {
                return "nothing unsynced in " + line[0];
            }
            try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
                channel.truncate(synced);
            }
            return "cut " + (size - synced) + " bytes of " + line[0];
        } catch (IOException | RuntimeException e) {
            return "could not cut: " + e;
        }
    }

    /** Starts a spare node, adds it as a learner, promotes it, and removes another voter. */
    private void replaceMember() {
        int spare = nextSpareId++;
        cluster.define(spare, true);
        cluster.start(spare);
        record(Fault.MEMBERSHIP, "started spare node " + spare + " with --join", List.of(spare));
        long serveDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MEMBERSHIP_STEP_SECONDS);
        while (!serving(spare) && cluster.alive(spare) && System.nanoTime() < serveDeadline) {
            park(100);
        }
        String url = network.peerUrl(0, spare, cluster.node(spare).peerPort());
        int added = membershipRequest("POST", "/raft/" + spare + "?learner=true", url);
        record(Fault.MEMBERSHIP, "add learner " + spare + ": HTTP " + added, List.of(spare));
        if (added != 201 && added != 202) {
            note("membership: adding learner " + spare + " answered " + added + "; stopping it");
            cluster.kill(spare);
            return;
        }
        List<Integer> withSpare = new ArrayList<>(members);
        withSpare.add(spare);
        members = List.copyOf(new TreeSet<>(withSpare));
        int promoted = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MEMBERSHIP_STEP_SECONDS);
        while (System.nanoTime() < deadline && promoted != 200 && promoted != 202) {
            promoted = membershipRequest("POST", "/raft/" + spare + "/promote", "");
            if (promoted == 404 && isSettledVoter(spare)) {
                promoted = 200; // an earlier attempt that timed out on our side went through
            }
            if (promoted != 200 && promoted != 202) {
                park(500);
            }
        }
        record(Fault.MEMBERSHIP, "promote " + spare + ": HTTP " + promoted, List.of(spare));
        if (promoted != 200 && promoted != 202) {
            note("membership: promoting " + spare + " was refused until the step's deadline (last answer " + promoted
                    + "); it stays a learner");
            return;
        }
        long promotedAt = System.nanoTime();
        while (!isSettledVoter(spare) && System.nanoTime() < deadline) {
            park(200);
        }
        if (!isSettledVoter(spare)) {
            note("membership: " + spare + " was not a voter outside a joint configuration "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - promotedAt)
                    + " ms after the promotion was accepted");
            record(
                    Fault.MEMBERSHIP,
                    "promotion of " + spare + " not settled in time; no voter removed",
                    List.of(spare));
            return;
        }
        record(
                Fault.MEMBERSHIP,
                "voter " + spare + " settled after " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - promotedAt)
                        + " ms",
                List.of(spare));
        List<Integer> candidates = new ArrayList<>(members);
        candidates.remove(Integer.valueOf(spare));
        int victim = pick(candidates, 1).get(0);
        int removed = membershipRequest("DELETE", "/raft/" + victim, "");
        record(Fault.MEMBERSHIP, "remove voter " + victim + ": HTTP " + removed, List.of(victim));
        if (removed == 200 || removed == 202) {
            List<Integer> without = new ArrayList<>(members);
            without.remove(Integer.valueOf(victim));
            members = List.copyOf(without);
        } else {
            note("membership: removing " + victim + " answered " + removed);
        }
    }

    /** Whether the current leader reports {@code node} as a voter, outside any joint configuration. */
    private boolean isSettledVoter(int node) {
        int leader = cluster.leader();
        if (leader < 0) {
            return false;
        }
        JsonNode status = cluster.status(leader).orElse(null);
        if (status == null || status.path("VotersOutgoing").size() > 0) {
            return false;
        }
        for (JsonNode voter : status.path("Voters")) {
            if (voter.asInt() == node) {
                return true;
            }
        }
        return false;
    }

    /** Sends a /raft request to live members in turn until one answers 2xx; the last status (or -1). */
    private int membershipRequest(String method, String path, String body) {
        int status = -1;
        for (int id : shuffled(liveMembers())) {
            try {
                HttpRequest request = HttpRequest.newBuilder(URI.create(cluster.baseUrl(id) + path))
                        .timeout(Duration.ofMillis(MEMBERSHIP_REQUEST_TIMEOUT_MILLIS))
                        .method(method, HttpRequest.BodyPublishers.ofString(body))
                        .build();
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                status = response.statusCode();
                if (status / 100 == 2) {
                    return status;
                }
                LOG.info("{} {} on n{}: {} {}", method, path, id, status, response.body());
            } catch (IOException e) {
                LOG.info("{} {} on n{}: {}", method, path, id, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return status;
            }
        }
        return status;
    }

    /**
     * Heals everything: the network, paused processes, dead members (restarted); processes of nodes that
     * are no longer members are stopped. {@code actualMembers}, when known, replaces the expected set.
     */
    public void healAll() {
        network.heal();
        for (int id : cluster.ids()) {
            if (cluster.paused(id)) {
                cluster.resume(id);
            }
        }
        for (int id : members) {
            if (!cluster.alive(id)) {
                cluster.start(id);
            }
        }
        record(null, "heal all: network healed, paused resumed, dead members restarted", members);
    }

    /** Waits (at most {@code timeoutNanos}) until every running, unpaused member answers {@code /healthz}. */
    public void awaitServing(long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        long started = System.nanoTime();
        for (int id : members) {
            while (cluster.alive(id) && !cluster.paused(id) && !serving(id)) {
                if (System.nanoTime() > deadline) {
                    record(
                            null,
                            "n" + id + " does not serve HTTP " + TimeUnit.NANOSECONDS.toSeconds(timeoutNanos)
                                    + " s after healing; going on",
                            List.of(id));
                    return;
                }
                park(100);
            }
        }
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        if (waitedMillis > 1_000) {
            LOG.info("nemesis: members served HTTP again after {} ms", waitedMillis);
        }
    }

    private boolean serving(int id) {
        try {
            HttpResponse<Void> response = http.send(
                    HttpRequest.newBuilder(URI.create(cluster.baseUrl(id) + "/healthz"))
                            .timeout(Duration.ofSeconds(2))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Adopts the membership the cluster reports after healing; stops processes of nodes outside it. */
    public void adoptMembers(Set<Integer> actual) {
        members = List.copyOf(new TreeSet<>(actual));
        for (int id : cluster.ids()) {
            if (!actual.contains(id) && cluster.alive(id)) {
                cluster.kill(id);
                record(null, "stopped n" + id + ": not a member", List.of(id));
            } else if (actual.contains(id) && !cluster.alive(id)) {
                cluster.start(id);
                record(null, "started n" + id + ": a member", List.of(id));
            }
        }
    }

    private synchronized void note(String text) {
        notes.add(text);
    }

    private synchronized void record(Fault fault, String what, List<Integer> nodes) {
        ObjectNode line = JSON.createObjectNode()
                .put("time", clock.now())
                .put("fault", fault == null ? "heal-all" : fault.cliName())
                .put("action", what);
        nodes.forEach(line.putArray("nodes")::add);
        LOG.info("nemesis: {} {} {}", fault == null ? "" : fault.cliName(), what, nodes);
        try {
            log.write(line.toString());
            log.newLine();
            log.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the fault log", e);
        }
    }

    private static void park(long millis) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Override
    public synchronized void close() {
        try {
            log.close();
        } catch (IOException e) {
            LOG.warn("cannot close the fault log: {}", e.toString());
        }
    }
}
