package dev.raftchat.raft.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.confchange.ConfChange;
import dev.raftchat.raft.confchange.ConfChange.Op;
import dev.raftchat.raft.confchange.ConfChange.OpType;
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
 * {@code applied ID}.
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

    /** The state of one script: a cluster whose messages are delivered only when the script says. */
    private static final class Env {
        TestCluster cluster;

        String execute(String line) {
            String[] words = line.trim().split("\\s+");
            Map<String, String> kv = new TreeMap<>();
            List<String> args = new ArrayList<>();
            for (int w = 1; w < words.length; w++) {
                int eq = words[w].indexOf('=');
                if (eq > 0) {
                    kv.put(words[w].substring(0, eq), words[w].substring(eq + 1));
                } else {
                    args.add(words[w]);
                }
            }
            StringBuilder out = new StringBuilder();
            switch (words[0]) {
                case "cluster" -> {
                    int n = Integer.parseInt(kv.getOrDefault("n", "3"));
                    boolean preVote = Boolean.parseBoolean(kv.getOrDefault("prevote", "true"));
                    boolean checkQuorum = Boolean.parseBoolean(kv.getOrDefault("checkquorum", "true"));
                    boolean forward = Boolean.parseBoolean(kv.getOrDefault("forward", "true"));
                    long appendBytes = Long.parseLong(
                            kv.getOrDefault("appendbytes", String.valueOf(NodeConfig.DEFAULT_APPEND_BYTES_MAX)));
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
                case "campaign" -> {
                    cluster.node(id(args)).campaign();
                    cluster.processReady();
                }
                case "tick" -> cluster.tick(id(args), args.size() > 1 ? Integer.parseInt(args.get(1)) : 1);
                case "tick-all" -> {
                    int ticks = args.isEmpty() ? 1 : Integer.parseInt(args.get(0));
                    for (int t = 0; t < ticks; t++) {
                        for (RaftNode n : cluster.nodes.values()) {
                            n.tick();
                        }
                        cluster.processReady();
                    }
                }
                case "propose" -> {
                    try {
                        Proposal p = cluster.node(id(args))
                                .propose(TestCluster.commands(String.join(" ", args.subList(1, args.size()))));
                        out.append(p).append('\n');
                    } catch (RaftException e) {
                        out.append("error: ").append(e.getMessage()).append('\n');
                    }
                    cluster.processReady();
                }
                case "stabilize" -> {
                    cluster.processReady();
                    while (!cluster.inFlight.isEmpty()) {
                        deliver(cluster.inFlight.size(), out);
                    }
                }
                case "deliver" ->
                    deliver(args.isEmpty() ? cluster.inFlight.size() : Integer.parseInt(args.get(0)), out);
                case "drop-queued" -> {
                    for (Message m : cluster.inFlight) {
                        out.append("dropped ").append(format(m)).append('\n');
                    }
                    cluster.inFlight.clear();
                }
                case "read" -> {
                    try {
                        cluster.node(id(args)).readIndex(Long.parseLong(args.get(1)));
                    } catch (RaftException e) {
                        out.append("error: ").append(e.getMessage()).append('\n');
                    }
                    cluster.processReady();
                }
                case "read-states" -> {
                    List<ReadState> states = cluster.readStates.get(id(args));
                    out.append(
                                    states.isEmpty()
                                            ? "(none)"
                                            : states.stream()
                                                    .map(r -> "ctx=" + r.context()
                                                            + (r.confirmed() ? " index=" + r.readIndex() : " failed"))
                                                    .collect(Collectors.joining(" ")))
                            .append('\n');
                    states.clear();
                }
                case "transfer" -> {
                    try {
                        cluster.node(id(args)).transferLeadership(Long.parseLong(args.get(1)));
                    } catch (RaftException | IllegalArgumentException e) {
                        out.append("error: ").append(e.getMessage()).append('\n');
                    }
                    cluster.processReady();
                }
                case "join" -> cluster.join(id(args));
                case "conf-change" -> {
                    List<Op> ops = new ArrayList<>();
                    for (String op : args.subList(1, args.size())) {
                        var type = switch (op.charAt(0)) {
                            case 'v' -> OpType.ADD_VOTER;
                            case 'l' -> OpType.ADD_LEARNER;
                            case 'r' -> OpType.REMOVE;
                            default -> throw new IllegalArgumentException("bad op " + op);
                        };
                        ops.add(new Op(type, Long.parseLong(op.substring(1))));
                    }
                    try {
                        long index = cluster.node(id(args)).proposeConfChange(new ConfChange(ops, false));
                        out.append("index ").append(index).append('\n');
                    } catch (RaftException | IllegalArgumentException e) {
                        out.append("error: ").append(e.getMessage()).append('\n');
                    }
                    cluster.processReady();
                }
                case "snapshot" -> {
                    SnapshotMeta meta =
                            cluster.takeSnapshot(id(args), args.size() > 1 ? Long.parseLong(args.get(1)) : 0);
                    out.append("snapshot ")
                            .append(meta.position())
                            .append(' ')
                            .append(meta.conf())
                            .append('\n');
                }
                case "isolate" -> cluster.isolate(id(args));
                case "heal" -> cluster.heal();
                case "restart" -> {
                    long id = id(args);
                    cluster.inFlight.removeIf(m -> m.to() == id || m.from() == id);
                    cluster.start(id);
                }
                case "status" -> {
                    Status s = cluster.node(id(args)).status();
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
                case "raft-log" -> {
                    var storage = cluster.storages.get(id(args));
                    for (long idx = storage.firstIndex(); idx <= storage.lastIndex(); idx++) {
                        out.append(formatEntry(storage.entries(idx, idx + 1, Long.MAX_VALUE)
                                        .get(0)))
                                .append('\n');
                    }
                    if (storage.lastIndex() < storage.firstIndex()) {
                        out.append("(empty)\n");
                    }
                }
                case "applied" -> {
                    List<Entry> applied = cluster.applied.get(id(args));
                    out.append(
                                    applied.isEmpty()
                                            ? "(none)"
                                            : applied.stream()
                                                    .map(InteractionTest::formatEntry)
                                                    .collect(Collectors.joining(" ")))
                            .append('\n');
                }
                default -> throw new IllegalArgumentException("unknown command: " + line);
            }
            return out.toString();
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

        private static long id(List<String> args) {
            return Long.parseLong(args.get(0));
        }
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
