package dev.raftchat.raft.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The runtime's long-keyed map against {@link HashMap}, on the key shapes the runtime uses and on colliding ones. */
class LongKeyedMapTest {

    @Test
    void behavesLikeAHashMapUnderRandomOperations() {
        for (long seed = 1; seed <= 20; seed++) {
            Random random = new Random(seed);
            LongKeyedMap<String> map = new LongKeyedMap<>();
            Map<Long, String> model = new HashMap<>();
            // Small key ranges force long probe runs and removals in their middle; large strides wrap the table.
            long stride = seed % 2 == 0 ? 1 : 1L << (20 + seed);
            int range = 50 + random.nextInt(500);
            for (int step = 0; step < 20_000; step++) {
                long key = random.nextInt(range) * stride;
                int operation = random.nextInt(10);
                if (operation < 5) {
                    String value = "v" + step;
                    assertThat(map.put(key, value)).isEqualTo(model.put(key, value));
                } else if (operation < 9) {
                    assertThat(map.remove(key)).isEqualTo(model.remove(key));
                } else {
                    assertThat(map.get(key)).isEqualTo(model.get(key));
                }
                assertThat(map.size()).isEqualTo(model.size());
            }
            for (Map.Entry<Long, String> entry : model.entrySet()) {
                assertThat(map.get(entry.getKey())).isEqualTo(entry.getValue());
            }
            assertThat(map.values()).containsExactlyInAnyOrderElementsOf(model.values());
        }
    }

    @Test
    void consecutiveKeysSlideLikeProposalSequences() {
        LongKeyedMap<Long> map = new LongKeyedMap<>();
        for (long key = 1; key <= 100_000; key++) {
            map.put(key, key);
            if (key > 64) {
                assertThat(map.remove(key - 64)).isEqualTo(key - 64);
            }
        }
        assertThat(map.size()).isEqualTo(64);
        for (long key = 100_000 - 63; key <= 100_000; key++) {
            assertThat(map.get(key)).isEqualTo(key);
        }
        assertThat(map.get(100_000 - 64)).isNull();
        assertThat(map.get(-1)).isNull();
    }

    @Test
    void removeValuesIfKeepsTheOthersReachable() {
        LongKeyedMap<Long> map = new LongKeyedMap<>();
        for (long key = -500; key < 500; key++) {
            map.put(key, key);
        }
        map.removeValuesIf(value -> value % 3 == 0);
        for (long key = -500; key < 500; key++) {
            assertThat(map.get(key)).isEqualTo(key % 3 == 0 ? null : key);
        }
        assertThat(map.size()).isEqualTo(1000 - 333);
        map.clear();
        assertThat(map.isEmpty()).isTrue();
        assertThat(map.get(1)).isNull();
    }
}
