package dev.raftchat.raft.transport.netty;

import dev.raftchat.raft.message.Message;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bounded queue of messages waiting for one peer's connection, limited both in count and in bytes
 * ({@link Message#sizeBytes()}). {@link #offer} never blocks: when either limit would be exceeded it
 * refuses the message and the caller drops it.
 *
 * <p>Threading: any number of producers, one consumer (the peer's event loop). The counters are
 * reserved before the message is queued and released after it is taken, so {@code messages <= max} and
 * {@code bytes <= max} hold at every instant; a racing producer may be refused spuriously while another
 * producer's reservation is being rolled back, which is harmless (Raft retries).
 */
final class Outbox {
    private final ConcurrentLinkedQueue<Message> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger messages = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();
    private final int messagesMax;
    private final long bytesMax;

    Outbox(int messagesMax, long bytesMax) {
        if (messagesMax < 1 || bytesMax < 1) {
            throw new IllegalArgumentException("outbox limits must be >= 1, got " + messagesMax + ", " + bytesMax);
        }
        this.messagesMax = messagesMax;
        this.bytesMax = bytesMax;
    }

    /** Queues {@code message} if both limits allow it; returns false (and queues nothing) otherwise. */
    boolean offer(Message message) {
        long size = message.sizeBytes();
        if (messages.incrementAndGet() > messagesMax) {
            messages.decrementAndGet();
            return false;
        }
        if (bytes.addAndGet(size) > bytesMax) {
            bytes.addAndGet(-size);
            messages.decrementAndGet();
            return false;
        }
        queue.add(message);
        return true;
    }

    /** The oldest queued message, or null. */
    Message poll() {
        Message message = queue.poll();
        if (message != null) {
            bytes.addAndGet(-message.sizeBytes());
            messages.decrementAndGet();
        }
        return message;
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    int messages() {
        return messages.get();
    }

    long bytes() {
        return bytes.get();
    }

    /** Empties the outbox, returning how many messages were discarded. */
    int clear() {
        int discarded = 0;
        while (poll() != null) {
            discarded++;
        }
        return discarded;
    }
}
