package dev.raftchat.raft.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.message.ForwardProposal;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.message.TimeoutNow;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutboxTest {

    @Test
    void refusesMessagesBeyondTheCountLimit() {
        Outbox outbox = new Outbox(3, 1_000_000);

        assertThat(outbox.offer(new TimeoutNow(1, 2, 1))).isTrue();
        assertThat(outbox.offer(new TimeoutNow(1, 2, 2))).isTrue();
        assertThat(outbox.offer(new TimeoutNow(1, 2, 3))).isTrue();
        assertThat(outbox.offer(new TimeoutNow(1, 2, 4))).isFalse();
        assertThat(outbox.messages()).isEqualTo(3);

        assertThat(outbox.poll()).isEqualTo(new TimeoutNow(1, 2, 1));
        assertThat(outbox.offer(new TimeoutNow(1, 2, 5))).isTrue();
    }

    @Test
    void refusesMessagesBeyondTheByteLimitAndReleasesBytesOnPoll() {
        Message big = new ForwardProposal(1, 2, 0, 1, 1, List.of(new byte[400]));
        long size = big.sizeBytes();
        Outbox outbox = new Outbox(100, 2 * size + 10);

        assertThat(outbox.offer(big)).isTrue();
        assertThat(outbox.offer(big)).isTrue();
        assertThat(outbox.offer(big)).isFalse();
        assertThat(outbox.bytes()).isEqualTo(2 * size);
        assertThat(outbox.messages()).isEqualTo(2);

        outbox.poll();
        assertThat(outbox.bytes()).isEqualTo(size);
        assertThat(outbox.clear()).isEqualTo(1);
        assertThat(outbox.bytes()).isZero();
        assertThat(outbox.messages()).isZero();
        assertThat(outbox.isEmpty()).isTrue();
    }
}
