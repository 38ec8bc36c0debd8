package dev.raftchat.chat.testkit;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * A stand-in for raft-chat in {@link RaftChatClusterTest}: prints what it was started with (its arguments, the
 * secret file, its working directory, whether any other {@code RAFT_CHAT_*} variable reached it) and then runs
 * until it is signalled.
 */
public final class FakeNode {
    private FakeNode() {}

    public static void main(String[] args) throws InterruptedException {
        System.out.println("args: " + String.join(" ", args));
        System.out.println("secret: " + System.getenv(RaftChatCluster.SECRET_FILE_VARIABLE));
        System.out.println("extra: " + System.getenv("RAFT_CHAT_EXTRA"));
        System.out.println("cwd: " + Path.of("").toAbsolutePath());
        System.out.println("tmpdir: " + System.getProperty("java.io.tmpdir"));
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
