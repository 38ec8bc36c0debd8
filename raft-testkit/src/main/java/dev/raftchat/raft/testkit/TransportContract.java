package dev.raftchat.raft.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

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
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.SnapshotMeta;
import dev.raftchat.raft.transport.Transport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Transport} must do on a healthy network: deliver every kind of message intact to the
 * node it names, keep one sender's order to one peer, take {@link Transport#send} from two threads at once,
 * and never block or throw — not for an unknown peer, not after {@link Transport#close()}, which is idempotent.
 * Loss, delay and duplication are allowed by the contract but not expected here: these tests send modest bursts
 * between live transports on loopback. Run it against your own transport by extending it:
 *
 * <pre>{@code
 * class MyTransportContractTest extends TransportContract {
 *     protected List<Transport> startConnected(List<Transport.Inbox> inboxes) { ... }
 * }
 * }</pre>
 *
 * Ours run it too ({@code InMemoryNetwork}, {@code NettyTransport}).
 */
public abstract class TransportContract {

    /** How long a message may take to arrive on loopback before the test fails. */
    protected static final Duration DELIVERY_WAIT = Duration.ofSeconds(20);

    private final List<Transport> started = new ArrayList<>();

    /**
     * Starts {@code inboxes.size()} transports for nodes {@code 1..n}, node {@code i + 1} delivering into
     * {@code inboxes.get(i)}, each able to reach every other one; returns them in node order.
     */
    protected abstract List<Transport> startConnected(List<Transport.Inbox> inboxes);

    /** An inbox that keeps what it is given, from any thread. */
    protected static final class Received implements Transport.Inbox {
        private final ConcurrentLinkedQueue<Message> messages = new ConcurrentLinkedQueue<>();

        @Override
        public void deliver(Message message) {
            messages.add(message);
        }

        /** What arrived from {@code sender}, in arrival order. */
        public List<Message> from(long sender) {
            return messages.stream().filter(m -> m.from() == sender).toList();
        }
    }

    private List<Received> cluster(int size, List<Transport> transports) {
        List<Received> inboxes = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            inboxes.add(new Received());
        }
        List<Transport> made = startConnected(List.copyOf(inboxes));
        started.addAll(made);
        assertThat(made).as("startConnected returns one transport per inbox").hasSize(size);
        transports.addAll(made);
        return inboxes;
    }

    @AfterEach
    public void closeTransports() {
        started.forEach(Transport::close);
    }

    /** One message of every kind, from {@code from} to {@code to}. */
    public static List<Message> oneOfEachKind(long from, long to) {
        ConfState conf = new ConfState(
                new TreeSet<>(List.of(1L, 2L, 3L)), new TreeSet<>(List.of(1L, 4L)), new TreeSet<>(List.of(5L)));
        return List.of(
                new VoteRequest(from, to, 7, 10, 6, true, false),
                new VoteResponse(from, to, 7, true, true),
                new AppendRequest(
                        from,
                        to,
                        7,
                        10,
                        6,
                        List.of(Entry.noOp(7, 11), Entry.normal(7, 12, "hello".getBytes(StandardCharsets.UTF_8))),
                        9),
                new AppendResponse(from, to, 7, false, 10, 8, 5),
                new HeartbeatRequest(from, to, 7, 9, 42),
                new HeartbeatResponse(from, to, 7, 42),
                new ForwardProposal(from, to, 0, 3, 17, List.of("a".getBytes(StandardCharsets.UTF_8), new byte[0])),
                new TimeoutNow(from, to, 7),
                new ReadIndexRequest(from, to, 7, 99),
                new ReadIndexResponse(from, to, 7, 99, 12, true),
                new InstallSnapshotRequest(
                        from, to, 7, new SnapshotMeta(100, 6, conf), 4096, new byte[] {1, 2, 3}, false),
                new InstallSnapshotResponse(from, to, 7, 100, 4099, false));
    }

    @Test
    public void everyKindOfMessageReachesTheNodeItNamesIntact() {
        List<Transport> nodes = new ArrayList<>();
        List<Received> inboxes = cluster(3, nodes);
        for (long from = 1; from <= 3; from++) {
            for (long to = 1; to <= 3; to++) {
                if (from != to) {
                    oneOfEachKind(from, to).forEach(nodes.get((int) from - 1)::send);
                }
            }
        }
        await().atMost(DELIVERY_WAIT).untilAsserted(() -> {
            for (long to = 1; to <= 3; to++) {
                for (long from = 1; from <= 3; from++) {
                    if (from != to) {
                        assertThat(inboxes.get((int) to - 1).from(from))
                                .usingRecursiveFieldByFieldElementComparator()
                                .containsExactlyElementsOf(oneOfEachKind(from, to));
                    }
                }
            }
        });
    }

    @Test
    public void messagesFromOneSenderToOnePeerArriveInOrder() {
        List<Transport> nodes = new ArrayList<>();
        List<Received> inboxes = cluster(2, nodes);
        List<Message> sent = new ArrayList<>();
        for (int i = 1; i <= 1_000; i++) {
            sent.add(new HeartbeatRequest(1, 2, 3, 0, i));
        }
        sent.forEach(nodes.get(0)::send);
        await().atMost(DELIVERY_WAIT)
                .untilAsserted(() -> assertThat(inboxes.get(1).from(1)).containsExactlyElementsOf(sent));
    }

    @Test
    public void sendIsSafeFromTwoThreadsAtOnce() throws InterruptedException {
        List<Transport> nodes = new ArrayList<>();
        List<Received> inboxes = cluster(2, nodes);
        int each = 500;
        // The Raft thread sends heartbeats while the sync thread sends acknowledgements: two kinds, two threads.
        Thread raftThread = new Thread(() -> {
            for (int i = 1; i <= each; i++) {
                nodes.get(0).send(new HeartbeatRequest(1, 2, 3, 0, i));
            }
        });
        Thread syncThread = new Thread(() -> {
            for (int i = 1; i <= each; i++) {
                nodes.get(0).send(new AppendResponse(1, 2, 3, false, i, 0, 0));
            }
        });
        raftThread.start();
        syncThread.start();
        raftThread.join();
        syncThread.join();
        await().atMost(DELIVERY_WAIT).untilAsserted(() -> {
            List<Message> got = inboxes.get(1).from(1);
            assertThat(got.stream()
                            .filter(HeartbeatRequest.class::isInstance)
                            .map(m -> ((HeartbeatRequest) m).readContext()))
                    .as("one thread's messages, in its order")
                    .isSorted()
                    .hasSize(each);
            assertThat(got.stream().filter(AppendResponse.class::isInstance).map(m -> ((AppendResponse) m).index()))
                    .as("the other thread's messages, in its order")
                    .isSorted()
                    .hasSize(each);
        });
    }

    @Test
    public void sendNeverThrowsNotToAnUnknownPeerNorAfterCloseAndCloseIsIdempotent() {
        List<Transport> nodes = new ArrayList<>();
        List<Received> inboxes = cluster(2, nodes);
        Transport first = nodes.get(0);
        assertThatCode(() -> first.send(new HeartbeatRequest(1, 99, 3, 0, 1))).doesNotThrowAnyException();
        first.send(new HeartbeatRequest(1, 2, 3, 0, 2));
        await().atMost(DELIVERY_WAIT).until(() -> !inboxes.get(1).from(1).isEmpty());
        first.close();
        assertThatCode(() -> first.send(new HeartbeatRequest(1, 2, 3, 0, 3))).doesNotThrowAnyException();
        assertThatCode(first::close).doesNotThrowAnyException();
        assertThatCode(() -> nodes.get(1).send(new HeartbeatResponse(2, 1, 3, 2)))
                .doesNotThrowAnyException();
        // A message for an unknown node is dropped, never handed to another one.
        assertThat(inboxes.get(1).from(1)).noneMatch(m -> ((HeartbeatRequest) m).readContext() == 1);
    }
}
