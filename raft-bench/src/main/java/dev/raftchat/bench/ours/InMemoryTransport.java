package dev.raftchat.bench.ours;

import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.transport.Transport;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hands each message object straight to the recipient's inbox on the sender's thread: no encoding, no
 * socket, no copy. Only for comparing with libraries that have no network transport (MicroRaft). A
 * message to a node not started, or closed, is dropped, as a lost packet would be. Never blocks: the
 * {@code RaftServer}'s inbox is a bounded queue that drops when full.
 */
final class InMemoryTransport implements Transport {
    private final Network network;
    private final long id;

    /** The set of nodes that can reach each other. Thread-safe. */
    static final class Network {
        private final ConcurrentHashMap<Long, Inbox> inboxes = new ConcurrentHashMap<>();

        InMemoryTransport transportFor(long id) {
            return new InMemoryTransport(this, id);
        }
    }

    private InMemoryTransport(Network network, long id) {
        this.network = network;
        this.id = id;
    }

    @Override
    public void start(Inbox inbox) {
        if (network.inboxes.putIfAbsent(id, inbox) != null) {
            throw new IllegalStateException("node " + id + " is already started on this network");
        }
    }

    @Override
    public void send(Message message) {
        Inbox inbox = network.inboxes.get(message.to());
        if (inbox != null) {
            inbox.deliver(message);
        }
    }

    @Override
    public void close() {
        network.inboxes.remove(id);
    }
}
