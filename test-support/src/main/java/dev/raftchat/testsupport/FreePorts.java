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
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on loopback", e);
        }
    }
}
