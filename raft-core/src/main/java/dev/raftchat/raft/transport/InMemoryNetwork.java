package dev.raftchat.raft.transport;

import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.model.Check;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A network of {@link InMemoryTransport}s in one JVM, for tests and examples, with the faults tests
 * need: partitions ({@link #partition}, {@link #isolate}), cut links ({@link #cut}, {@link #cutOneWay})
 * and message drops ({@link #dropIf}). {@link #heal()} undoes them all.
 *
 * <p><b>Delivery.</b> A message is handed synchronously, on the sender's thread, to the receiver's
 * {@link Transport.Inbox}, which only enqueues into its own bounded queue (or drops). The network holds
 * no queue of its own, so it is bounded by its receivers; order per link is preserved. Nothing is ever
 * thrown at the sender: an undeliverable message is dropped and counted.
 *
 * <p>Thread-safe. Fault settings take effect for messages sent after the call returns.
 */
public final class InMemoryNetwork {

    private final Map<Long, InMemoryTransport> endpoints = new ConcurrentHashMap<>();
    /** Directed links (from, to) that drop everything. */
    private final Set<Link> cutLinks = ConcurrentHashMap.newKeySet();
    /** Partition group of each node named in the last {@link #partition}; unnamed nodes are in group 0. */
    private volatile Map<Long, Integer> partitionGroups = Map.of();

    private volatile Predicate<Message> dropFilter = message -> false;

    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong droppedByFault = new AtomicLong();
    private final AtomicLong droppedUnreachable = new AtomicLong();

    /**
     * Creates the transport of node {@code nodeId}. A node restarted after its transport was closed
     * gets a new one.
     *
     * @throws IllegalStateException when an open transport for {@code nodeId} exists
     */
    public InMemoryTransport transport(long nodeId) {
        Check.argument(nodeId > 0, "node ids must be positive, got %s", nodeId);
        InMemoryTransport transport = new InMemoryTransport(this, nodeId);
        InMemoryTransport previous = endpoints.putIfAbsent(nodeId, transport);
        if (previous != null) {
            throw new IllegalStateException("node " + nodeId + " already has an open transport on this network");
        }
        return transport;
    }

    /** Splits the network: nodes talk only within their group; nodes named in no group form one more group. */
    @SafeVarargs
    public final void partition(Set<Long>... groups) {
        Map<Long, Integer> assignment = new ConcurrentHashMap<>();
        for (int i = 0; i < groups.length; i++) {
            for (long nodeId : groups[i]) {
                Integer previous = assignment.put(nodeId, i + 1);
                Check.argument(previous == null, "node %s is in two partition groups", nodeId);
            }
        }
        partitionGroups = Map.copyOf(assignment);
    }

    /** Cuts {@code nodeId} off from every other node (a partition of one). */
    public void isolate(long nodeId) {
        partition(Set.of(nodeId));
    }

    /** Drops messages between {@code a} and {@code b}, both ways. */
    public void cut(long a, long b) {
        cutOneWay(a, b);
        cutOneWay(b, a);
    }

    /** Drops messages from {@code from} to {@code to} only (an asymmetric fault). */
    public void cutOneWay(long from, long to) {
        cutLinks.add(new Link(from, to));
    }

    /** Drops every message matching {@code filter} (for example by type or by random draw). */
    public void dropIf(Predicate<Message> filter) {
        dropFilter = Objects.requireNonNull(filter, "filter");
    }

    /** Removes every partition, cut link and drop filter. */
    public void heal() {
        partitionGroups = Map.of();
        cutLinks.clear();
        dropFilter = message -> false;
    }

    /** Messages handed to a receiver's inbox. */
    public long deliveredCount() {
        return delivered.get();
    }

    /** Messages dropped by a partition, a cut link or the drop filter. */
    public long droppedByFaultCount() {
        return droppedByFault.get();
    }

    /** Messages dropped because the receiver had no open, started transport (or its inbox threw). */
    public long droppedUnreachableCount() {
        return droppedUnreachable.get();
    }

    void route(Message message) {
        if (!canReach(message)) {
            droppedByFault.incrementAndGet();
            return;
        }
        InMemoryTransport receiver = endpoints.get(message.to());
        if (receiver == null || !receiver.receive(message)) {
            droppedUnreachable.incrementAndGet();
            return;
        }
        delivered.incrementAndGet();
    }

    private boolean canReach(Message message) {
        Map<Long, Integer> groups = partitionGroups;
        if (!groups.getOrDefault(message.from(), 0).equals(groups.getOrDefault(message.to(), 0))) {
            return false;
        }
        if (!cutLinks.isEmpty() && cutLinks.contains(new Link(message.from(), message.to()))) {
            return false;
        }
        return !dropFilter.test(message);
    }

    void unregister(InMemoryTransport transport) {
        endpoints.remove(transport.nodeId(), transport);
    }

    private record Link(long from, long to) {}
}
