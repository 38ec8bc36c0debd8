package dev.raftchat.raft.transport.netty;

import java.util.concurrent.atomic.LongAdder;

/** The transport's counters, written from any thread. */
final class Counters {
    final LongAdder sent = new LongAdder();
    final LongAdder flushes = new LongAdder();
    final LongAdder received = new LongAdder();
    final LongAdder dropped = new LongAdder();
    final LongAdder reconnects = new LongAdder();
    final LongAdder decodeErrors = new LongAdder();
    final LongAdder handshakesRejected = new LongAdder();
    final LongAdder authenticationFailures = new LongAdder();
    final LongAdder senderMismatches = new LongAdder();

    TransportStats snapshot() {
        return new TransportStats(
                sent.sum(),
                flushes.sum(),
                received.sum(),
                dropped.sum(),
                reconnects.sum(),
                decodeErrors.sum(),
                handshakesRejected.sum(),
                authenticationFailures.sum(),
                senderMismatches.sum());
    }
}
