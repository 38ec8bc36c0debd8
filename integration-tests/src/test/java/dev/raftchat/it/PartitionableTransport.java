package dev.raftchat.it;

import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.transport.Transport;
import dev.raftchat.raft.transport.netty.NettyTransport;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A real {@link NettyTransport} behind a switchboard that can cut this node off from chosen peers in
 * both directions: messages to them are not sent and messages from them are not delivered. The bytes
 * that do flow go over real sockets; only the partition is simulated.
 */
final class PartitionableTransport implements Transport {
    private final NettyTransport delegate;
    private final Set<Long> cutOff = ConcurrentHashMap.newKeySet();

    PartitionableTransport(NettyTransport delegate) {
        this.delegate = delegate;
    }

    void cutOffFrom(Collection<Long> peers) {
        cutOff.addAll(peers);
    }

    void heal() {
        cutOff.clear();
    }

    @Override
    public void start(Inbox inbox) {
        delegate.start(message -> {
            if (!cutOff.contains(message.from())) {
                inbox.deliver(message);
            }
        });
    }

    @Override
    public void send(Message message) {
        if (!cutOff.contains(message.to())) {
            delegate.send(message);
        }
    }

    @Override
    public void close() {
        delegate.close();
    }
}
