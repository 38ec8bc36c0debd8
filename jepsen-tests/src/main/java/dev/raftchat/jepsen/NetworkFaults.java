package dev.raftchat.jepsen;

import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Cuts and heals the links between nodes. Two implementations: {@link IptablesFaults} (real packet drops
 * by the kernel) and {@link ProxyFaults} (an in-process TCP proxy on every peer link, for machines where
 * iptables cannot be used). Only peer-to-peer traffic is cut; clients reach every node throughout.
 *
 * <p>Thread-safe. {@link #close()} heals everything and releases what the implementation holds (rules,
 * sockets); it is safe to call more than once and from a shutdown hook.
 */
public interface NetworkFaults extends AutoCloseable {

    /** A short name for logs and the summary: "iptables" or "proxy". */
    String name();

    /** The host this node's sockets (HTTP and peer) bind to. */
    String host(int node);

    /** The address {@code from} uses to reach {@code to}'s peer port (the proxy puts itself in between). */
    String peerUrl(int from, int to, int peerPortOfTo);

    /** The user id a node's process runs as, or -1 to run it as we are. */
    int uid(int node);

    /**
     * Cuts every link between nodes of different components; links inside a component and nodes in no
     * component are untouched. Replaces any previous partition.
     */
    default void partition(List<Set<Integer>> components) {
        Set<Integer> all = new TreeSet<>();
        components.forEach(all::addAll);
        cut(linksCutBy(components, all));
    }

    /** Cuts exactly these links (both directions of each pair), replacing any previous partition. */
    void cut(Set<Link> links);

    void heal();

    @Override
    void close();

    /** An undirected link between two nodes, smaller id first. */
    record Link(int a, int b) {
        public Link {
            if (a == b) {
                throw new IllegalArgumentException("a link joins two different nodes, got " + a + " twice");
            }
            if (a > b) {
                int t = a;
                a = b;
                b = t;
            }
        }
    }

    /**
     * The links a partition into {@code components} cuts among {@code nodes}: two nodes stay linked when some
     * component holds both (components may overlap: a bridge node belongs to two); nodes in no component keep
     * all their links.
     */
    static Set<Link> linksCutBy(List<Set<Integer>> components, Set<Integer> nodes) {
        Set<Link> cut = new TreeSet<>(Comparator.comparingInt(Link::a).thenComparingInt(Link::b));
        for (int a : nodes) {
            for (int b : nodes) {
                if (a < b
                        && inSome(components, a)
                        && inSome(components, b)
                        && components.stream().noneMatch(c -> c.contains(a) && c.contains(b))) {
                    cut.add(new Link(a, b));
                }
            }
        }
        return cut;
    }

    private static boolean inSome(List<Set<Integer>> components, int node) {
        return components.stream().anyMatch(c -> c.contains(node));
    }
}
