package dev.raftchat.raft.transport.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Every channel a transport has open (server, inbound, outbound), so that {@link NettyTransport#close()}
 * can close each one explicitly and wait for it, instead of relying on the event loop's shutdown to do
 * so: a peer must see this node's connections end (FIN) the moment the node closes, or it would keep
 * writing into a connection nobody reads. Thread-safe.
 */
// FutureReturnValueIgnored: the futures ignored here are Netty's write, close and schedule futures. A failed
// write or close surfaces in the pipeline (exceptionCaught, channelInactive), which closes the channel; the
// caller has nothing more to do with the outcome.
@SuppressWarnings("FutureReturnValueIgnored")
final class OpenChannels {
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;

    /** Tracks {@code channel} until it closes. A channel added once {@link #closeAll} began is closed at once. */
    void add(Channel channel) {
        channels.add(channel);
        channel.closeFuture().addListener(future -> channels.remove(channel));
        if (closing) {
            channel.close();
        }
    }

    int size() {
        return channels.size();
    }

    /** Closes every tracked channel and waits up to {@code timeoutMillis} for all of them; true if all closed. */
    boolean closeAll(long timeoutMillis) {
        closing = true;
        List<ChannelFuture> closeFutures = new ArrayList<>();
        for (Channel channel : channels) {
            closeFutures.add(channel.close());
        }
        long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        boolean allClosed = true;
        for (ChannelFuture future : closeFutures) {
            long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            if (future.channel().eventLoop().inEventLoop()) {
                // Waiting on our own loop would deadlock; the close is queued and completes after we return.
                continue;
            }
            allClosed &= remainingMillis > 0 && future.awaitUninterruptibly(remainingMillis);
        }
        return allClosed;
    }
}
