package dev.raftchat.bench.ours;

import dev.raftchat.bench.harness.BenchCluster;
import dev.raftchat.bench.harness.BenchOptions;
import dev.raftchat.bench.harness.DriverMain;
import dev.raftchat.raft.core.NodeConfig;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.runtime.RaftMetrics;
import dev.raftchat.raft.runtime.RaftServer;
import dev.raftchat.raft.runtime.RaftServerConfig;
import dev.raftchat.raft.statemachine.StateMachine;
import dev.raftchat.raft.storage.file.FileLogStorage;
import dev.raftchat.raft.storage.file.FileLogStorageConfig;
import dev.raftchat.raft.transport.Transport;
import dev.raftchat.raft.transport.netty.NettyTransport;
import dev.raftchat.raft.transport.netty.NettyTransportConfig;
import dev.raftchat.raft.transport.netty.PeerAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Our library in the peer benchmark: three {@link RaftServer}s with {@link FileLogStorage} in one JVM,
 * proposals submitted in-process to the leader with {@link RaftServer#propose}. Every setting is the
 * default (tick 100 ms, election after 10 ticks); only {@code --sync off} changes the storage.
 *
 * <p>{@code main(args)} takes {@code netty|inmem} first: {@code netty} connects the nodes with
 * {@link NettyTransport} over loopback TCP (the figure to compare with Ratis and SOFAJRaft);
 * {@code inmem} hands message objects between the nodes with {@link InMemoryTransport}, which is how
 * MicroRaft is measured, since it has no network transport of its own.
 */
public final class OursDriver implements BenchCluster {
    /**
     * {@code -Draft.bench.overlapSyncs=false} runs the library with {@code RaftServerConfig#overlapSyncs}
     * off (every sync on the Raft thread), for before/after comparisons of that design.
     */
    private static final boolean OVERLAP_SYNCS =
            Boolean.parseBoolean(System.getProperty("raft.bench.overlapSyncs", "true"));

    private static final long LEADER_WAIT_MILLIS = 30_000;
    private static final byte[] EMPTY = new byte[0];

    private final BenchOptions options;
    private final boolean inMemory;
    private final List<RaftServer> servers = new ArrayList<>();
    private final List<NettyTransport> nettyTransports = new ArrayList<>();
    private final List<LoadShape> loadShapes = new ArrayList<>();
    private volatile RaftServer leader;

    OursDriver(BenchOptions options, boolean inMemory) {
        this.options = options;
        this.inMemory = inMemory;
    }

    public static void main(String[] args) {
        if (args.length == 0 || !(args[0].equals("netty") || args[0].equals("inmem"))) {
            System.err.println("usage: OursDriver netty|inmem " + BenchOptions.USAGE);
            System.exit(2);
        }
        boolean inMemory = args[0].equals("inmem");
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        DriverMain.run(inMemory ? "ours-inmem" : "ours", rest, options -> new OursDriver(options, inMemory));
    }

    @Override
    public void start() throws Exception {
        long[] ids = {1, 2, 3};
        int[] ports = DriverMain.freePorts(ids.length);
        InMemoryTransport.Network network = new InMemoryTransport.Network();
        for (int i = 0; i < ids.length; i++) {
            Transport transport;
            if (inMemory) {
                transport = network.transportFor(ids[i]);
            } else {
                TreeMap<Long, PeerAddress> peers = new TreeMap<>();
                for (int j = 0; j < ids.length; j++) {
                    peers.put(ids[j], PeerAddress.parse("http://127.0.0.1:" + ports[j]));
                }
                PeerAddress self = peers.remove(ids[i]);
                NettyTransport netty = new NettyTransport(
                        NettyTransportConfig.builder("bench", ids[i], self).build(), peers);
                nettyTransports.add(netty);
                transport = netty;
            }
            var storage = FileLogStorage.open(
                    options.dataDir().resolve("node-" + ids[i]),
                    FileLogStorageConfig.defaults().withSyncDisabled(!options.sync()));
            var config = RaftServerConfig.builder(
                            NodeConfig.defaults(ids[i], System.nanoTime()), ConfState.ofVoters(ids))
                    .overlapSyncs(OVERLAP_SYNCS)
                    .build();
            LoadShape shape = new LoadShape();
            loadShapes.add(shape);
            servers.add(RaftServer.builder(config, storage, transport, new CountingStateMachine())
                    .metrics(shape)
                    .start());
        }
        findLeader();
        leader.propose(EMPTY).get(LEADER_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    }

    private RaftServer findLeader() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LEADER_WAIT_MILLIS);
        while (System.nanoTime() < deadline) {
            for (RaftServer server : servers) {
                if (server.status().isLeader()) {
                    leader = server;
                    return server;
                }
            }
            Thread.sleep(20); // polling for the election, bounded by the deadline
        }
        throw new IllegalStateException("no leader within " + LEADER_WAIT_MILLIS + " ms");
    }

    @Override
    public CompletableFuture<?> propose(byte[] payload) {
        RaftServer current = leader;
        if (!current.isLeader()) {
            for (RaftServer server : servers) {
                if (server.isLeader()) {
                    leader = server;
                    current = server;
                }
            }
        }
        return current.propose(payload);
    }

    @Override
    public String description() {
        return inMemory
                ? "in-memory transport (no network), file log, in-process propose on the leader"
                : "Netty over loopback TCP, file log, in-process propose on the leader";
    }

    @Override
    public void close() {
        // Diagnostics for the child's log: drops and reconnects explain a run whose tail latency is
        // far off the others' (Raft recovers from a lost message only at the next heartbeat).
        for (RaftServer server : servers) {
            var status = server.status();
            System.err.printf(
                    "node %d: role %s, applied %d, inbound messages dropped (inbox full) %d%n",
                    status.raft().id(), status.role(), status.appliedIndex(), status.inboundMessagesDropped());
        }
        for (int i = 0; i < servers.size(); i++) {
            System.err.printf("node %d: %s%n", servers.get(i).id(), loadShapes.get(i));
        }
        for (NettyTransport netty : nettyTransports) {
            System.err.println("transport: " + netty.stats());
        }
        for (RaftServer server : servers) {
            server.close();
        }
    }

    /**
     * How the load reached the disk, over the whole run (warm-up included), for the child's log: how many
     * syncs, how long each took and how many entries each covered, and how proposals were batched. These
     * explain a throughput figure: at a fixed client count it is entries per sync times syncs per second.
     */
    private static final class LoadShape implements RaftMetrics {
        private final LongAdder syncs = new LongAdder();
        private final LongAdder syncNanos = new LongAdder();
        private final LongAdder syncedEntries = new LongAdder();
        private final LongAdder batches = new LongAdder();
        private final LongAdder batchedProposals = new LongAdder();

        @Override
        public void syncCompleted(long durationNanos, int entries) {
            syncs.increment();
            syncNanos.add(durationNanos);
            syncedEntries.add(entries);
        }

        @Override
        public void proposalsBatched(int count) {
            batches.increment();
            batchedProposals.add(count);
        }

        @Override
        public String toString() {
            long syncCount = Math.max(1, syncs.sum());
            long batchCount = Math.max(1, batches.sum());
            return String.format(
                    "%d syncs, %.3f ms and %.1f entries each; %d proposal batches of %.1f on average",
                    syncs.sum(),
                    syncNanos.sum() / 1e6 / syncCount,
                    (double) syncedEntries.sum() / syncCount,
                    batches.sum(),
                    (double) batchedProposals.sum() / batchCount);
        }
    }

    /** Counts applied commands; the trivial state machine every library gets. */
    private static final class CountingStateMachine implements StateMachine {
        @SuppressWarnings("UnusedVariable") // the count is this state machine's whole state; the work is counting
        private long applied;

        @Override
        public byte[] apply(long index, byte[] command) {
            applied++;
            return EMPTY;
        }
    }
}
