package dev.raftchat.raft.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftchat.raft.core.NodeConfig;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NettyTransportConfigTest {
    private static final PeerAddress LISTEN = new PeerAddress("127.0.0.1", 0);

    private static NettyTransportConfig.Builder builder() {
        return NettyTransportConfig.builder("cluster", 1, LISTEN);
    }

    @Test
    void defaultsAreValidAndRoundTripThroughTheBuilder() {
        NettyTransportConfig config = builder().build();

        assertThat(config.frameBytesMax()).isEqualTo(NettyTransportConfig.DEFAULT_FRAME_BYTES_MAX);
        assertThat(config.outboxBytesMax()).isGreaterThanOrEqualTo(config.frameBytesMax());
        assertThat(config.payloadBytesMax())
                .isEqualTo(config.frameBytesMax() - NettyTransportConfig.FRAME_HEADROOM_BYTES);
        assertThat(config.toBuilder().build()).isEqualTo(config);
    }

    @Test
    void raftCoreDefaultsFitInADefaultFrame() {
        NettyTransportConfig config = builder().build();

        // One snapshot chunk, and one append batch (whose last entry may overshoot appendBytesMax by one
        // entry), must each fit in a frame without touching the header headroom.
        assertThat((long) NodeConfig.DEFAULT_SNAPSHOT_CHUNK_BYTES).isLessThanOrEqualTo(config.payloadBytesMax());
        assertThat(2 * NodeConfig.DEFAULT_APPEND_BYTES_MAX).isLessThanOrEqualTo(config.payloadBytesMax());
    }

    private static Arguments invalid(UnaryOperator<NettyTransportConfig.Builder> change, String field) {
        return Arguments.of(change, field);
    }

    static Stream<Arguments> invalidConfigs() {
        return Stream.of(
                invalid(b -> b.frameBytesMax(1024), "frameBytesMax"),
                invalid(b -> b.frameBytesMax(Integer.MAX_VALUE), "frameBytesMax"),
                invalid(b -> b.outboxMessagesMax(0), "outboxMessagesMax"),
                invalid(b -> b.outboxBytesMax(1000), "outboxBytesMax"),
                invalid(b -> b.writeBatchMessagesMax(0), "writeBatchMessagesMax"),
                invalid(b -> b.writeBufferBytesMax(10), "writeBufferBytesMax"),
                invalid(b -> b.connectTimeoutMillis(0), "connectTimeoutMillis"),
                invalid(b -> b.reconnectBackoffMillis(0, 10), "reconnectBackoffMinMillis"),
                invalid(b -> b.reconnectBackoffMillis(100, 10), "reconnectBackoffMaxMillis"),
                invalid(b -> b.handshakeTimeoutMillis(0), "handshakeTimeoutMillis"),
                invalid(b -> b.inboundConnectionsMax(0), "inboundConnectionsMax"),
                invalid(b -> b.ioThreads(0), "ioThreads"));
    }

    @ParameterizedTest
    @MethodSource("invalidConfigs")
    void everyLimitIsValidatedWithItsName(UnaryOperator<NettyTransportConfig.Builder> change, String field) {
        assertThatThrownBy(() -> change.apply(builder()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(field + " must");
    }

    @Test
    void identityIsValidated() {
        assertThatThrownBy(() -> NettyTransportConfig.builder(" ", 1, LISTEN).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("clusterId");
        assertThatThrownBy(() -> NettyTransportConfig.builder("c", 0, LISTEN).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("nodeId");
    }
}
