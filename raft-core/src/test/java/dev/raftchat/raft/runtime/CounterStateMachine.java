package dev.raftchat.raft.runtime;

import dev.raftchat.raft.statemachine.StateMachine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;

/**
 * A tiny example state machine: named counters. The command {@code "add <name> <delta>"} adds to a
 * counter and returns its new value as text; the query {@code "<name>"} reads one; a malformed command returns {@code "error: ..."} (it must
 * not throw, per the {@link StateMachine} contract). Deterministic: no clock, no randomness.
 *
 * <p>Applied on the Raft thread; the test thread reads it through the synchronized accessors.
 */
final class CounterStateMachine implements StateMachine {

    private final Map<String, Long> counters = new TreeMap<>();
    /** Every applied command, in log order, for comparing replicas. */
    private final List<String> appliedCommands = new ArrayList<>();

    private volatile String commandThatThrows;

    static byte[] add(String name, long delta) {
        return ("add " + name + " " + delta).getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Makes {@link #apply} throw on this command, to test that the server stops. */
    void throwOn(String command) {
        commandThatThrows = command;
    }

    @Override
    public synchronized byte[] apply(long index, byte[] command) {
        String text = text(command);
        if (text.equals(commandThatThrows)) {
            throw new IllegalArgumentException("test state machine told to fail on '" + text + "'");
        }
        appliedCommands.add(text);
        String[] parts = text.split(" ");
        if (parts.length != 3 || !parts[0].equals("add")) {
            return ("error: unknown command '" + text + "'").getBytes(StandardCharsets.UTF_8);
        }
        long delta;
        try {
            delta = Long.parseLong(parts[2]);
        } catch (NumberFormatException e) {
            return ("error: not a number '" + parts[2] + "'").getBytes(StandardCharsets.UTF_8);
        }
        long value = counters.merge(parts[1], delta, Long::sum);
        return Long.toString(value).getBytes(StandardCharsets.UTF_8);
    }

    private volatile CountDownLatch stallEntered;
    private volatile CountDownLatch stallReleased;

    /**
     * Makes the next query stall the thread that runs it (the Raft thread: a GC pause, a slow disk) until
     * {@code released} opens; {@code entered} opens once it stalls.
     */
    void stallNextQuery(CountDownLatch entered, CountDownLatch released) {
        stallReleased = released;
        stallEntered = entered;
    }

    /** The query is a counter's name; the answer its value as text. A name "throw" makes the query throw. */
    @Override
    public byte[] query(byte[] query) {
        CountDownLatch entered = stallEntered;
        if (entered != null) {
            stallEntered = null;
            entered.countDown();
            try {
                stallReleased.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return answer(query);
    }

    private synchronized byte[] answer(byte[] query) {
        String name = text(query);
        if (name.equals("throw")) {
            throw new IllegalArgumentException("test state machine told to fail this query");
        }
        return Long.toString(counters.getOrDefault(name, 0L)).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] get(String name) {
        return name.getBytes(StandardCharsets.UTF_8);
    }

    synchronized List<String> appliedCommands() {
        return List.copyOf(appliedCommands);
    }

    synchronized long counter(String name) {
        return counters.getOrDefault(name, 0L);
    }
}
