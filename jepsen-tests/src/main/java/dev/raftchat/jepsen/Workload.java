package dev.raftchat.jepsen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clients: {@code clients} threads, each a process of the history that runs one operation at a time,
 * moving round robin over the current members (starting at its process number), until the deadline or until
 * {@code opsMax} operations have been started in all. A global pacer spaces operations by
 * {@code 1 / opsPerSecondMax}.
 *
 * <p>Operations: a post of a unique value ({@code p<process>-<n>}, also sent as the {@code Idempotency-Key}
 * and, since idempotency is per user, posted as user {@code c<process>}); a linearizable read of the whole
 * room; and, when the server has {@code /api/v1}, a page {@code ?after=&limit=}. How a response maps to
 * ok / fail / info is in {@link #classifyPost}. With {@code retryOnOtherNode}, a post whose outcome is
 * unknown is retried with the same key on the next member (safe only when the server deduplicates).
 */
public final class Workload {
    private static final Logger LOG = LoggerFactory.getLogger(Workload.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** 503 codes that say the command was never logged, or certainly not committed (see ChatHttpHandler). */
    private static final Set<String> DEFINITE_FAILURE_CODES = Set.of("no_leader", "not_committed", "overloaded");

    public static final int PAGE_LIMIT = 5;

    /** The workload's limits. */
    public record Settings(
            int clients,
            int opsMax,
            int opsPerSecondMax,
            long requestTimeoutMillis,
            List<String> rooms,
            boolean retryOnOtherNode,
            int retryAttemptsMax,
            boolean paginated,
            long seed) {
        public Settings {
            if (clients < 1
                    || opsMax < 1
                    || opsPerSecondMax < 1
                    || requestTimeoutMillis < 1
                    || rooms.isEmpty()
                    || retryAttemptsMax < 0) {
                throw new IllegalArgumentException("bad workload settings: " + this);
            }
            rooms = List.copyOf(rooms);
        }
    }

    /** What a client needs to know about the cluster: base URLs of the current members by node id. */
    public interface Targets {
        /** Node ids clients may use now, sorted; never empty. */
        List<Integer> members();

        String baseUrl(int node);
    }

    private final Settings settings;
    private final History history;
    private final HttpClient http;
    private final Targets targets;
    private final AtomicInteger opsLeft;
    private final AtomicLong nextSlotNanos = new AtomicLong(System.nanoTime());
    private final long intervalNanos;
    private final Map<String, Integer> longestReadPerRoom = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    /** Per process: added to the process number to pick its node; moves on with every op (round robin). */
    private final Map<Integer, Integer> nodeOffset = new ConcurrentHashMap<>();

    private volatile long deadlineNanos;

    public Workload(Settings settings, History history, HttpClient http, Targets targets) {
        this.settings = settings;
        this.history = history;
        this.http = http;
        this.targets = targets;
        this.opsLeft = new AtomicInteger(settings.opsMax());
        this.intervalNanos = 1_000_000_000L / settings.opsPerSecondMax();
    }

    public void start(long runNanos) {
        deadlineNanos = System.nanoTime() + runNanos;
        for (int process = 0; process < settings.clients(); process++) {
            int p = process;
            Thread thread = new Thread(() -> runClient(p), "client-" + p);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    /** Tells the clients to stop starting operations. */
    public void stop() {
        deadlineNanos = System.nanoTime();
    }

    /** Waits for the clients' last operations (each bounded by the request timeout and its retries). */
    public void awaitClients() throws InterruptedException {
        for (Thread thread : threads) {
            thread.join();
        }
    }

    private void runClient(int process) {
        Random random = new Random(settings.seed() * 1_000_003L + process);
        int sequence = 0;
        while (System.nanoTime() < deadlineNanos && opsLeft.getAndDecrement() > 0) {
            pace();
            if (System.nanoTime() >= deadlineNanos) {
                break;
            }
            String room = settings.rooms().get(random.nextInt(settings.rooms().size()));
            int roll = random.nextInt(100);
            try {
                if (roll < 60) {
                    post(process, room, "p" + process + "-" + (++sequence));
                } else if (roll < 85 || !settings.paginated()) {
                    read(process, room);
                } else {
                    int known = longestReadPerRoom.getOrDefault(room, 0);
                    page(process, room, known == 0 ? 0 : random.nextInt(known + 1));
                }
            } catch (RuntimeException e) {
                LOG.error("client {} failed unexpectedly", process, e);
            }
        }
    }

    private void pace() {
        long slot = nextSlotNanos.getAndUpdate(next -> Math.max(next, System.nanoTime()) + intervalNanos);
        long wait = slot - System.nanoTime();
        if (wait > 0) {
            LockSupport.parkNanos(wait);
        }
    }

    private int nodeFor(int process, int attempt) {
        List<Integer> members = targets.members();
        return members.get(Math.floorMod(process + nodeOffset.getOrDefault(process, 0) + attempt, members.size()));
    }

    /**
     * Each client moves to the next member after every op, so every node keeps serving clients throughout
     * (clients that only moved on after a failure all gathered on whichever node failed least).
     */
    private Op completed(Op op) {
        nodeOffset.merge(op.process(), 1, Integer::sum);
        return op;
    }

    /** The outcome of one HTTP attempt. */
    record Attempt(Op.Type type, int status, String body, String error) {
        /** What went wrong, for the history: the transport's error, or the status and the start of the body. */
        String why() {
            return error != null ? error : status + " " + abbreviate(body);
        }
    }

    /** A read or page without a usable answer: INFO when the attempt's outcome is unknown, else FAIL. */
    private Op unanswered(Op invoke, int node, Attempt result) {
        return completed(history.complete(
                invoke, result.type() == Op.Type.INFO ? Op.Type.INFO : Op.Type.FAIL, node, null, -1, result.why()));
    }

    private void post(int process, String room, String value) {
        int node = nodeFor(process, 0);
        Op invoke = history.invoke(process, Op.Function.POST, room, value, node, -1);
        String body = JSON.createObjectNode()
                .put("User", "c" + process)
                .put("Message", value)
                .toString();
        Op.Type outcome = null;
        String errors = "";
        int attempts = settings.retryOnOtherNode() ? 1 + settings.retryAttemptsMax() : 1;
        for (int attempt = 0; attempt < attempts; attempt++) {
            node = nodeFor(process, attempt);
            String url = targets.baseUrl(node) + "/rooms/" + encode(room);
            Attempt result = send(() -> HttpRequest.newBuilder(URI.create(url))
                    .header("Content-Type", "application/json")
                    .header("Idempotency-Key", value)
                    .POST(HttpRequest.BodyPublishers.ofString(body)));
            Op.Type type = result.type() == Op.Type.OK ? classifyPost(result.status(), result.body()) : result.type();
            if (type != Op.Type.OK) {
                errors += (errors.isEmpty() ? "" : "; ") + "n" + node + ": " + result.why();
            }
            outcome = outcome == null ? type : merge(outcome, type);
            if (type != Op.Type.INFO) {
                break; // done, or certainly not done: a retry would be a new post
            }
        }
        completed(history.complete(invoke, outcome, node, null, -1, outcome == Op.Type.OK ? null : errors));
    }

    /** A post's HTTP answer → ok (201, or 200 replayed), fail (4xx, or 503 with a definite code), else info. */
    static Op.Type classifyPost(int status, String body) {
        if (status == 201 || status == 200) {
            return Op.Type.OK;
        }
        if (status >= 400 && status < 500) {
            return Op.Type.FAIL;
        }
        if (status == 503) {
            try {
                String code = JSON.readTree(body).path("error").path("code").asText();
                if (DEFINITE_FAILURE_CODES.contains(code)) {
                    return Op.Type.FAIL;
                }
            } catch (IOException e) {
                return Op.Type.INFO;
            }
        }
        return Op.Type.INFO;
    }

    private static Op.Type merge(Op.Type earlier, Op.Type later) {
        if (earlier == Op.Type.OK || later == Op.Type.OK) {
            return Op.Type.OK;
        }
        return earlier == Op.Type.INFO || later == Op.Type.INFO ? Op.Type.INFO : Op.Type.FAIL;
    }

    private void read(int process, String room) {
        int node = nodeFor(process, 0);
        Op invoke = history.invoke(process, Op.Function.READ, room, null, node, -1);
        Attempt result = send(() -> HttpRequest.newBuilder(URI.create(targets.baseUrl(node) + "/rooms/" + encode(room)))
                .GET());
        if (result.type() == Op.Type.OK && result.status() == 200) {
            try {
                List<String> values = new ArrayList<>();
                for (JsonNode post : JSON.readTree(result.body())) {
                    values.add(post.path("Message").asText());
                }
                longestReadPerRoom.merge(room, values.size(), Math::max);
                completed(history.complete(invoke, Op.Type.OK, node, values, -1, null));
                return;
            } catch (IOException e) {
                completed(history.complete(
                        invoke, Op.Type.FAIL, node, null, -1, "unparseable room: " + abbreviate(result.body())));
                return;
            }
        }
        unanswered(invoke, node, result);
    }

    /** One page after {@code after}; recorded with its first seq so the checker can test contiguity. */
    Op page(int process, String room, long after) {
        int node = nodeFor(process, 0);
        return page(process, room, after, node);
    }

    Op page(int process, String room, long after, int node) {
        Op invoke = history.invoke(process, Op.Function.PAGE, room, null, node, after);
        Attempt result = send(() -> HttpRequest.newBuilder(URI.create(targets.baseUrl(node) + "/api/v1/rooms/"
                        + encode(room) + "/messages?after=" + after + "&limit=" + PAGE_LIMIT))
                .GET());
        if (result.type() == Op.Type.OK && result.status() == 200) {
            try {
                List<String> values = new ArrayList<>();
                long firstSeq = -1;
                for (JsonNode message : JSON.readTree(result.body()).path("messages")) {
                    if (firstSeq < 0) {
                        firstSeq = message.path("seq").asLong();
                    }
                    values.add(message.path("text").asText());
                }
                return completed(history.complete(invoke, Op.Type.OK, node, values, firstSeq, null));
            } catch (IOException e) {
                return history.complete(
                        invoke, Op.Type.FAIL, node, null, -1, "unparseable page: " + abbreviate(result.body()));
            }
        }
        return unanswered(invoke, node, result);
    }

    /**
     * Sends one request. A refused or unfinished connection is a definite FAIL (nothing was sent); a
     * timeout or a broken connection after sending is INFO; an HTTP answer is OK here and classified by
     * the caller.
     */
    private Attempt send(Supplier<HttpRequest.Builder> request) {
        try {
            HttpResponse<String> response = http.send(
                    request.get()
                            .timeout(Duration.ofMillis(settings.requestTimeoutMillis()))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Attempt(Op.Type.OK, response.statusCode(), response.body(), null);
        } catch (ConnectException | HttpConnectTimeoutException e) {
            return new Attempt(Op.Type.FAIL, 0, "", "connect: " + e);
        } catch (IOException e) {
            if (e.getCause() instanceof ConnectException) {
                return new Attempt(Op.Type.FAIL, 0, "", "connect: " + e.getCause());
            }
            return new Attempt(Op.Type.INFO, 0, "", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Attempt(Op.Type.INFO, 0, "", "interrupted");
        }
    }

    static String encode(String room) {
        return URLEncoder.encode(room, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String abbreviate(String body) {
        return body == null ? "" : body.length() <= 200 ? body : body.substring(0, 200) + "...";
    }
}
