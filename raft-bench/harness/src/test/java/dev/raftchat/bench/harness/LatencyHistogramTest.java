package dev.raftchat.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Test
    void everyValueFallsInABucketWhoseUpperBoundIsAtMostOneSubBucketAbove() {
        Random random = new Random(42);
        for (int i = 0; i < 100_000; i++) {
            long value = random.nextLong() >>> (1 + random.nextInt(40)); // spread over many magnitudes
            int index = LatencyHistogram.indexOf(value);
            long upper = LatencyHistogram.upperBoundOf(index);
            assertThat(upper).isGreaterThanOrEqualTo(value);
            assertThat((double) upper).isLessThanOrEqualTo(value * (1 + 1.0 / LatencyHistogram.SUB_BUCKETS) + 1);
            if (index > 0) {
                assertThat(LatencyHistogram.upperBoundOf(index - 1)).isLessThan(value);
            }
        }
    }

    @Test
    void smallValuesAreExact() {
        for (long v = 0; v < 2 * LatencyHistogram.SUB_BUCKETS; v++) {
            assertThat(LatencyHistogram.upperBoundOf(LatencyHistogram.indexOf(v)))
                    .isEqualTo(v);
        }
    }

    @Test
    void percentilesOfAUniformSpreadAreWithinTheBucketError() {
        LatencyHistogram histogram = new LatencyHistogram();
        for (long micros = 1; micros <= 10_000; micros++) {
            histogram.record(micros * 1_000);
        }
        assertThat(histogram.count()).isEqualTo(10_000);
        assertThat(histogram.valueAt(0.5) / 1e6).isBetween(5.0, 5.0 * 1.02);
        assertThat(histogram.valueAt(0.99) / 1e6).isBetween(9.9, 9.9 * 1.02);
        assertThat(histogram.valueAt(0.999) / 1e6).isBetween(9.99, 9.99 * 1.02);
        assertThat(histogram.valueAt(1.0) / 1e6).isBetween(10.0, 10.0 * 1.02);
    }

    @Test
    void emptyHistogramReportsZeroAndBadInputsAreRejected() {
        LatencyHistogram histogram = new LatencyHistogram();
        assertThat(histogram.valueAt(0.99)).isZero();
        assertThatThrownBy(() -> histogram.record(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> histogram.valueAt(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> histogram.valueAt(1.5)).isInstanceOf(IllegalArgumentException.class);
    }
}
