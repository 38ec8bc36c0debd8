package dev.raftchat.bench.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.function.Function;

/**
 * The entry point every library's driver calls from its {@code main}: parses {@link BenchOptions}, starts
 * the cluster, runs the {@link ClosedLoop}, prints exactly one {@link BenchResult} line on stdout (logs go
 * to stderr), closes the cluster and exits the JVM (libraries may leave non-daemon threads behind).
 * Exit status 0 on success, 1 with a message on stderr otherwise.
 */
public final class DriverMain {
    /** A library that hangs while shutting down must not hang the orchestrator: the JVM halts anyway. */
    static final long CLOSE_TIMEOUT_MILLIS = 15_000;

    private DriverMain() {}

    public static void run(String library, String[] args, Function<BenchOptions, BenchCluster> clusterFactory) {
        int status = 1;
        try {
            BenchOptions options = BenchOptions.parse(args);
            BenchCluster cluster = clusterFactory.apply(options);
            try {
                cluster.start();
                BenchResult result = ClosedLoop.run(library, cluster, options);
                System.out.println(result.toLine());
                System.out.flush();
                status = 0;
            } finally {
                closeWithin(cluster, CLOSE_TIMEOUT_MILLIS);
            }
        } catch (Throwable e) {
            System.err.println(library + " driver failed: " + e);
            e.printStackTrace();
        } finally {
            System.out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(status);
        }
    }

    private static void closeWithin(BenchCluster cluster, long timeoutMillis) throws InterruptedException {
        Thread closer = new Thread(
                () -> {
                    try {
                        cluster.close();
                    } catch (Exception e) {
                        System.err.println("closing the cluster failed: " + e);
                    }
                },
                "bench-close");
        closer.setDaemon(true);
        closer.start();
        closer.join(timeoutMillis);
        if (closer.isAlive()) {
            System.err.println("the cluster did not close within " + timeoutMillis + " ms; halting anyway");
        }
    }

    /** {@code count} loopback ports free at the time of the call. */
    public static int[] freePorts(int count) {
        ServerSocket[] sockets = new ServerSocket[count];
        int[] ports = new int[count];
        try {
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ports[i] = sockets[i].getLocalPort();
            }
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find free loopback ports", e);
        }
        return ports;
    }
}
