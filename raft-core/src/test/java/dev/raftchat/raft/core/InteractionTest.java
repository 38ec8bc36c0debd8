package dev.raftchat.raft.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.confchange.ConfChange;
import dev.raftchat.raft.message.AppendRequest;
import dev.raftchat.raft.message.AppendResponse;
import dev.raftchat.raft.message.ForwardProposal;
import dev.raftchat.raft.message.HeartbeatRequest;
import dev.raftchat.raft.message.HeartbeatResponse;
import dev.raftchat.raft.message.InstallSnapshotRequest;
import dev.raftchat.raft.message.InstallSnapshotResponse;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.message.ReadIndexRequest;
import dev.raftchat.raft.message.ReadIndexResponse;
import dev.raftchat.raft.message.TimeoutNow;
import dev.raftchat.raft.message.VoteRequest;
import dev.raftchat.raft.message.VoteResponse;
import dev.raftchat.raft.model.Check;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.model.ReadState;
import dev.raftchat.raft.model.SnapshotMeta;
import dev.raftchat.raft.storage.MemoryLogStorage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Scripted interaction tests in the style of etcd's datadriven tests. Each file under
 * {@code src/test/resources/interaction} is a sequence of blocks:
 *
 * <pre>
 * command arg key=value
 * ----
 * expected output
 * (blank line)
 * </pre>
 *
 * Run with {@code -Drewrite=true} to regenerate the expected outputs in the source tree, then review
 * the diff. Commands: {@code cluster n=3 [prevote=false] [checkquorum=false] [forward=false] [appendbytes=N] [snapshotbytes=N]},
 * {@code join ID}, {@code conf-change ID v4 l5 r2}, {@code transfer ID TARGET}, {@code read ID CTX},
 * {@code read-states ID}, {@code snapshot ID [keep]},
 * {@code campaign ID}, {@code tick ID [n]}, {@code tick-all [n]}, {@code propose ID text...},
 * {@code stabilize}, {@code deliver [n]} (delivers that many queued messages), {@code drop-queued},
 * {@code isolate ID}, {@code heal}, {@code restart ID}, {@code status ID}, {@code raft-log ID},
 * {@code applied ID}; the asynchronous-storage contract by hand: {@code manual ID} (node ID's Readies wait
 * for the script), {@code ready ID [sync=false]} (prints the whole Ready — soft and hard state, entries to
 * write, messages before and after the sync, committed entries, read states — and carries it out, with or
 * without a sync), {@code sync ID} (completes the sync; what waited for it leaves), {@code crash ID} (loses
 * unsynced writes and messages in flight, then restarts). One handler method per command.
 */
class InteractionTest {

    private static final Path SOURCE_DIR = Paths.get("src/test/resources/interaction");

    @TestFactory
    Stream<DynamicTest> scripts() throws IOException {
        try (Stream<Path> files = Files.list(SOURCE_DIR)) {
            List<Path> scripts =
                    files.filter(p -> p.toString().endsWith(".txt")).sorted().collect(Collectors.toList());
            assertThat(scripts).as("interaction scripts").isNotEmpty();
            return scripts.stream()
                    .map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> run(p)));
        }
    }

    private void run(Path script) throws IOException {
        List<String> lines = Files.readAllLines(script, StandardCharsets.UTF_8);
        StringBuilder rewritten = new StringBuilder();
        Env env = new Env();
        List<String> failures = new ArrayList<>();
        int i = 0;
        while (i < lines.size()) {
            String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                rewritten.append(line).append('\n');
                i++;
                continue;
            }
            String command = line;
            i++;
            if (i >= lines.size() || !lines.get(i).equals("----")) {
                throw new IllegalArgumentException(
                        script + ":" + i + ": expected ---- after command '" + command + "'");
            }
            i++;
            StringBuilder expected = new StringBuilder();
            while (i < lines.size() && !lines.get(i).isEmpty()) {
                expected.append(lines.get(i)).append('\n');
                i++;
            }
            String actual = env.execute(command);
            if (!actual.isEmpty() && !actual.endsWith("\n")) {
                actual += "\n";
            }
            if (!actual.equals(expected.toString())) {
                failures.add(script.getFileName() + ": command '" + command + "'\nexpected:\n" + expected + "actual:\n"
                        + actual);
            }
            rewritten.append(command).append('\n').append("----\n").append(actual);
        }
        if (Boolean.getBoolean("rewrite")) {
            String text = rewritten.toString().replaceAll("\n{3,}", "\n\n");
            Files.writeString(script.isAbsolute() ? script : SOURCE_DIR.resolve(script.getFileName()), text);
            return;
        }
        assertThat(failures)
                .as("mismatches (rerun with -Drewrite=true to regenerate, then review the diff)")
                .isEmpty();
    }

    /** One command of a script: its words after the name, split into positional and key=value ones. */
    private record Args(String line, List<String> positional, Map<String, String> named) {
        long id() {
            return Long.parseLong(positional.get(0));
        }

        int intAt(int index, int otherwise) {
            return positional.size() > index ? Integer.parseInt(positional.get(index)) : otherwise;
        }
    }

    @FunctionalInterface
    private interface Handler {
        void run(Args args, StringBuilder out);
    }

    /**
     * The state of one script: a cluster whose messages are delivered only when the script says. Nodes
     * handle their Readies at once (write, sync, send, apply, advance) unless the script took them over
     * with {@code manual ID}: then each Ready waits for {@code ready ID [sync=false]}, which prints it in
     * full, and a write without a sync waits for {@code sync ID} or is lost by {@code crash ID}.
     */
    private static final class Env {
        TestCluster cluster;
        private final Map<String, Handler> handlers = new TreeMap<>();
        /** Manual nodes: the last log index known durable (synced). */
        private final Map<Long, Long> syncedThrough = new TreeMap<>();
        /** Manual nodes: messages held until the next sync completes. */
        private final Map<Long, List<Message>> heldForSync = new TreeMap<>();

        Env() {
            handlers.put("cluster", this::cluster);
            handlers.put("campaign", this::campaign);
            handlers.put("tick", (a, out) -> cluster.tick(a.id(), a.intAt(1, 1)));
            handlers.put("tick-all", this::tickAll);
            handlers.put("propose", this::propose);
            handlers.put("stabilize", this::stabilize);
            handlers.put("deliver", (a, out) -> deliver(a.intAt(0, cluster.inFlight.size()), out));
            handlers.put("drop-queued", this::dropQueued);
            handlers.put("read", this::read);
            handlers.put("read-states", this::readStates);
            handlers.put("transfer", this::transfer);
            handlers.put("join", (a, out) -> cluster.join(a.id()));
            handlers.put("conf-change", this::confChange);
            handlers.put("snapshot", this::snapshot);
            handlers.put("isolate", (a, out) -> cluster.isolate(a.id()));
            handlers.put("heal", (a, out) -> cluster.heal());
            handlers.put("restart", this::restart);
            handlers.put("status", this::status);
            handlers.put("raft-log", this::raftLog);
            handlers.put("applied", this::applied);
            handlers.put("manual", this::manual);
            handlers.put("ready", this::ready);
            handlers.put("sync", this::sync);
            handlers.put("crash", this::crash);
        }

        String execute(String line) {
            String[] words = line.trim().split("\\s+");
            Map<String, String> named = new TreeMap<>();
            List<String> positional = new ArrayList<>();
            for (int w = 1; w < words.length; w++) {
                int eq = words[w].indexOf('=');
                if (eq > 0) {
                    named.put(words[w].substring(0, eq), words[w].substring(eq + 1));
                } else {
                    positional.add(words[w]);
                }
            }
            Handler handler = handlers.get(words[0]);
            if (handler == null) {
                throw new IllegalArgumentException("unknown command: " + line);
            }
            StringBuilder out = new StringBuilder();
            handler.run(new Args(line, positional, named), out);
            return out.toString();
        }

        private void cluster(Args a, StringBuilder out) {
            Map<String, String> kv = a.named();
            int n = Integer.parseInt(kv.getOrDefault("n", "3"));
            boolean preVote = Boolean.parseBoolean(kv.getOrDefault("prevote", "true"));
            boolean checkQuorum = Boolean.parseBoolean(kv.getOrDefault("checkquorum", "true"));
            boolean forward = Boolean.parseBoolean(kv.getOrDefault("forward", "true"));
            long appendBytes =
                    Long.parseLong(kv.getOrDefault("appendbytes", String.valueOf(NodeConfig.DEFAULT_APPEND_BYTES_MAX)));
            int snapshotBytes = Integer.parseInt(
                    kv.getOrDefault("snapshotbytes", String.valueOf(NodeConfig.DEFAULT_SNAPSHOT_CHUNK_BYTES)));
            cluster = new TestCluster(
                    n,
                    c -> c.withPreVote(preVote)
                            .withCheckQuorum(checkQuorum)
                            .withForwardProposals(forward)
                            .withAppendBytesMax(appendBytes)
                            .withSnapshotChunkBytes(snapshotBytes));
        }

        private void campaign(Args a, StringBuilder out) {
            cluster.node(a.id()).campaign();
            cluster.processReady();
        }

        private void tickAll(Args a, StringBuilder out) {
            int ticks = a.intAt(0, 1);
            for (int t = 0; t < ticks; t++) {
                for (RaftNode n : cluster.nodes.values()) {
                    n.tick();
                }
                cluster.processReady();
            }
        }

        private void propose(Args a, StringBuilder out) {
            List<String> words = a.positional();
            try {
                Proposal p = cluster.node(a.id())
                        .propose(TestCluster.commands(String.join(" ", words.subList(1, words.size()))));
                out.append(p).append('\n');
            } catch (RaftException e) {
                out.append("error: ").append(e.getMessage()).append('\n');
            }
            cluster.processReady();
        }

        private void stabilize(Args a, StringBuilder out) {
            cluster.processReady();
            while (!cluster.inFlight.isEmpty()) {
                deliver(cluster.inFlight.size(), out);
            }
        }

        private void dropQueued(Args a, StringBuilder out) {
            for (Message m : cluster.inFlight) {
                out.append("dropped ").append(format(m)).append('\n');
            }
            cluster.inFlight.clear();
        }

        private void read(Args a, StringBuilder out) {
            try {
                cluster.node(a.id()).readIndex(Long.parseLong(a.positional().get(1)));
            } catch (RaftException e) {
                out.append("error: ").append(e.getMessage()).append('\n');
            }
            cluster.processReady();
        }

        private void readStates(Args a, StringBuilder out) {
            List<ReadState> states = cluster.readStates.get(a.id());
            out.append(states.isEmpty() ? "(none)" : formatReadStates(states)).append('\n');
            states.clear();
        }

        private void transfer(Args a, StringBuilder out) {
            try {
                cluster.node(a.id())
                        .transferLeadership(Long.parseLong(a.positional().get(1)));
            } catch (RaftException | IllegalArgumentException e) {
                out.append("error: ").append(e.getMessage()).append('\n');
            }
            cluster.processReady();
        }

        private void confChange(Args a, StringBuilder out) {
            List<ConfChange.Op> ops = new ArrayList<>();
            for (String op : a.positional().subList(1, a.positional().size())) {
                var type = switch (op.charAt(0)) {
                    case 'v' -> ConfChange.OpType.ADD_VOTER;
                    case 'l' -> ConfChange.OpType.ADD_LEARNER;
                    case 'r' -> ConfChange.OpType.REMOVE;
                    default -> throw new IllegalArgumentException("bad op " + op);
                };
                ops.add(new ConfChange.Op(type, Long.parseLong(op.substring(1))));
            }
            try {
                long index = cluster.node(a.id()).proposeConfChange(new ConfChange(ops, false));
                out.append("index ").append(index).append('\n');
            } catch (RaftException | IllegalArgumentException e) {
                out.append("error: ").append(e.getMessage()).append('\n');
            }
            cluster.processReady();
        }

        private void snapshot(Args a, StringBuilder out) {
            SnapshotMeta meta = cluster.takeSnapshot(
                    a.id(),
                    a.positional().size() > 1 ? Long.parseLong(a.positional().get(1)) : 0);
            out.append("snapshot ")
                    .append(meta.position())
                    .append(' ')
                    .append(meta.conf())
                    .append('\n');
        }

        private void restart(Args a, StringBuilder out) {
            long id = a.id();
            cluster.inFlight.removeIf(m -> m.to() == id || m.from() == id);
            cluster.start(id);
            if (cluster.manual.contains(id)) {
                syncedThrough.put(id, cluster.storages.get(id).lastIndex());
                heldForSync.put(id, new ArrayList<>());
            }
        }

        private void status(Args a, StringBuilder out) {
            Status s = cluster.node(a.id()).status();
            out.append(String.format(
                    "%d: %s term=%d vote=%d leader=%d commit=%d applied=%d last=%d conf=%s%n",
                    s.id(),
                    s.role(),
                    s.term(),
                    s.votedFor(),
                    s.leaderId(),
                    s.commitIndex(),
                    s.appliedIndex(),
                    s.lastIndex(),
                    s.conf()));
            s.progress()
                    .forEach((id, p) -> out.append(String.format(
                            "  %d: %s match=%d next=%d%n", id, p.state(), p.matchIndex(), p.nextIndex())));
        }

        private void raftLog(Args a, StringBuilder out) {
            var storage = cluster.storages.get(a.id());
            for (long idx = storage.firstIndex(); idx <= storage.lastIndex(); idx++) {
                out.append(formatEntry(
                                storage.entries(idx, idx + 1, Long.MAX_VALUE).get(0)))
                        .append('\n');
            }
            if (storage.lastIndex() < storage.firstIndex()) {
                out.append("(empty)\n");
            }
        }

        private void applied(Args a, StringBuilder out) {
            List<Entry> applied = cluster.applied.get(a.id());
            out.append(
                            applied.isEmpty()
                                    ? "(none)"
                                    : applied.stream()
                                            .map(InteractionTest::formatEntry)
                                            .collect(Collectors.joining(" ")))
                    .append('\n');
        }

        // ------------------------------------------------------------ the async-storage contract, by hand

        /** {@code manual ID}: from now on node ID's Readies wait for {@code ready ID}. */
        private void manual(Args a, StringBuilder out) {
            long id = a.id();
            cluster.processReady(); // nothing pending from the automatic mode
            cluster.manual.add(id);
            syncedThrough.put(id, cluster.storages.get(id).lastIndex());
            heldForSync.put(id, new ArrayList<>());
        }

        /**
         * {@code ready ID [sync=false]}: prints node ID's Ready in full and carries out its duties in order:
         * send {@code messages}, write entries and hard state, then either sync (send
         * {@code messages-after-sync}, apply, advance) or, with {@code sync=false}, advance without a sync
         * (allowed only for a Ready that {@link Ready#mayAdvanceBeforeSync may}); then its
         * {@code messages-after-sync} wait for {@code sync ID}. A Ready that needs no sync is simply done.
         */
        private void ready(Args a, StringBuilder out) {
            long id = a.id();
            requireManual(id);
            RaftNode node = cluster.node(id);
            if (!node.hasReady()) {
                out.append("(no ready)\n");
                return;
            }
            Ready rd = node.ready();
            formatReady(rd, out);
            boolean sync = Boolean.parseBoolean(a.named().getOrDefault("sync", "true"));
            var storage = cluster.storages.get(id);
            cluster.inFlight.addAll(rd.messages());
            Check.argument(rd.snapshotChunks().isEmpty() && rd.snapshot() == null, "manual mode handles no snapshots");
            if (!sync && rd.needsSync()) {
                if (!rd.mayAdvanceBeforeSync()) {
                    out.append("error: this Ready carries a hard state or a snapshot; it must be synced\n");
                    node.advance(handleSynced(id, rd));
                    return;
                }
                storage.append(rd.entries());
                heldForSync.get(id).addAll(rd.messagesAfterSync());
                cluster.applied.get(id).addAll(rd.committedEntries());
                cluster.readStates.get(id).addAll(rd.readStates());
                node.advanceWithoutSync(rd);
                out.append("written without a sync: last=")
                        .append(storage.lastIndex())
                        .append(" synced=")
                        .append(syncedThrough.get(id))
                        .append(", ")
                        .append(heldForSync.get(id).size())
                        .append(" messages wait for the sync\n");
                return;
            }
            node.advance(handleSynced(id, rd));
        }

        /** Writes, syncs, sends and applies {@code rd} for a manual node; returns it for advance(). */
        private Ready handleSynced(long id, Ready rd) {
            var storage = cluster.storages.get(id);
            storage.append(rd.entries());
            if (rd.hardState() != null) {
                storage.saveHardState(rd.hardState());
            }
            storage.sync();
            syncedThrough.put(id, storage.lastIndex());
            cluster.inFlight.addAll(heldForSync.get(id));
            heldForSync.get(id).clear();
            cluster.inFlight.addAll(rd.messagesAfterSync());
            cluster.applied.get(id).addAll(rd.committedEntries());
            cluster.readStates.get(id).addAll(rd.readStates());
            return rd;
        }

        /** {@code sync ID}: completes a sync of everything node ID wrote; what waited for it leaves. */
        private void sync(Args a, StringBuilder out) {
            long id = a.id();
            requireManual(id);
            var storage = cluster.storages.get(id);
            storage.sync();
            long last = storage.lastIndex();
            syncedThrough.put(id, last);
            List<Message> held = heldForSync.get(id);
            out.append("synced through ").append(last).append('\n');
            for (Message m : held) {
                out.append("  sends ").append(format(m)).append('\n');
            }
            cluster.inFlight.addAll(held);
            held.clear();
            cluster.node(id).synced(new LogPosition(storage.term(last), last));
        }

        /**
         * {@code crash ID}: node ID loses what it wrote without a sync, and the messages to and from it in
         * flight; then it restarts from its durable state (an automatic node syncs every Ready, so it only
         * restarts).
         */
        private void crash(Args a, StringBuilder out) {
            long id = a.id();
            var storage = cluster.storages.get(id);
            long durable = cluster.manual.contains(id) ? syncedThrough.get(id) : storage.lastIndex();
            Check.argument(storage.firstIndex() == 1, "crash supports only uncompacted logs");
            var survivor = new MemoryLogStorage();
            if (durable >= 1) {
                survivor.append(storage.entries(1, durable + 1, Long.MAX_VALUE));
            }
            survivor.saveHardState(storage.hardState());
            out.append("crashed: lost ")
                    .append(storage.lastIndex() - durable)
                    .append(" unsynced entries; restarts with last=")
                    .append(durable)
                    .append(' ')
                    .append(formatHardState(storage.hardState()))
                    .append('\n');
            cluster.storages.put(id, survivor);
            if (cluster.manual.contains(id)) {
                heldForSync.get(id).clear();
            }
            restart(a, out);
        }

        private void requireManual(long id) {
            Check.argument(cluster.manual.contains(id), "node %s is not manual (run 'manual %s' first)", id, id);
        }

        private void deliver(int count, StringBuilder out) {
            for (int k = 0; k < count && !cluster.inFlight.isEmpty(); k++) {
                Message m = cluster.inFlight.poll();
                if (cluster.cut.contains(m.from() + "->" + m.to())) {
                    out.append("dropped ").append(format(m)).append('\n');
                    continue;
                }
                out.append(format(m)).append('\n');
                cluster.node(m.to()).step(m);
            }
            cluster.processReady();
        }
    }

    static void formatReady(Ready rd, StringBuilder out) {
        if (rd.softState() != null) {
            out.append("soft-state: ")
                    .append(rd.softState().role())
                    .append(" leader=")
                    .append(rd.softState().leaderId())
                    .append('\n');
        }
        if (rd.hardState() != null) {
            out.append("hard-state: ").append(formatHardState(rd.hardState())).append('\n');
        }
        if (!rd.entries().isEmpty()) {
            out.append("entries: ")
                    .append(rd.entries().stream()
                            .map(InteractionTest::formatEntry)
                            .collect(Collectors.joining(" ")))
                    .append('\n');
        }
        if (!rd.messages().isEmpty()) {
            out.append("messages:\n");
            rd.messages().forEach(m -> out.append("  ").append(format(m)).append('\n'));
        }
        if (!rd.messagesAfterSync().isEmpty()) {
            out.append("messages-after-sync:\n");
            rd.messagesAfterSync()
                    .forEach(m -> out.append("  ").append(format(m)).append('\n'));
        }
        if (!rd.committedEntries().isEmpty()) {
            out.append("committed: ")
                    .append(rd.committedEntries().stream()
                            .map(InteractionTest::formatEntry)
                            .collect(Collectors.joining(" ")))
                    .append('\n');
        }
        if (!rd.readStates().isEmpty()) {
            out.append("read-states: ")
                    .append(formatReadStates(rd.readStates()))
                    .append('\n');
        }
        if (rd.snapshot() != null) {
            out.append("snapshot: ").append(rd.snapshot().position()).append('\n');
        }
        out.append(rd.needsSync() ? "needs-sync" : "no-sync")
                .append(rd.mayAdvanceBeforeSync() ? " may-advance-before-sync" : "")
                .append('\n');
    }

    static String formatHardState(HardState hs) {
        return "term=" + hs.term() + " vote=" + hs.votedFor() + " commit=" + hs.commit();
    }

    static String formatReadStates(List<ReadState> states) {
        return states.stream()
                .map(r -> "ctx=" + r.context() + (r.confirmed() ? " index=" + r.readIndex() : " failed"))
                .collect(Collectors.joining(" "));
    }

    static String formatEntry(Entry e) {
        String body = switch (e.type()) {
            case NORMAL -> "\"" + new String(e.data(), StandardCharsets.UTF_8) + "\"";
            case NO_OP -> "no-op";
            case CONFIG_CHANGE -> "conf(" + ConfChange.decode(e.data()) + ")";
        };
        return e.index() + "@" + e.term() + ":" + body;
    }

    static String format(Message m) {
        String head = m.from() + "->" + m.to() + " ";
        if (m instanceof VoteRequest v) {
            return head + (v.preVote() ? "PreVote" : "Vote") + " term=" + v.term() + " last=" + v.lastLogIndex() + "@"
                    + v.lastLogTerm() + (v.transfer() ? " transfer" : "");
        } else if (m instanceof VoteResponse v) {
            return head + (v.preVote() ? "PreVoteResp" : "VoteResp") + " term=" + v.term()
                    + (v.granted() ? " granted" : " rejected");
        } else if (m instanceof AppendRequest a) {
            return head + "App term=" + a.term() + " prev=" + a.prevLogIndex() + "@" + a.prevLogTerm() + " commit="
                    + a.leaderCommit() + " entries=["
                    + a.entries().stream().map(InteractionTest::formatEntry).collect(Collectors.joining(" ")) + "]";
        } else if (m instanceof AppendResponse a) {
            return head + "AppResp term=" + a.term()
                    + (a.success()
                            ? " ok index=" + a.index()
                            : " reject index=" + a.index() + " hint=" + a.hintIndex() + "@" + a.hintTerm());
        } else if (m instanceof InstallSnapshotRequest r) {
            return head + "Snapshot term=" + r.term() + " snap=" + r.meta().position() + " offset=" + r.offset()
                    + " bytes=" + r.chunk().length + (r.done() ? " done" : "");
        } else if (m instanceof InstallSnapshotResponse r) {
            return head + "SnapshotResp term=" + r.term() + " snap=" + r.snapshotIndex() + " next=" + r.nextOffset()
                    + (r.done() ? " done" : "");
        } else if (m instanceof ReadIndexRequest r) {
            return head + "ReadIndex term=" + r.term() + " ctx=" + r.context();
        } else if (m instanceof ReadIndexResponse r) {
            return head + "ReadIndexResp term=" + r.term() + " ctx=" + r.context() + " index=" + r.readIndex()
                    + (r.ok() ? "" : " failed");
        } else if (m instanceof TimeoutNow t) {
            return head + "TimeoutNow term=" + t.term();
        } else if (m instanceof HeartbeatRequest h) {
            return head + "Heartbeat term=" + h.term() + " commit=" + h.commit()
                    + (h.readContext() > 0 ? " read=" + h.readContext() : "");
        } else if (m instanceof HeartbeatResponse h) {
            return head + "HeartbeatResp term=" + h.term() + (h.readContext() > 0 ? " read=" + h.readContext() : "");
        } else if (m instanceof ForwardProposal f) {
            return head + "Forward term=" + f.term() + " seq=" + f.sequence() + " count="
                    + f.payloads().size();
        }
        return head + m;
    }
}
