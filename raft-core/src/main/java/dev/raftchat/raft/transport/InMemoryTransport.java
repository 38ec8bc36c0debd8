package dev.raftchat.raft.transport;

import dev.raftchat.raft.message.Message;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's endpoint on an {@link InMemoryNetwork}; create it with {@link InMemoryNetwork#transport}.
 * Follows the {@link Transport} contract: {@link #send} never blocks and never throws, and messages are
 * delivered to the receiver's inbox on the sender's thread (the inbox only enqueues). Messages sent
 * before {@link #start} or after {@link #close} are dropped, and so are messages to it meanwhile.
 */
public final class InMemoryTransport implements Transport {

    private static final Logger log = LoggerFactory.getLogger(InMemoryTransport.class);

    private final InMemoryNetwork network;
    private final long nodeId;
    private volatile Inbox inbox;
    private volatile boolean closed;

    InMemoryTransport(InMemoryNetwork network, long nodeId) {
        this.network = network;
        this.nodeId = nodeId;
    }

    public long nodeId() {
        return nodeId;
    }

    @Override
    public void start(Inbox inbox) {
        Objects.requireNonNull(inbox, "inbox");
        if (this.inbox != null) {
            throw new IllegalStateException("transport of node " + nodeId + " already started");
        }
        this.inbox = inbox;
    }

    @Override
    public void send(Message message) {
        if (closed || inbox == null || message.from() != nodeId) {
            if (message.from() != nodeId) {
                log.warn("node {} asked to send a message from node {}; dropped", nodeId, message.from());
            }
            return;
        }
        network.route(message);
    }

    /** Returns false when this endpoint cannot take the message (not started, closed, inbox threw). */
    boolean receive(Message message) {
        Inbox target = inbox;
        if (closed || target == null) {
            return false;
        }
        try {
            target.deliver(message);
            return true;
        } catch (RuntimeException e) {
            log.warn("inbox of node {} threw; message dropped", nodeId, e);
            return false;
        }
    }

    @Override
    public void close() {
        closed = true;
        network.unregister(this);
    }
}
