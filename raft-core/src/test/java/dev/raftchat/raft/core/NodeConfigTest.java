package dev.raftchat.raft.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NodeConfigTest {

    @Test
    void theDefaultSnapshotWindowIsEightMebibytes() {
        NodeConfig config = NodeConfig.defaults(1, 7);
        assertThat((long) config.snapshotChunkBytes() * config.snapshotChunksInflightMax())
                .isEqualTo(8L * 1024 * 1024);
    }

    @Test
    void theSnapshotWindowIsBounded() {
        NodeConfig config = NodeConfig.defaults(1, 7).withSnapshotChunkBytes(64 * 1024 * 1024);
        assertThat(config.withSnapshotChunksInflightMax(16).snapshotChunksInflightMax())
                .isEqualTo(16);
        assertThatThrownBy(() -> config.withSnapshotChunksInflightMax(17))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("snapshotChunkBytes * snapshotChunksInflightMax must be <= 1073741824 bytes");
        assertThatThrownBy(() -> config.withSnapshotChunksInflightMax(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("snapshotChunksInflightMax must be >= 1");
    }
}
