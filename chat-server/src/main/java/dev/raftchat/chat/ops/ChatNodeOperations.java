package dev.raftchat.chat.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raftchat.chat.http.ApiException;
import dev.raftchat.chat.http.NodeOperations;
import dev.raftchat.chat.state.ChatCodec;
import dev.raftchat.chat.state.ChatError;
import dev.raftchat.chat.state.ChatQuery;
import dev.raftchat.raft.core.Status;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.runtime.RaftServer;
import dev.raftchat.raft.runtime.ServerStatus;
import dev.raftchat.raft.storage.file.FileSnapshotStore;
import dev.raftchat.raft.transport.netty.PeerAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The node's side of the operations routes: the cluster view, the metrics scrape and online backups.
 *
 * <p>A backup is the snapshot file the runtime writes anyway (format in docs/log-format.md: checksummed
 * header, the chat state, a trailer with the data's CRC32C): {@link #backup()} asks the runtime for a
 * fresh snapshot and opens the newest snapshot file. The file is complete and verified by construction
 * (it is renamed into place only after being forced), and an open handle keeps it readable even when a
 * later snapshot replaces it. Thread-safe.
 */
public final class ChatNodeOperations implements NodeOperations {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] APPLIED_INDEX_QUERY = ChatCodec.encode(new ChatQuery.AppliedIndex());

    private final long nodeId;
    private final RaftServer raft;
    private final FileSnapshotStore snapshots;
    private final Supplier<Map<Long, PeerAddress>> peerAddresses;
    private final ChatMetrics metrics;

    /**
     * @param peerAddresses every known member's peer address (this node's own included), read per request
     */
    public ChatNodeOperations(
            long nodeId,
            RaftServer raft,
            FileSnapshotStore snapshots,
            Supplier<Map<Long, PeerAddress>> peerAddresses,
            ChatMetrics metrics) {
        this.nodeId = nodeId;
        this.raft = raft;
        this.snapshots = snapshots;
        this.peerAddresses = peerAddresses;
        this.metrics = metrics;
    }

    @Override
    public byte[] clusterJson() {
        ServerStatus status = raft.status();
        Status node = status.raft();
        ObjectNode body = JSON.createObjectNode()
                .put("nodeId", nodeId)
                .put("leaderId", status.leaderId())
                .put("term", status.term())
                .put("role", status.role().name().toLowerCase(Locale.ROOT))
                .put("commitIndex", status.commitIndex())
                .put("appliedIndex", status.appliedIndex());
        // Progress is tracked by the leader only; elsewhere those fields are null rather than guessed.
        body.put("progressKnown", status.isLeader());
        ConfState conf = node.conf();
        TreeSet<Long> members = new TreeSet<>(conf.voters());
        members.addAll(conf.votersOutgoing());
        members.addAll(conf.learners());
        Map<Long, PeerAddress> addresses = peerAddresses.get();
        ArrayNode list = body.putArray("members");
        for (long id : members) {
            ObjectNode member = list.addObject();
            member.put("id", id);
            PeerAddress address = addresses.get(id);
            if (address == null) {
                member.putNull("url");
            } else {
                member.put("url", "http://" + address);
            }
            member.put("role", conf.learners().contains(id) ? "learner" : "voter");
            member.put("leader", id == status.leaderId());
            Status.FollowerProgress progress = node.progress().get(id);
            if (progress == null) {
                member.putNull("matchIndex");
                member.putNull("lag");
                member.putNull("healthy");
            } else {
                long match = id == nodeId ? node.lastIndex() : progress.matchIndex();
                member.put("matchIndex", match);
                member.put("lag", Math.max(0, status.commitIndex() - match));
                member.put("healthy", id == nodeId || progress.recentlyActive());
            }
        }
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public CompletableFuture<String> notReadyReason(long waitMillis) {
        ServerStatus status = raft.status();
        if (status.state() != ServerStatus.State.RUNNING) {
            return CompletableFuture.completedFuture("the Raft server is " + status.state());
        }
        if (!status.raft().conf().isMember(nodeId)) {
            return CompletableFuture.completedFuture("this node is not a member of the cluster yet");
        }
        if (status.leaderId() == 0) {
            return CompletableFuture.completedFuture("no leader is known yet");
        }
        // A ReadIndex round asks the leader for its commit index and completes once this node applied it:
        // the local commit index alone can lag the leader's by a whole log on a restarted follower.
        return raft.read(APPLIED_INDEX_QUERY)
                .orTimeout(waitMillis, TimeUnit.MILLISECONDS)
                .handle((ignored, failure) -> failure == null
                        ? null
                        : "catching up: not confirmed to have applied the leader's commit index within " + waitMillis
                                + " ms (applied " + raft.status().appliedIndex() + ", local commit "
                                + raft.status().commitIndex() + ")");
    }

    @Override
    public String metricsText() {
        return metrics.scrape();
    }

    @Override
    public CompletableFuture<BackupFile> backup() {
        return raft.takeSnapshot().thenApply(meta -> openNewestSnapshot());
    }

    private BackupFile openNewestSnapshot() {
        Path path = snapshots
                .latestPath()
                .orElseThrow(() -> new ApiException(ChatError.NO_SNAPSHOT, "no snapshot exists yet on node " + nodeId));
        FileChannel channel = null;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
            SnapshotFileFormat.Trailer trailer = SnapshotFileFormat.readTrailer(channel);
            SnapshotFileFormat.Header header = SnapshotFileFormat.readHeader(channel);
            return new BackupFile(
                    channel,
                    channel.size(),
                    "raft-chat-backup-" + header.index() + "-" + header.term() + ".snap",
                    trailer.dataCrc32c(),
                    header.index(),
                    header.term());
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot open snapshot " + path + " for a backup", e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // A read handle: nothing to lose.
            }
        }
    }

    /** Reads exactly {@code buffer.remaining()} bytes at {@code position}. */
    static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, at);
            if (read < 0) {
                throw new IOException("unexpected end of file at byte " + at);
            }
            at += read;
        }
    }
}
