package dev.raftchat.examples.guide;

import dev.raftchat.raft.core.NotLeaderException;
import dev.raftchat.raft.runtime.ProposalResult;
import dev.raftchat.raft.runtime.RaftServer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * A client of the settings service that follows {@link NotLeaderException#leaderAddress()} to the leader. In a
 * real service the address is a network address and the hop an HTTP redirect; here {@code nodeAt} stands in for
 * the network and maps an address to the node listening there.
 */
public final class SettingsClient {
    /** A limit: how many hops one request may take before it gives up (elections take a few). */
    public static final int HOPS_MAX = 20;

    private final Function<String, RaftServer> nodeAt;
    private final List<String> addresses;
    private String current;

    /** @param addresses the addresses to try when no leader is known; the first is tried first */
    public SettingsClient(Function<String, RaftServer> nodeAt, List<String> addresses) {
        this.nodeAt = nodeAt;
        this.addresses = List.copyOf(addresses);
        this.current = addresses.get(0);
    }

    // tag::routing[]
    /** Sets {@code name}; answers the log index the write was committed at. */
    public long set(String name, String value) throws InterruptedException, TimeoutException {
        byte[] command = ("set " + name + " " + value).getBytes(StandardCharsets.UTF_8);
        for (int hop = 0; hop < HOPS_MAX; hop++) {
            RaftServer node = nodeAt.apply(current);
            try {
                ProposalResult result = node.proposeWithIndex(command).get(10, TimeUnit.SECONDS);
                return result.index();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof NotLeaderException notLeader)) {
                    throw new CompletionException(e.getCause()); // timeouts: outcome unknown, the caller decides
                }
                // Go where the node says the leader is; with no leader known (an election), try the next node.
                current = notLeader.leaderAddress().orElse(addresses.get((hop + 1) % addresses.size()));
                if (notLeader.leaderAddress().isEmpty()) {
                    TimeUnit.MILLISECONDS.sleep(50L * (hop + 1)); // back off while the cluster elects
                }
            }
        }
        throw new TimeoutException("no leader found in " + HOPS_MAX + " hops");
    }
    // end::routing[]

    /** The address the client last used (the leader's, once routed). */
    public String current() {
        return current;
    }
}
