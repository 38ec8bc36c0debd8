package dev.raftchat.raft.core;

import java.io.FileOutputStream;
import java.io.IOException;

/** Deliberately breaks every purity rule; used only to prove that the rules can fail. */
public final class ImpureForTest {
    long now() {
        return System.currentTimeMillis();
    }

    void write() throws IOException {
        try (FileOutputStream out = new FileOutputStream("/dev/null")) {
            out.write(1);
        }
    }

    void spawn() {
        new Thread(() -> {}).start();
    }
}
