package dev.raftchat.raft.model;

import dev.raftchat.raft.core.RaftNode;

/** Deliberately makes {@code model} depend on {@code core}; used only to prove the cycle rule can fail. */
public final class CycleForTest {
    private CycleForTest() {}

    static long idOf(RaftNode node) {
        return node.id();
    }
}
