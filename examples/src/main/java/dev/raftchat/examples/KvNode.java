package dev.raftchat.examples;

import dev.raftchat.raft.core.NodeConfig;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.runtime.RaftServer;
import dev.raftchat.raft.runtime.RaftServerConfig;
import dev.raftchat.raft.runtime.RaftServerListener;
import dev.raftchat.raft.storage.file.FileLogStorage;
import dev.raftchat.raft.storage.file.FileLogStorageConfig;
import dev.raftchat.raft.transport.netty.NettyTransport;
import dev.raftchat.raft.transport.netty.NettyTransportConfig;
import dev.raftchat.raft.transport.netty.PeerAddress;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One node of a replicated key-value store: raft-core + file storage + Netty transport. Run three:
 * <pre>bin/kv-example 1 http://127.0.0.1:12379,http://127.0.0.1:22379,http://127.0.0.1:32379 kv-1</pre>
 * and type {@code put greeting hello} or {@code get greeting} on any of them.
 */
public final class KvNode {
    private KvNode() {}

    /** Starts node {@code id} (1-based position in {@code peers}) with its data in {@code dataDir}. */
    public static RaftServer start(long id, List<String> peers, Path dataDir) {
        TreeMap<Long, PeerAddress> addresses = new TreeMap<>();
        long[] ids = new long[peers.size()];
        for (int i = 0; i < peers.size(); i++) {
            ids[i] = i + 1L;
            addresses.put(ids[i], PeerAddress.parse(peers.get(i)));
        }
        PeerAddress self = addresses.remove(id);
        var transport = new NettyTransport(
                NettyTransportConfig.builder("kv-example", id, self).build(), addresses);
        var storage = FileLogStorage.open(dataDir, FileLogStorageConfig.defaults());
        var config = RaftServerConfig.builder(NodeConfig.defaults(id), ConfState.ofVoters(ids))
                .build();
        return RaftServer.builder(config, storage, transport, new KvStore()).start();
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: kv-example ID PEER_URL[,PEER_URL...] DATA_DIR");
            System.exit(2);
        }
        try (RaftServer server = start(Long.parseLong(args[0]), List.of(args[1].split(",")), Path.of(args[2]))) {
            // Commands typed before any leader is known would fail; wait (bounded) for the first election.
            var leaderKnown = new CompletableFuture<Long>();
            server.addListener(RaftServerListener.onLeaderChange(change -> {
                if (change.leaderId() != 0) {
                    leaderKnown.complete(change.leaderId());
                }
            }));
            if (server.status().raft().leaderId() != 0) {
                leaderKnown.complete(server.status().raft().leaderId());
            }
            System.err.println("leader: node " + leaderKnown.get(30, TimeUnit.SECONDS));
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                try {
                    byte[] result = server.propose(line.trim().getBytes(StandardCharsets.UTF_8))
                            .get();
                    System.out.println("-> " + new String(result, StandardCharsets.UTF_8));
                } catch (ExecutionException e) {
                    System.out.println("error: " + e.getCause().getMessage());
                }
            }
        }
    }
}
