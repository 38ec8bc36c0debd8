package dev.raftchat.bench.harness;

import java.util.concurrent.CompletableFuture;

/**
 * A three-node cluster of one Raft library, started in this JVM, as the closed-loop workload sees it.
 *
 * <p>Threading: {@link #start} and {@link #close} are called by the benchmark thread; {@link #propose} is
 * called concurrently by many clients, including from the library's own completion threads.
 */
// "try": close() waits for a library's threads and may be interrupted; the benchmark thread that closes a
// cluster treats an interrupt as the end of the run, so nothing is lost if try-with-resources sees it.
@SuppressWarnings("try")
public interface BenchCluster extends AutoCloseable {

    /** Starts the nodes and returns once a leader is elected and has committed one proposal. */
    void start() throws Exception;

    /**
     * Submits {@code payload} in-process to the leader. The future completes once the proposal is
     * committed and applied on the leader, or exceptionally if the library rejected or lost it.
     */
    CompletableFuture<?> propose(byte[] payload);

    /** How proposals reach the leader and what the log is, for the report (e.g. "Netty RPC, in-process"). */
    String description();

    @Override
    void close() throws Exception;
}
