package dev.raftchat.bench.ratis;

import dev.raftchat.bench.harness.BenchCluster;
import dev.raftchat.bench.harness.BenchOptions;
import dev.raftchat.bench.harness.DriverMain;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * Apache Ratis 3.2 in the peer benchmark: three servers over Ratis' Netty RPC on loopback, each with
 * its segmented file log, proposals submitted in-process to the leader with
 * {@link RaftServer#submitClientRequestAsync} (not through a RaftClient, which costs a network hop).
 * Ratis defaults throughout; {@code --sync off} sets {@code raft.server.log.unsafe-flush.enabled}, the
 * closest Ratis has (its flush is then asynchronous, not skipped).
 */
public final class RatisDriver implements BenchCluster {
    private static final long LEADER_WAIT_MILLIS = 30_000;

    private final BenchOptions options;
    private final RaftGroupId groupId = RaftGroupId.valueOf(UUID.randomUUID());
    private final List<RaftServer> servers = new ArrayList<>();
    /** One client id for the whole run; call ids are unique per client id, as Ratis' retry cache needs. */
    private final ClientId clientId = ClientId.randomId();

    private final AtomicLong callIds = new AtomicLong();
    private volatile RaftServer leader;

    private RatisDriver(BenchOptions options) {
        this.options = options;
    }

    public static void main(String[] args) {
        DriverMain.run("ratis", args, RatisDriver::new);
    }

    @Override
    public void start() throws Exception {
        int[] ports = DriverMain.freePorts(3);
        List<RaftPeer> peers = new ArrayList<>();
        for (int i = 0; i < ports.length; i++) {
            peers.add(RaftPeer.newBuilder()
                    .setId("n" + (i + 1))
                    .setAddress("127.0.0.1:" + ports[i])
                    .build());
        }
        RaftGroup group = RaftGroup.valueOf(groupId, peers);
        for (int i = 0; i < peers.size(); i++) {
            RaftProperties properties = new RaftProperties();
            RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.NETTY);
            NettyConfigKeys.Server.setPort(properties, ports[i]);
            RaftServerConfigKeys.setStorageDir(
                    properties,
                    List.of(options.dataDir().resolve("node-" + (i + 1)).toFile()));
            RaftServerConfigKeys.Log.setUnsafeFlushEnabled(properties, !options.sync());
            RaftServer server = RaftServer.newBuilder()
                    .setServerId(peers.get(i).getId())
                    .setGroup(group)
                    .setProperties(properties)
                    .setStateMachine(new CountingStateMachine())
                    .setOption(RaftStorage.StartupOption.FORMAT)
                    .build();
            server.start();
            servers.add(server);
        }
        findLeader();
        RaftClientReply first = propose(new byte[0]).get(LEADER_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        if (!first.isSuccess()) {
            throw new IllegalStateException("the first proposal failed: " + first.getException(), first.getException());
        }
    }

    private void findLeader() throws InterruptedException, IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LEADER_WAIT_MILLIS);
        while (System.nanoTime() < deadline) {
            for (RaftServer server : servers) {
                RaftServer.Division division = server.getDivision(groupId);
                if (division.getInfo().isLeader() && division.getInfo().isLeaderReady()) {
                    leader = server;
                    return;
                }
            }
            Thread.sleep(20); // polling for the election, bounded by the deadline
        }
        throw new IllegalStateException("no Ratis leader within " + LEADER_WAIT_MILLIS + " ms");
    }

    @Override
    public CompletableFuture<RaftClientReply> propose(byte[] payload) {
        RaftServer current = leader;
        try {
            if (!current.getDivision(groupId).getInfo().isLeader()) {
                for (RaftServer server : servers) {
                    if (server.getDivision(groupId).getInfo().isLeader()) {
                        leader = server;
                        current = server;
                    }
                }
            }
            RaftClientRequest request = RaftClientRequest.newBuilder()
                    .setClientId(clientId)
                    .setServerId(current.getId())
                    .setGroupId(groupId)
                    .setCallId(callIds.incrementAndGet())
                    .setMessage(Message.valueOf(ByteString.copyFrom(payload)))
                    .setType(RaftClientRequest.writeRequestType())
                    .build();
            return current.submitClientRequestAsync(request).thenApply(reply -> {
                if (!reply.isSuccess()) {
                    throw new IllegalStateException(
                            "Ratis rejected the proposal: " + reply.getException(), reply.getException());
                }
                return reply;
            });
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public String description() {
        return "Ratis Netty RPC over loopback TCP, segmented file log, in-process submitClientRequestAsync on the leader";
    }

    @Override
    public void close() throws IOException {
        for (RaftServer server : servers) {
            server.close();
        }
    }

    /** Applies nothing but the last applied term-index, as Ratis requires. */
    private static final class CountingStateMachine extends BaseStateMachine {
        @Override
        public CompletableFuture<Message> applyTransaction(TransactionContext transaction) {
            LogEntryProto entry = transaction.getLogEntry();
            updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
            return CompletableFuture.completedFuture(Message.EMPTY);
        }
    }
}
