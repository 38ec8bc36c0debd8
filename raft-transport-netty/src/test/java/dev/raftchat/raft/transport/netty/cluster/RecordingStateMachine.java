package dev.raftchat.raft.transport.netty.cluster;

import dev.raftchat.raft.statemachine.StateMachine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Remembers every applied command in order, and checks that log indexes only grow. */
final class RecordingStateMachine implements StateMachine {
    private final List<String> applied = new ArrayList<>();
    private long lastIndex;

    @Override
    public synchronized byte[] apply(long index, byte[] command) {
        if (index <= lastIndex) {
            throw new IllegalStateException("applied index " + index + " after " + lastIndex);
        }
        lastIndex = index;
        applied.add(new String(command, StandardCharsets.UTF_8));
        return ("applied " + index).getBytes(StandardCharsets.UTF_8);
    }

    synchronized List<String> applied() {
        return List.copyOf(applied);
    }
}
