package dev.raftchat.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Free TCP ports on the loopback interface, for tests that must name a port before the server that binds it
 * starts (a cluster's peer list, a process's command line). The port is free when this returns; another
 * process may take it before the caller binds it, which a test on a shared machine accepts as a rare retry.
 */
public final class FreePorts {
    private FreePorts() {}

    /** A port that was free on 127.0.0.1 a moment ago. Tests talk only to loopback, so only loopback is probed. */
    public static int loopback() {
        return free(InetAddress.getLoopbackAddress());
    }

    /**
     * A port that was free on {@code address} (a loopback address such as {@code 127.77.1.2}, which jepsen-tests
     * gives each node) a moment ago.
     *
     * @throws IllegalArgumentException when the address is not in 127.0.0.0/8 or ::1
     */
    public static int loopback(String address) {
        InetAddress inet;
        try {
            inet = InetAddress.getByName(address);
        } catch (IOException e) {
            throw new IllegalArgumentException("not an address: " + address, e);
        }
        if (!inet.isLoopbackAddress()) {
            throw new IllegalArgumentException("tests talk only to loopback, not to " + address);
        }
        return free(inet);
    }

    private static int free(InetAddress address) {
        try (ServerSocket socket = new ServerSocket(0, 1, address)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + address.getHostAddress(), e);
        }
    }
}
