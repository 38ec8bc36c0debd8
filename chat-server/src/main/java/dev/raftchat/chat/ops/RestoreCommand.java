package dev.raftchat.chat.ops;

import dev.raftchat.chat.state.ChatCodec;
import dev.raftchat.chat.state.ChatCommand;
import dev.raftchat.chat.state.ChatLimits;
import dev.raftchat.chat.state.ChatStateMachine;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.model.SnapshotMeta;
import dev.raftchat.raft.storage.file.FileLogStorage;
import dev.raftchat.raft.storage.file.FileLogStorageConfig;
import dev.raftchat.raft.storage.file.FileSnapshotStore;
import dev.raftchat.raft.storage.file.FileSnapshotStoreConfig;
import dev.raftchat.raft.transport.netty.PeerAddress;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code raft-chat restore --from FILE --id N --cluster URLS [--data-dir D]}: creates the data directory of
 * node N of a new cluster from a backup (a snapshot file from {@code GET /api/v1/admin/backup}, or the
 * newest {@code snapshots/*.snap} of a stopped node).
 *
 * <p>Order of work, so that a bad backup never leaves anything behind: (1) refuse a data directory that
 * exists and is not empty; (2) verify the whole file (header CRC32C, trailer, data CRC32C) and parse the
 * chat state, printing progress; only then (3) create the directory, write the snapshot and a log
 * compacted to it. If writing fails, the directory it created is removed again.
 *
 * <p>The new cluster's voters are the members of {@code --cluster}. Membership wishes carried in the chat
 * state from the old cluster (nodes added over {@code POST /raft/{id}} or removed over {@code DELETE}) are
 * made to agree with {@code --cluster} (by applying the ordinary register/remove commands just past the
 * backup's index), so the new cluster's leader does not try to add or remove nodes it does not have.
 * Run the same restore on every node of the new cluster (each with its own {@code --id}) before starting
 * any of them.
 *
 * <p>Exit codes: 0 restored, 1 the file failed verification or writing failed, 2 bad arguments or a
 * non-empty data directory.
 */
@Command(
        name = "restore",
        mixinStandardHelpOptions = true,
        description = "Create a node's data directory for a new cluster from a backup file (GET /api/v1/admin/backup).")
public final class RestoreCommand implements Callable<Integer> {
    private static final int PROGRESS_STEP_PERCENT = 10;

    @Spec
    CommandSpec spec;

    @Option(names = "--from", required = true, description = "The backup file (a raft-chat snapshot file).")
    Path from;

    @Option(names = "--id", required = true, description = "The id of the node whose data directory is created.")
    long id;

    @Option(
            names = "--cluster",
            required = true,
            description = "Comma-separated peer URLs of the NEW cluster, node 1 first (as given to the nodes later).")
    String cluster;

    @Option(
            names = "--data-dir",
            description = "The data directory to create (default: raft-chat-<id>); must not exist or be empty.")
    Path dataDir;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SortedMap<Long, PeerAddress> members;
        try {
            members = PeerAddress.parseCluster(cluster);
        } catch (IllegalArgumentException e) {
            err.println("restore: --cluster: " + e.getMessage());
            return 2;
        }
        if (!members.containsKey(id)) {
            err.println("restore: --id " + id + " is not a position in --cluster (ids are 1.." + members.size() + ")");
            return 2;
        }
        Path target = dataDir != null ? dataDir : Path.of("raft-chat-" + id);
        if (!Files.isRegularFile(from)) {
            err.println("restore: --from " + from + " is not a readable file");
            return 2;
        }
        try {
            if (Files.exists(target) && !isEmptyDirectory(target)) {
                err.println("restore: refusing to write into " + target.toAbsolutePath()
                        + ": it exists and is not empty (a node's data would be overwritten). Give a new --data-dir.");
                return 2;
            }
        } catch (IOException e) {
            err.println("restore: cannot inspect " + target + ": " + e.getMessage());
            return 2;
        }

        // 1. Verify and parse everything before writing a single byte.
        SnapshotFileFormat.Verified verified;
        ChatStateMachine chat = new ChatStateMachine(ChatLimits.defaults());
        try (FileChannel file = FileChannel.open(from, StandardOpenOption.READ)) {
            out.printf("verifying %s (%,d bytes)%n", from, file.size());
            out.flush();
            int[] lastPercent = {-1};
            verified = SnapshotFileFormat.verify(file, (done, total) -> {
                int percent = total == 0 ? 100 : (int) (100 * done / total);
                if (percent / PROGRESS_STEP_PERCENT != lastPercent[0] / PROGRESS_STEP_PERCENT) {
                    lastPercent[0] = percent;
                    out.printf("  verified %3d%% (%,d of %,d bytes)%n", percent, done, total);
                    out.flush();
                }
            });
            file.position(verified.header().dataOffset());
            InputStream data = new BoundedInputStream(
                    Channels.newInputStream(file), verified.trailer().dataBytes());
            chat.restore(data);
        } catch (IOException e) {
            err.println("restore: " + from + " failed verification, nothing was written: " + e.getMessage());
            return 1;
        }
        SnapshotFileFormat.Header header = verified.header();
        // Entries the chat never sees (configuration changes, a leader's no-op) can follow its last one.
        if (chat.appliedIndex() > header.index()) {
            err.println("restore: the chat state says index " + chat.appliedIndex() + ", past the file header's "
                    + header.index() + "; nothing was written");
            return 1;
        }
        int posts =
                chat.rooms().stream().mapToInt(room -> chat.posts(room).size()).sum();
        out.printf(
                "checksums match: snapshot at index %d, term %d, %,d room(s), %,d post(s)%n",
                header.index(), header.term(), chat.rooms().size(), posts);

        // 2. Make the membership wishes carried in the state agree with the new cluster.
        long index = alignMembership(chat, header.index(), members, out);
        SnapshotMeta meta = new SnapshotMeta(
                index,
                header.term(),
                ConfState.ofVoters(
                        members.keySet().stream().mapToLong(Long::longValue).toArray()));

        // 3. Write: the snapshot, then a log compacted to it and a hard state in its term.
        boolean created = !Files.exists(target);
        try {
            Files.createDirectories(target);
            FileSnapshotStore snapshots =
                    FileSnapshotStore.open(target.resolve("snapshots"), FileSnapshotStoreConfig.defaults());
            FileSnapshotStore.SnapshotWriter writer = snapshots.create(meta);
            try {
                chat.snapshot().writeTo(writer);
                writer.commit();
            } finally {
                writer.close();
            }
            out.printf("wrote snapshot %s%n", target.resolve("snapshots").resolve(FileSnapshotStore.fileName(meta)));
            try (FileLogStorage log = FileLogStorage.open(target.resolve("log"), FileLogStorageConfig.defaults())) {
                log.compact(new LogPosition(meta.term(), meta.index()));
                log.saveHardState(new HardState(meta.term(), HardState.NO_VOTE, meta.index()));
                log.sync();
            }
        } catch (IOException | RuntimeException e) {
            err.println("restore: writing " + target + " failed: " + e.getMessage());
            if (created) {
                deleteQuietly(target, err);
            }
            return 1;
        }
        out.printf(
                "restored node %d of a %d-node cluster into %s; start it with: raft-chat --id %d --cluster %s --data-dir %s%n",
                id, members.size(), target.toAbsolutePath(), id, cluster, target);
        out.flush();
        return 0;
    }

    /**
     * Applies the ordinary register/remove commands just past the backup's index so that the membership
     * wishes in the state name only members of the new cluster, at their new addresses: otherwise the new
     * leader would try to add a node of the old cluster, or remove one of the new. Returns the index of the
     * last applied entry, which becomes the snapshot's index.
     */
    private static long alignMembership(
            ChatStateMachine chat, long snapshotIndex, SortedMap<Long, PeerAddress> members, PrintWriter out) {
        long index = snapshotIndex;
        for (Map.Entry<Long, String> peer : chat.peerUrls().entrySet()) {
            long peerId = peer.getKey();
            PeerAddress wanted = members.get(peerId);
            if (wanted == null) {
                out.printf(
                        "  node %d was added to the old cluster (%s) but is not in --cluster: dropping it%n",
                        peerId, peer.getValue());
                chat.applyCommand(++index, ChatCodec.encode(new ChatCommand.RemovePeer(peerId)));
            } else if (!peer.getValue().equals("http://" + wanted)
                    || chat.learnerIds().contains(peerId)) {
                out.printf("  node %d: using its --cluster address http://%s as a voter%n", peerId, wanted);
                chat.applyCommand(++index, ChatCodec.encode(new ChatCommand.RegisterPeer(peerId, "http://" + wanted)));
            }
        }
        for (long removed : chat.removedNodeIds()) {
            PeerAddress wanted = members.get(removed);
            if (wanted != null) {
                out.printf("  node %d was removed from the old cluster but is in --cluster: keeping it%n", removed);
                chat.applyCommand(++index, ChatCodec.encode(new ChatCommand.RegisterPeer(removed, "http://" + wanted)));
            }
        }
        return index;
    }

    private static boolean isEmptyDirectory(Path path) throws IOException {
        if (!Files.isDirectory(path)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(path)) {
            return entries.findAny().isEmpty();
        }
    }

    private static void deleteQuietly(Path root, PrintWriter err) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            err.println("restore: could not remove the partly written " + root + ": " + e.getMessage());
        }
    }

    /** Reads at most {@code limit} bytes, so the chat parser never sees the trailer. */
    private static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long left;

        BoundedInputStream(InputStream in, long limit) {
            this.in = in;
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int value = in.read();
            if (value >= 0) {
                left--;
            }
            return value;
        }

        @Override
        public int read(byte[] bytes, int offset, int length) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int read = in.read(bytes, offset, (int) Math.min(length, left));
            if (read > 0) {
                left -= read;
            }
            return read;
        }
    }
}
