package dev.raftchat.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class FreePortsTest {
    @Test
    void theReturnedPortCanBeBoundOnLoopback() throws Exception {
        int port = FreePorts.loopback();
        assertThat(port).isBetween(1, 65_535);
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            assertThat(socket.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void aPortCanBePickedOnAnotherLoopbackAddressAndOnlyOnLoopback() throws Exception {
        int port = FreePorts.loopback("127.0.0.2");
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), port));
            assertThat(socket.getLocalPort()).isEqualTo(port);
        }
        assertThatThrownBy(() -> FreePorts.loopback("192.0.2.1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only to loopback");
    }
}
