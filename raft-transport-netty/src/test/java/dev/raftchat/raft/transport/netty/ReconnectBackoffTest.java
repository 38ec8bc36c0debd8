package dev.raftchat.raft.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ReconnectBackoffTest {

    @Test
    void ceilingDoublesFromTheMinimumUpToTheCap() {
        ReconnectBackoff backoff = new ReconnectBackoff(50, 2_000);

        assertThat(backoff.ceilingMillis(0)).isEqualTo(50);
        assertThat(backoff.ceilingMillis(1)).isEqualTo(100);
        assertThat(backoff.ceilingMillis(5)).isEqualTo(1_600);
        assertThat(backoff.ceilingMillis(6)).isEqualTo(2_000);
        assertThat(backoff.ceilingMillis(63)).isEqualTo(2_000);
        assertThat(backoff.ceilingMillis(Integer.MAX_VALUE)).isEqualTo(2_000);
    }

    @Test
    void delaysAreJitteredBetweenHalfTheCeilingAndTheCeiling() {
        ReconnectBackoff backoff = new ReconnectBackoff(50, 2_000);
        Random random = new Random(42);
        long smallest = Long.MAX_VALUE;
        long largest = Long.MIN_VALUE;
        for (int i = 0; i < 10_000; i++) {
            long delay = backoff.delayMillis(10, bound -> random.nextLong(bound));
            smallest = Math.min(smallest, delay);
            largest = Math.max(largest, delay);
        }
        assertThat(smallest).isGreaterThanOrEqualTo(1_000);
        assertThat(largest).isLessThanOrEqualTo(2_000);
        // Jitter really spreads the delays (so peers do not reconnect in lockstep).
        assertThat(largest - smallest).isGreaterThan(900);
    }

    @Test
    void theExtremesOfTheRandomSourceGiveTheBounds() {
        ReconnectBackoff backoff = new ReconnectBackoff(10, 10_000);

        assertThat(backoff.delayMillis(2, bound -> 0)).isEqualTo(20);
        assertThat(backoff.delayMillis(2, bound -> bound - 1)).isEqualTo(40);
        assertThatThrownBy(() -> backoff.delayMillis(2, bound -> bound)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void limitsAreValidated() {
        assertThatThrownBy(() -> new ReconnectBackoff(0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReconnectBackoff(10, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReconnectBackoff(10, 20).ceilingMillis(-1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
