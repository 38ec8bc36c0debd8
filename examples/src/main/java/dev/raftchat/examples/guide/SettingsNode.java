package dev.raftchat.examples.guide;

import dev.raftchat.raft.core.NodeConfig;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.runtime.RaftMetrics;
import dev.raftchat.raft.runtime.RaftServer;
import dev.raftchat.raft.runtime.RaftServerConfig;
import dev.raftchat.raft.storage.file.FileLogStorage;
import dev.raftchat.raft.storage.file.FileLogStorageConfig;
import dev.raftchat.raft.storage.file.FileSnapshotStorage;
import dev.raftchat.raft.storage.file.FileSnapshotStore;
import dev.raftchat.raft.storage.file.FileSnapshotStoreConfig;
import dev.raftchat.raft.transport.netty.ClusterSecrets;
import dev.raftchat.raft.transport.netty.NettyTransport;
import dev.raftchat.raft.transport.netty.NettyTransportConfig;
import dev.raftchat.raft.transport.netty.PeerAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of the settings service of docs/embedding.md: file storage with snapshots, the Netty transport
 * with a cluster secret, a {@link SettingsStore}, metrics, and clients routed to the leader.
 *
 * @param server  the running Raft server (close it to stop the node)
 * @param store   the node's state machine
 * @param metrics what the node counted
 */
public record SettingsNode(RaftServer server, SettingsStore store, CountingMetrics metrics) implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SettingsNode.class);

    /**
     * Opens the node's storage, starts its transport and its Raft server.
     *
     * @param id         this node's id
     * @param members    the addresses of the nodes this node knows at start (itself included): the founding
     *                   members, or, for a node that joins, the current members and itself
     * @param founders   the voters of the first configuration (used only while the log is empty)
     * @param dataDir    where this node keeps its log and snapshots
     * @param secret     the cluster secret every member holds (peers prove it before anything is believed)
     */
    public static SettingsNode start(
            long id, SortedMap<Long, PeerAddress> members, long[] founders, Path dataDir, byte[] secret) {
        // tag::storage[]
        FileLogStorage log = FileLogStorage.open(dataDir.resolve("log"), FileLogStorageConfig.defaults());
        FileSnapshotStorage snapshots = new FileSnapshotStorage(
                FileSnapshotStore.open(dataDir.resolve("snapshots"), FileSnapshotStoreConfig.defaults()));
        // end::storage[]

        // tag::transport[]
        Map<Long, PeerAddress> peers = new TreeMap<>(members);
        PeerAddress self = peers.remove(id);
        NettyTransport transport = new NettyTransport(
                NettyTransportConfig.builder("settings", id, self)
                        .clusterSecrets(ClusterSecrets.of(secret))
                        .build(),
                peers);
        // end::transport[]

        // tag::server[]
        // The state machine tells the transport of members that join later (their address is the change's context).
        // It runs on the Raft thread while applying: it must not throw (that would stop the node), so a bad
        // address is logged and skipped, the same way on every node.
        SettingsStore store = new SettingsStore((member, address) -> {
            try {
                if (member != id) {
                    transport.updatePeer(member, PeerAddress.parse(address));
                }
            } catch (IllegalArgumentException e) {
                LOG.warn(
                        "node {}: member {} joined with an unusable address '{}': {}",
                        id,
                        member,
                        address,
                        e.getMessage());
            }
        });
        CountingMetrics metrics = new CountingMetrics();
        RaftServerConfig config = RaftServerConfig.builder(
                        NodeConfig.builder(id).forwardProposals(false).build(), ConfState.ofVoters(founders))
                .snapshotIntervalEntries(1_000)
                .build();
        RaftServer server = RaftServer.builder(config, log, transport, store)
                .snapshots(snapshots)
                .metrics(metrics)
                // Clients are sent to the leader's address, from the configuration or the replicated directory.
                .leaderAddresses(leader -> Optional.ofNullable(members.get(leader))
                        .map(PeerAddress::toString)
                        .or(() -> store.memberAddress(leader)))
                .start();
        // end::server[]
        return new SettingsNode(server, store, metrics);
    }

    // tag::metrics[]
    /** Counts what the service cares about; a real one bridges to Micrometer, Prometheus or JMX. */
    public static final class CountingMetrics implements RaftMetrics {
        public final AtomicLong proposalsCompleted = new AtomicLong();
        public final AtomicLong syncs = new AtomicLong();
        public final AtomicLong leaderChanges = new AtomicLong();

        @Override
        public void proposalCompleted(long latencyNanos) {
            proposalsCompleted.incrementAndGet();
        }

        @Override
        public void syncCompleted(long durationNanos, int entries) {
            syncs.incrementAndGet();
        }

        @Override
        public void leaderChanged(long term, long leaderId) {
            leaderChanges.incrementAndGet();
        }
    }
    // end::metrics[]

    // tag::shutdown[]
    /** Stops the node: fails what is pending, stops its threads, closes the transport and the storage. */
    @Override
    public void close() {
        server.close();
    }
    // end::shutdown[]
}
