package dev.raftchat.raft.core;

/** Deliberately breaks every purity rule; used only to prove that the rules can fail. */
public final class ImpureForTest {
    long now() {
        return System.currentTimeMillis();
    }

    void write() throws java.io.IOException {
        try (java.io.FileOutputStream out = new java.io.FileOutputStream("/dev/null")) {
            out.write(1);
        }
    }

    void spawn() {
        new Thread(() -> {}).start();
    }
}
