package dev.raftchat.bench.jraft;

import com.alipay.sofa.jraft.Iterator;
import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.RaftGroupService;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.core.StateMachineAdapter;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.entity.Task;
import com.alipay.sofa.jraft.option.NodeOptions;
import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.rpc.RaftRpcServerFactory;
import com.alipay.sofa.jraft.rpc.RpcServer;
import dev.raftchat.bench.harness.BenchCluster;
import dev.raftchat.bench.harness.BenchOptions;
import dev.raftchat.bench.harness.DriverMain;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * SOFAJRaft 1.3 in the peer benchmark: three nodes over bolt RPC on loopback, RocksDB log and file meta,
 * snapshots off (no snapshot URI), proposals submitted in-process to the leader with
 * {@link Node#apply}. SOFAJRaft defaults throughout; {@code --sync off} sets {@link RaftOptions#setSync}
 * and {@link RaftOptions#setSyncMeta} to false.
 *
 * <p>Run with {@code -Duser.home} or {@code -Dlogging.path} pointing somewhere disposable: SOFAJRaft and
 * bolt write logs under {@code ${user.home}/logs}.
 */
public final class JraftDriver implements BenchCluster {
    private static final long LEADER_WAIT_MILLIS = 30_000;
    private static final String GROUP = "bench";

    private final BenchOptions options;
    private final List<RaftGroupService> services = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private volatile Node leader;

    private JraftDriver(BenchOptions options) {
        this.options = options;
    }

    public static void main(String[] args) {
        DriverMain.run("jraft", args, JraftDriver::new);
    }

    @Override
    public void start() throws Exception {
        int[] ports = DriverMain.freePorts(3);
        List<PeerId> peers = new ArrayList<>();
        for (int port : ports) {
            peers.add(new PeerId("127.0.0.1", port));
        }
        for (int i = 0; i < peers.size(); i++) {
            String dir = options.dataDir().resolve("node-" + (i + 1)).toString();
            // RocksDB creates only the last directory of the log path.
            Files.createDirectories(Path.of(dir));
            RaftOptions raftOptions = new RaftOptions();
            raftOptions.setSync(options.sync());
            raftOptions.setSyncMeta(options.sync());
            NodeOptions nodeOptions = new NodeOptions();
            nodeOptions.setInitialConf(new Configuration(peers));
            nodeOptions.setFsm(new CountingStateMachine());
            nodeOptions.setLogUri(dir + "/log");
            nodeOptions.setRaftMetaUri(dir + "/meta");
            nodeOptions.setRaftOptions(raftOptions);
            RpcServer rpcServer =
                    RaftRpcServerFactory.createRaftRpcServer(peers.get(i).getEndpoint());
            RaftGroupService service = new RaftGroupService(GROUP, peers.get(i), nodeOptions, rpcServer);
            nodes.add(service.start());
            services.add(service);
        }
        findLeader();
        propose(new byte[0]).get(LEADER_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void findLeader() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LEADER_WAIT_MILLIS);
        while (System.nanoTime() < deadline) {
            for (Node node : nodes) {
                if (node.isLeader()) {
                    leader = node;
                    return;
                }
            }
            Thread.sleep(20); // polling for the election, bounded by the deadline
        }
        throw new IllegalStateException("no SOFAJRaft leader within " + LEADER_WAIT_MILLIS + " ms");
    }

    @Override
    public CompletableFuture<Void> propose(byte[] payload) {
        Node current = leader;
        if (!current.isLeader()) {
            for (Node node : nodes) {
                if (node.isLeader()) {
                    leader = node;
                    current = node;
                }
            }
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        current.apply(new Task(ByteBuffer.wrap(payload), status -> {
            if (status.isOk()) {
                done.complete(null);
            } else {
                done.completeExceptionally(new IllegalStateException("SOFAJRaft rejected the proposal: " + status));
            }
        }));
        return done;
    }

    @Override
    public String description() {
        return "SOFAJRaft bolt RPC over loopback TCP, RocksDB log, in-process Node.apply on the leader";
    }

    @Override
    public void close() {
        for (RaftGroupService service : services) {
            service.shutdown();
        }
    }

    /** Runs each applied task's closure on the leader; the state is only the count. */
    private static final class CountingStateMachine extends StateMachineAdapter {
        @SuppressWarnings("UnusedVariable") // the count is this state machine's whole state; the work is counting
        private long applied;

        @Override
        public void onApply(Iterator iterator) {
            while (iterator.hasNext()) {
                applied++;
                if (iterator.done() != null) {
                    iterator.done().run(Status.OK());
                }
                iterator.next();
            }
        }
    }
}
