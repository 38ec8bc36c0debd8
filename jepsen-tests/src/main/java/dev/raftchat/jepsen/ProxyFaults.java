package dev.raftchat.jepsen;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fallback for machines where {@link IptablesFaults} is unavailable: a TCP proxy in this process on
 * every directed peer link. Node {@code a} is told that node {@code b} lives at the proxy for {@code a→b}
 * (each node gets its own {@code --cluster} list), which forwards to {@code b}'s real peer port. Cutting a
 * link closes its proxied connections and refuses new ones (accepted, then closed at once) in both
 * directions until healed.
 *
 * <p>Limit: a node added through membership is announced to the others with one URL for all, so its links
 * are direct and cannot be cut. Threads: one acceptor per link and two pumps per proxied connection, all
 * daemon threads; the number of connections per link is bounded by {@code connectionsPerLinkMax}.
 */
public final class ProxyFaults implements NetworkFaults {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyFaults.class);
    private static final String HOST = "127.0.0.1";
    private static final int CONNECTIONS_PER_LINK_MAX = 16;
    private static final int BUFFER_BYTES = 64 * 1024;

    private final Map<Long, LinkProxy> proxies = new HashMap<>();
    private final Set<Link> cutLinks = new HashSet<>();
    private boolean closed;

    @Override
    public String name() {
        return "proxy";
    }

    @Override
    public String host(int node) {
        return HOST;
    }

    @Override
    public synchronized String peerUrl(int from, int to, int peerPortOfTo) {
        long key = (long) from << 32 | to;
        LinkProxy proxy = proxies.get(key);
        if (proxy == null || proxy.targetPort != peerPortOfTo) {
            if (proxy != null) {
                proxy.close();
            }
            proxy = new LinkProxy(from, to, peerPortOfTo);
            proxies.put(key, proxy);
            proxy.start();
        }
        return "http://" + HOST + ":" + proxy.server.getLocalPort();
    }

    @Override
    public int uid(int node) {
        return -1;
    }

    @Override
    public synchronized void cut(Set<Link> links) {
        cutLinks.clear();
        cutLinks.addAll(links);
        for (LinkProxy proxy : proxies.values()) {
            if (isCut(proxy.from, proxy.to)) {
                proxy.dropConnections();
            }
        }
    }

    @Override
    public synchronized void heal() {
        cutLinks.clear();
    }

    private synchronized boolean isCut(int from, int to) {
        return cutLinks.contains(new Link(from, to));
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        proxies.values().forEach(LinkProxy::close);
        proxies.clear();
    }

    /** One directed link's listening socket and its live connections. */
    private final class LinkProxy {
        final int from;
        final int to;
        final int targetPort;
        final ServerSocket server;
        final List<Socket> open = new ArrayList<>();

        LinkProxy(int from, int to, int targetPort) {
            this.from = from;
            this.to = to;
            this.targetPort = targetPort;
            try {
                this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new IllegalStateException("cannot open the proxy for link " + from + "->" + to, e);
            }
        }

        void start() {
            Thread acceptor = new Thread(this::acceptLoop, "proxy-" + from + "-" + to);
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void acceptLoop() {
            while (!server.isClosed()) {
                Socket client;
                try {
                    client = server.accept();
                } catch (IOException e) {
                    return; // closed
                }
                synchronized (this) {
                    if (isCut(from, to) || open.size() >= 2 * CONNECTIONS_PER_LINK_MAX) {
                        closeQuietly(client);
                        continue;
                    }
                }
                Socket target = new Socket();
                try {
                    target.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 1_000);
                } catch (IOException e) {
                    closeQuietly(client);
                    closeQuietly(target);
                    continue;
                }
                synchronized (this) {
                    open.add(client);
                    open.add(target);
                }
                pump(client, target);
                pump(target, client);
            }
        }

        private void pump(Socket in, Socket out) {
            Thread t = new Thread(
                    () -> {
                        byte[] buffer = new byte[BUFFER_BYTES];
                        try (InputStream input = in.getInputStream();
                                OutputStream output = out.getOutputStream()) {
                            int n;
                            while ((n = input.read(buffer)) >= 0) {
                                if (isCut(from, to)) {
                                    break;
                                }
                                output.write(buffer, 0, n);
                                output.flush();
                            }
                        } catch (IOException e) {
                            // the connection ended or was cut
                        } finally {
                            closeQuietly(in);
                            closeQuietly(out);
                            synchronized (this) {
                                open.remove(in);
                                open.remove(out);
                            }
                        }
                    },
                    "proxy-pump-" + from + "-" + to);
            t.setDaemon(true);
            t.start();
        }

        synchronized void dropConnections() {
            if (!open.isEmpty()) {
                LOG.debug("cutting {} sockets of link {}->{}", open.size(), from, to);
            }
            open.forEach(ProxyFaults::closeQuietly);
            open.clear();
        }

        void close() {
            closeQuietly(server);
            dropConnections();
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // closing: nothing to do
        }
    }
}
