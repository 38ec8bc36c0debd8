package dev.raftchat.examples;

import dev.raftchat.raft.statemachine.StateMachine;
import java.nio.charset.StandardCharsets;
import java.util.TreeMap;

/**
 * The replicated key-value store of the README: the whole state machine. Commands are
 * {@code "put key value"} and {@code "get key"}; both answer with the key's value before the command
 * (or the empty string). Reads go through the log too, which makes them linearizable.
 */
public final class KvStore implements StateMachine {
    private final TreeMap<String, String> values = new TreeMap<>();

    @Override
    public byte[] apply(long index, byte[] command) {
        String[] words = new String(command, StandardCharsets.UTF_8).split(" ", 3);
        String previous = switch (words[0]) {
            case "put" -> words.length == 3 ? values.put(words[1], words[2]) : "error: usage: put KEY VALUE";
            case "get" -> words.length >= 2 ? values.get(words[1]) : "error: usage: get KEY";
            default -> "error: unknown command " + words[0];
        };
        return (previous == null ? "" : previous).getBytes(StandardCharsets.UTF_8);
    }
}
