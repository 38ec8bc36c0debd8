package dev.raftchat.jepsen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proxy fallback on loopback: traffic passes, a cut link drops and refuses connections, healing restores them. */
class ProxyFaultsTest {
    private ServerSocket echo;
    private ProxyFaults proxy;

    @BeforeEach
    void startEchoServer() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket socket = echo.accept();
                    Thread pump = new Thread(() -> {
                        try (socket;
                                InputStream in = socket.getInputStream();
                                OutputStream out = socket.getOutputStream()) {
                            in.transferTo(out);
                        } catch (IOException e) {
                            // the test closed it
                        }
                    });
                    pump.setDaemon(true);
                    pump.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        proxy = new ProxyFaults();
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        echo.close();
    }

    private Socket connectThroughProxy() throws IOException {
        URI url = URI.create(proxy.peerUrl(1, 2, echo.getLocalPort()));
        Socket socket = new Socket(url.getHost(), url.getPort());
        socket.setSoTimeout(5_000);
        return socket;
    }

    private static boolean echoes(Socket socket) {
        try {
            socket.getOutputStream().write('x');
            socket.getOutputStream().flush();
            return socket.getInputStream().read() == 'x';
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void aCutLinkClosesItsConnectionsAndRefusesNewOnesUntilHealed() throws IOException {
        try (Socket before = connectThroughProxy()) {
            assertThat(echoes(before)).isTrue();
            proxy.partition(List.of(Set.of(1), Set.of(2, 3)));
            await().atMost(Duration.ofSeconds(10)).until(() -> !echoes(before));
        }
        try (Socket during = connectThroughProxy()) {
            assertThat(echoes(during)).isFalse();
        }
        proxy.cut(Set.of(new NetworkFaults.Link(1, 3))); // another shape: 1-2 is whole again
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            try (Socket after = connectThroughProxy()) {
                return echoes(after);
            }
        });
        proxy.heal();
        try (Socket healed = connectThroughProxy()) {
            assertThat(echoes(healed)).isTrue();
        }
    }
}
