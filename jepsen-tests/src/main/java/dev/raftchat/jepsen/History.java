package dev.raftchat.jepsen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The history of a run: every {@link Op} in the order it was recorded, kept in memory for the checker and
 * written as JSON lines (one object per op) as it happens, so a run that dies still leaves its history.
 *
 * <p>Thread-safe: clients record from their own threads; recording is serialized, which also gives
 * each op its index. The number of ops is bounded by the run's {@code opsMax} (two lines per op).
 */
public final class History implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Op> ops = new ArrayList<>();
    private final BufferedWriter out;
    private final long startNanos;

    /** @param file where the JSON lines go, or null to keep the history in memory only */
    public History(Path file, long startNanos) {
        this.startNanos = startNanos;
        try {
            this.out = file == null ? null : Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the history to " + file, e);
        }
    }

    /** Monotonic nanoseconds since the run started. */
    public long now() {
        return System.nanoTime() - startNanos;
    }

    public synchronized Op invoke(int process, Op.Function f, String room, String value, int node, long after) {
        Op op = new Op(ops.size(), process, Op.Type.INVOKE, f, room, value, node, now(), null, after, -1, null);
        append(op);
        return op;
    }

    public synchronized Op complete(
            Op invocation, Op.Type type, int node, List<String> values, long firstSeq, String error) {
        if (type == Op.Type.INVOKE) {
            throw new IllegalArgumentException("a completion cannot be an invocation");
        }
        Op op = invocation.complete(ops.size(), type, node, now(), values, firstSeq, error);
        append(op);
        return op;
    }

    private void append(Op op) {
        ops.add(op);
        if (out != null) {
            try {
                out.write(toJson(op));
                out.newLine();
                out.flush(); // a run that dies still leaves its history (a few hundred lines a second at most)
            } catch (IOException e) {
                throw new UncheckedIOException("cannot append to the history file", e);
            }
        }
    }

    public synchronized List<Op> ops() {
        return List.copyOf(ops);
    }

    @Override
    public synchronized void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot close the history file", e);
            }
        }
    }

    static String toJson(Op op) {
        ObjectNode node = JSON.createObjectNode()
                .put("index", op.index())
                .put("process", op.process())
                .put("type", op.type().name().toLowerCase(Locale.ROOT))
                .put("f", op.f().name().toLowerCase(Locale.ROOT))
                .put("room", op.room())
                .put("node", op.node())
                .put("time", op.timeNanos());
        if (op.value() != null) {
            node.put("value", op.value());
        }
        if (op.after() >= 0) {
            node.put("after", op.after());
        }
        if (op.firstSeq() >= 0) {
            node.put("firstSeq", op.firstSeq());
        }
        if (op.values() != null) {
            ArrayNode values = node.putArray("values");
            op.values().forEach(values::add);
        }
        if (op.error() != null) {
            node.put("error", op.error());
        }
        return node.toString();
    }

    /** Reads a history written by this class (for re-checking a results directory). */
    public static List<Op> read(Path file) throws IOException {
        List<Op> ops = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n = JSON.readTree(line);
            List<String> values = null;
            if (n.has("values")) {
                values = new ArrayList<>();
                for (JsonNode v : n.get("values")) {
                    values.add(v.asText());
                }
            }
            ops.add(new Op(
                    n.get("index").asLong(),
                    n.get("process").asInt(),
                    Op.Type.valueOf(n.get("type").asText().toUpperCase(Locale.ROOT)),
                    Op.Function.valueOf(n.get("f").asText().toUpperCase(Locale.ROOT)),
                    n.get("room").asText(),
                    n.has("value") ? n.get("value").asText() : null,
                    n.get("node").asInt(),
                    n.get("time").asLong(),
                    values,
                    n.has("after") ? n.get("after").asLong() : -1,
                    n.has("firstSeq") ? n.get("firstSeq").asLong() : -1,
                    n.has("error") ? n.get("error").asText() : null));
        }
        return ops;
    }
}
