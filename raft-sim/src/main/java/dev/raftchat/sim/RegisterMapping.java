package dev.raftchat.sim;

import dev.raftchat.raft.statemachine.StateMachine;

/**
 * How the simulator runs an embedder's own {@link StateMachine}: its workload is reads, writes and
 * compare-and-sets of registers (int keys, long values; every written value is unique in a run, and a key
 * never written reads as {@link KvOp#NO_VALUE}), which this mapping turns into the embedder's commands and
 * queries, and whose results it decodes. Any store that can hold a value under a key and swap it conditionally
 * can be checked this way. The simulator then runs the embedder's machine on every node — through crashes,
 * restarts, snapshots it writes and installs, partitions and membership changes — and checks the history of
 * the results it returned for linearizability, and each result against a register model at its log index.
 *
 * <p>Implementations must be deterministic and stateless (one instance serves every node of a run).
 */
public interface RegisterMapping {

    /** A fresh, empty state machine, for a node that starts or restarts (it then restores the newest snapshot). */
    StateMachine create();

    /** The command that sets {@code key} to {@code value}. */
    byte[] write(int key, long value);

    /** The command that reads {@code key} through the log. */
    byte[] read(int key);

    /** The command that sets {@code key} to {@code value} if it holds {@code expected}. */
    byte[] compareAndSet(int key, long expected, long value);

    /** The query ({@link StateMachine#query}) that reads {@code key} without the log (ReadIndex and lease reads). */
    byte[] query(int key);

    /** The value in the result of {@link #read} or {@link #query}; {@link KvOp#NO_VALUE} for a key never written. */
    long value(byte[] result);

    /** Whether the result of {@link #compareAndSet} says that it swapped. */
    boolean swapped(byte[] result);
}
