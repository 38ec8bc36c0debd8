package dev.raftchat.bench.microraft;

import dev.raftchat.bench.harness.BenchCluster;
import dev.raftchat.bench.harness.BenchOptions;
import dev.raftchat.bench.harness.DriverMain;
import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.model.message.RaftMessage;
import io.microraft.statemachine.StateMachine;
import io.microraft.transport.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * MicroRaft 0.7 in the peer benchmark. MicroRaft has neither a network transport nor a durable store, so
 * this driver gives it an in-memory transport (message objects handed to the recipient's
 * {@link RaftNode#handle}, no encoding) and {@link AppendOnlyFileStore} (append + force, no recovery).
 * Compare it only with our library on an in-memory transport ({@code ours-inmem}); it is not a network
 * figure. MicroRaft defaults throughout; proposals go to the leader with {@link RaftNode#replicate}.
 */
// "try": see BenchCluster. FutureReturnValueIgnored: start()'s future is not needed, findLeader() waits for
// the election that proves the nodes started.
@SuppressWarnings({"try", "FutureReturnValueIgnored"})
public final class MicroRaftDriver implements BenchCluster {
    private static final long LEADER_WAIT_MILLIS = 30_000;
    private static final byte[] NEW_TERM_OPERATION = new byte[0];

    private final BenchOptions options;
    private final Map<RaftEndpoint, RaftNode> nodesByEndpoint = new ConcurrentHashMap<>();
    private final List<RaftNode> nodes = new ArrayList<>();
    private final List<AppendOnlyFileStore> stores = new ArrayList<>();
    private volatile RaftNode leader;

    private MicroRaftDriver(BenchOptions options) {
        this.options = options;
    }

    public static void main(String[] args) {
        DriverMain.run("microraft", args, MicroRaftDriver::new);
    }

    /** A node's address on the in-memory network. */
    private record Endpoint(String id) implements RaftEndpoint {
        @Override
        public Object getId() {
            return id;
        }
    }

    @Override
    public void start() throws Exception {
        List<RaftEndpoint> members = List.of(new Endpoint("n1"), new Endpoint("n2"), new Endpoint("n3"));
        Transport transport = new Transport() {
            @Override
            public void send(RaftEndpoint target, RaftMessage message) {
                RaftNode node = nodesByEndpoint.get(target);
                if (node != null) {
                    node.handle(message);
                }
            }

            @Override
            public boolean isReachable(RaftEndpoint endpoint) {
                return nodesByEndpoint.containsKey(endpoint);
            }
        };
        for (RaftEndpoint member : members) {
            AppendOnlyFileStore store = new AppendOnlyFileStore(
                    options.dataDir().resolve("node-" + member.getId()).resolve("log"), options.sync());
            stores.add(store);
            RaftNode node = RaftNode.newBuilder()
                    .setGroupId("bench")
                    .setLocalEndpoint(member)
                    .setInitialGroupMembers(members)
                    .setTransport(transport)
                    .setStateMachine(new CountingStateMachine())
                    .setStore(store)
                    .build();
            nodesByEndpoint.put(member, node);
            nodes.add(node);
        }
        for (RaftNode node : nodes) {
            node.start();
        }
        findLeader();
        propose(new byte[0]).get(LEADER_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    }

    private static boolean isLeader(RaftNode node) {
        return node.getLocalEndpoint().equals(node.getTerm().getLeaderEndpoint());
    }

    private void findLeader() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LEADER_WAIT_MILLIS);
        while (System.nanoTime() < deadline) {
            for (RaftNode node : nodes) {
                if (isLeader(node)) {
                    leader = node;
                    return;
                }
            }
            Thread.sleep(20); // polling for the election, bounded by the deadline
        }
        throw new IllegalStateException("no MicroRaft leader within " + LEADER_WAIT_MILLIS + " ms");
    }

    @Override
    public CompletableFuture<?> propose(byte[] payload) {
        RaftNode current = leader;
        if (!isLeader(current)) {
            for (RaftNode node : nodes) {
                if (isLeader(node)) {
                    leader = node;
                    current = node;
                }
            }
        }
        return current.replicate(payload);
    }

    @Override
    public String description() {
        return "MicroRaft in-memory transport (no network), append+force file store written for the harness,"
                + " in-process replicate on the leader";
    }

    @Override
    public void close() throws Exception {
        for (RaftNode node : nodes) {
            node.terminate().get(10, TimeUnit.SECONDS);
        }
        for (AppendOnlyFileStore store : stores) {
            System.err.println("MicroRaft store: " + store.counts());
            store.close();
        }
    }

    /** Counts applied operations; the snapshot is that count. */
    private static final class CountingStateMachine implements StateMachine {
        private long applied;

        @Override
        public Object runOperation(long commitIndex, Object operation) {
            applied++;
            return null;
        }

        @Override
        public void takeSnapshot(long commitIndex, Consumer<Object> snapshotChunkConsumer) {
            snapshotChunkConsumer.accept(applied);
        }

        @Override
        public void installSnapshot(long commitIndex, List<Object> snapshotChunks) {
            applied = snapshotChunks.isEmpty() ? 0 : (Long) snapshotChunks.get(0);
        }

        @Override
        public Object getNewTermOperation() {
            return NEW_TERM_OPERATION;
        }
    }
}
