package dev.raftchat.bench.chat;

import dev.raftchat.chat.testkit.RaftChatCluster;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Closed-loop HTTP load on a chat cluster: {@code clients} threads, each sending its next request as soon as the
 * previous one is answered, over HTTP/1.1 keep-alive connections ({@link HttpClient}s shared by a few clients
 * each). Counts and times only requests that complete inside the measured window.
 */
final class ChatLoad {
    /** Clients per {@link HttpClient}: each client object has one selector thread, which is plenty for a few connections. */
    static final int CLIENTS_PER_HTTP_CLIENT = 8;

    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** Thread groups (threads named alike) shown per process in the CPU report. */
    static final int CPU_THREAD_GROUPS_SHOWN = 6;
    /** How long before the end of the measured window its CPU is sampled for the last time. */
    static final long CPU_SAMPLE_MARGIN_NANOS = 500_000_000L;

    /** What one phase measured. */
    record Outcome(
            String name,
            int clients,
            double seconds,
            long ok,
            long failed,
            Histogram latency,
            String firstFailure,
            List<String> cpu,
            double cores) {
        double perSecond() {
            return ok / seconds;
        }

        String line() {
            return String.format(
                    Locale.ROOT,
                    "%-28s clients %4d  %9.0f /s  p50 %7.2f ms  p99 %7.2f ms  p999 %7.2f ms" + "  ok %d  failed %d%s",
                    name,
                    clients,
                    perSecond(),
                    millis(0.5),
                    millis(0.99),
                    millis(0.999),
                    ok,
                    failed,
                    firstFailure == null ? "" : "  (first failure: " + firstFailure + ")");
        }

        double millis(double quantile) {
            return latency.getValueAtPercentile(quantile * 100) / 1e6;
        }

        /** CPU in the window: cores used by the nodes and this load generator, and CPU milliseconds per request. */
        String cpuLines() {
            if (cpu.isEmpty()) {
                return "";
            }
            return String.format(
                            Locale.ROOT,
                            "  CPU in the measured window: %.2f cores in all, %.2f ms of CPU per request"
                                    + " (nodes and load generator)%n",
                            cores,
                            ok == 0 ? 0 : cores * seconds * 1000 / ok)
                    + String.join(System.lineSeparator(), cpu)
                    + System.lineSeparator();
        }
    }

    private ChatLoad() {}

    static List<HttpClient> httpClients(int clients) {
        List<HttpClient> list = new ArrayList<>();
        for (int i = 0; i < (clients + CLIENTS_PER_HTTP_CLIENT - 1) / CLIENTS_PER_HTTP_CLIENT; i++) {
            list.add(HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build());
        }
        return list;
    }

    /** One request of the load, independent of the HTTP client that sends it. */
    record Request(URI node, String method, String pathAndQuery, byte[] body) {
        HttpRequest toHttpRequest() {
            HttpRequest.Builder builder =
                    HttpRequest.newBuilder(node.resolve(pathAndQuery)).timeout(REQUEST_TIMEOUT);
            return body == null
                    ? builder.GET().build()
                    : builder.header("Content-Type", "application/json")
                            .method(method, HttpRequest.BodyPublishers.ofByteArray(body))
                            .build();
        }
    }

    /** Which HTTP client the closed-loop clients use. */
    enum Client {
        /** {@link RawHttpClient}: one blocking keep-alive socket per client thread, the cheapest on CPU. */
        RAW,
        /** The JDK's {@link HttpClient} (HTTP/1.1), {@link #CLIENTS_PER_HTTP_CLIENT} clients per instance. */
        JDK
    }

    /** POST /rooms/{room} with the original API's body. */
    static Request postRequest(URI node, String room, String user, String message) {
        String body = "{\"Message\":\"" + message + "\",\"User\":\"" + user + "\"}";
        return new Request(
                node,
                "POST",
                "/rooms/" + URLEncoder.encode(room, StandardCharsets.UTF_8),
                body.getBytes(StandardCharsets.UTF_8));
    }

    /** GET /rooms/{room}: a linearizable read unless {@code stale}. */
    static Request readRequest(URI node, String room, boolean stale) {
        return new Request(
                node,
                "GET",
                "/rooms/" + URLEncoder.encode(room, StandardCharsets.UTF_8) + (stale ? "?consistency=stale" : ""),
                null);
    }

    static HttpRequest post(URI node, String room, String user, String message) {
        return postRequest(node, room, user, message).toHttpRequest();
    }

    static HttpRequest read(URI node, String room, boolean stale) {
        return readRequest(node, room, stale).toHttpRequest();
    }

    /** A message of exactly {@code chars} ASCII characters starting with {@code prefix}. */
    static String message(String prefix, int chars) {
        StringBuilder text = new StringBuilder(prefix);
        while (text.length() < chars) {
            text.append('x');
        }
        return text.length() > chars ? text.substring(0, chars) : text.toString();
    }

    /** A request the load sends next: client index and its sequence number in, request out. */
    interface RequestFactory {
        Request next(int client, long sequence);
    }

    /**
     * Runs {@code clients} closed-loop clients for {@code warmupSeconds + seconds}; requests answered with
     * {@code expectedStatus} inside the last {@code seconds} count and are timed.
     */
    static Outcome run(
            String name, int clients, double warmupSeconds, double seconds, int expectedStatus, RequestFactory requests)
            throws InterruptedException {
        return run(name, clients, warmupSeconds, seconds, expectedStatus, requests, Map.of(), Client.RAW);
    }

    /**
     * As {@link #run(String, int, double, double, int, RequestFactory)}, also measuring the CPU that the threads
     * of {@code processes} (label → pid; include this JVM to count the load generator) use in the measured window.
     */
    static Outcome run(
            String name,
            int clients,
            double warmupSeconds,
            double seconds,
            int expectedStatus,
            RequestFactory requests,
            Map<String, Long> processes,
            Client kind)
            throws InterruptedException {
        List<HttpClient> http = kind == Client.JDK ? httpClients(clients) : List.of();
        Histogram latency = new ConcurrentHistogram(3);
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        long start = System.nanoTime();
        long measureFrom = start + (long) (warmupSeconds * 1e9);
        long end = measureFrom + (long) (seconds * 1e9);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            final int client = c;
            Thread thread = new Thread(
                    () -> {
                        HttpClient httpClient = kind == Client.JDK ? http.get(client / CLIENTS_PER_HTTP_CLIENT) : null;
                        Map<URI, RawHttpClient> raw = new HashMap<>();
                        long sequence = 0;
                        while (System.nanoTime() < end) {
                            Request request = requests.next(client, sequence++);
                            long sent = System.nanoTime();
                            int status;
                            String failure = null;
                            try {
                                String body;
                                if (httpClient != null) {
                                    HttpResponse<String> response = httpClient.send(
                                            request.toHttpRequest(), HttpResponse.BodyHandlers.ofString());
                                    status = response.statusCode();
                                    body = response.body();
                                } else {
                                    RawHttpClient.Response response = raw.computeIfAbsent(
                                                    request.node(),
                                                    n -> new RawHttpClient(n, (int) REQUEST_TIMEOUT.toMillis()))
                                            .exchange(request.method(), request.pathAndQuery(), request.body());
                                    status = response.status();
                                    body = response.body();
                                }
                                if (status != expectedStatus) {
                                    failure = "HTTP " + status + " " + abbreviate(body);
                                }
                            } catch (IOException e) {
                                status = -1;
                                failure = e.toString();
                            } catch (InterruptedException e) {
                                raw.values().forEach(RawHttpClient::close);
                                return;
                            }
                            long done = System.nanoTime();
                            if (done >= measureFrom && done < end) {
                                if (failure == null) {
                                    ok.incrementAndGet();
                                    latency.recordValue(done - sent);
                                } else {
                                    failed.incrementAndGet();
                                }
                            }
                            if (failure != null) {
                                firstFailure.compareAndSet(null, failure);
                            }
                        }
                        raw.values().forEach(RawHttpClient::close);
                    },
                    name + "-client-" + c);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        List<String> cpu = List.of();
        double cores = 0;
        if (!processes.isEmpty()) {
            sleepUntil(measureFrom);
            ThreadCpu.Sample first = ThreadCpu.sample(processes);
            // Sampled a little before the window closes: the client threads exit at its end, and /proc forgets
            // the CPU time of a thread that has exited. The report divides by the time actually between samples.
            sleepUntil(end - Math.min(CPU_SAMPLE_MARGIN_NANOS, (end - measureFrom) / 10));
            ThreadCpu.Sample last = ThreadCpu.sample(processes);
            cpu = ThreadCpu.report(first, last, CPU_THREAD_GROUPS_SHOWN);
            cores = ThreadCpu.totalCores(first, last);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        return new Outcome(name, clients, seconds, ok.get(), failed.get(), latency, firstFailure.get(), cpu, cores);
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    static String abbreviate(String text) {
        return text.length() > 160 ? text.substring(0, 160) + "..." : text;
    }

    /** Node for client {@code client}: spread over every node, or always {@code only} when it is > 0. */
    static IntFunction<URI> nodes(RaftChatCluster cluster, int only) {
        int size = cluster.ids().size();
        return client -> cluster.uri(only > 0 ? only : 1 + client % size);
    }
}
