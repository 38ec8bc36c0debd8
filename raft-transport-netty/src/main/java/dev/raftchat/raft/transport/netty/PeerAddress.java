package dev.raftchat.raft.transport.netty;

import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.Locale;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Where a node listens for peer connections: a host name or IP literal and a TCP port.
 *
 * <p>{@link #parse} accepts the two spellings users have: the original raft-chat's peer URL form
 * {@code http://127.0.0.1:12379} (an optional trailing {@code /} is allowed; the scheme is only
 * decoration, TLS is configured on the transport) and plain {@code host:port}. IPv6 literals are
 * written in brackets: {@code [::1]:12379}. Anything else is refused with an
 * {@link IllegalArgumentException} whose message quotes the input and says what was expected.
 *
 * <p>Port 0 is allowed only when constructing directly (a listen address meaning "any free port");
 * {@link #parse} requires a real port, because a peer cannot be reached at port 0.
 *
 * @param host a host name or IP literal, without brackets
 * @param port a TCP port in {@code [0, 65535]}
 */
public record PeerAddress(String host, int port) {

    private static final String EXPECTED = "expected http://host:port or host:port, e.g. http://127.0.0.1:12379";

    public PeerAddress {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
        }
    }

    /** Parses a peer address; see the class documentation for the accepted forms. */
    public static PeerAddress parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("peer address is missing; " + EXPECTED);
        }
        String trimmed = text.strip();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("peer address is empty; " + EXPECTED);
        }
        String rest = trimmed;
        int schemeEnd = rest.indexOf("://");
        if (schemeEnd >= 0) {
            String scheme = rest.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
            if (!scheme.equals("http")) {
                throw new IllegalArgumentException("unsupported scheme '" + scheme + "' in peer address '" + text
                        + "' (TLS is configured on the transport, not in the address); " + EXPECTED);
            }
            rest = rest.substring(schemeEnd + 3);
            if (rest.endsWith("/")) {
                rest = rest.substring(0, rest.length() - 1);
            }
        }
        if (rest.contains("/") || rest.contains("?") || rest.contains("#")) {
            throw new IllegalArgumentException("peer address '" + text + "' must not have a path; " + EXPECTED);
        }
        if (rest.contains("@")) {
            throw new IllegalArgumentException("peer address '" + text + "' must not have user info; " + EXPECTED);
        }
        String host;
        String portText;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("unclosed '[' in peer address '" + text + "'; " + EXPECTED);
            }
            host = rest.substring(1, close);
            String afterHost = rest.substring(close + 1);
            if (!afterHost.startsWith(":")) {
                throw new IllegalArgumentException("peer address '" + text + "' has no port; " + EXPECTED);
            }
            portText = afterHost.substring(1);
            if (host.isEmpty() || !host.matches("[0-9A-Fa-f:.%a-zA-Z]+") || !host.contains(":")) {
                throw new IllegalArgumentException(
                        "invalid IPv6 literal '" + host + "' in peer address '" + text + "'");
            }
        } else {
            int colon = rest.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("peer address '" + text + "' has no port; " + EXPECTED);
            }
            host = rest.substring(0, colon);
            portText = rest.substring(colon + 1);
            if (host.contains(":")) {
                throw new IllegalArgumentException(
                        "IPv6 literal in peer address '" + text + "' must be in brackets, e.g. [::1]:12379");
            }
            if (host.isEmpty()) {
                throw new IllegalArgumentException("peer address '" + text + "' has no host; " + EXPECTED);
            }
            if (!host.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("invalid host '" + host + "' in peer address '" + text + "'");
            }
        }
        if (portText.isEmpty() || !portText.chars().allMatch(c -> c >= '0' && c <= '9') || portText.length() > 5) {
            throw new IllegalArgumentException(
                    "invalid port '" + portText + "' in peer address '" + text + "': must be a number in [1, 65535]");
        }
        int port = Integer.parseInt(portText);
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException(
                    "port " + port + " in peer address '" + text + "' is out of range: must be in [1, 65535]");
        }
        return new PeerAddress(host, port);
    }

    /**
     * Parses the original raft-chat's {@code --cluster} list: comma-separated addresses where the
     * {@code i}-th (from 1) is the address of node {@code i}, e.g.
     * {@code http://127.0.0.1:12379,http://127.0.0.1:22379,http://127.0.0.1:32379}.
     *
     * @return node id to address, in id order
     * @throws IllegalArgumentException naming the position of the first bad or duplicate address
     */
    public static SortedMap<Long, PeerAddress> parseCluster(String commaSeparated) {
        if (commaSeparated == null || commaSeparated.isBlank()) {
            throw new IllegalArgumentException("cluster list is empty; " + EXPECTED + ", separated by commas");
        }
        TreeMap<Long, PeerAddress> members = new TreeMap<>();
        String[] parts = commaSeparated.split(",", -1);
        for (int i = 0; i < parts.length; i++) {
            long nodeId = i + 1L;
            PeerAddress address;
            try {
                address = parse(parts[i]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("cluster member " + nodeId + ": " + e.getMessage(), e);
            }
            if (members.containsValue(address)) {
                throw new IllegalArgumentException(
                        "cluster member " + nodeId + ": address " + address + " is already used by another member");
            }
            members.put(nodeId, address);
        }
        return Collections.unmodifiableSortedMap(members);
    }

    /** An unresolved socket address; resolution happens when connecting, so DNS changes are seen. */
    public InetSocketAddress toSocketAddress() {
        return InetSocketAddress.createUnresolved(host, port);
    }

    /** {@code host:port}, with IPv6 literals in brackets; {@link #parse} reads it back. */
    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
