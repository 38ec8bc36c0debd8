package dev.raftchat.chat;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code raft-chat cds-training}: runs a {@link ScratchCluster} (a throwaway three-node cluster in this JVM,
 * posts through its HTTP ports, closed and deleted) and exits. {@code bin/raft-chat} runs it once per jar with
 * {@code -XX:ArchiveClassesAtExit}, so that the JVM archives the classes a node loads for its startup and a
 * post's path (class data sharing); later starts map them instead of loading, verifying and linking them
 * again. Hidden from the usage: it serves the launcher and touches nothing outside its temporary directory.
 *
 * <p>Exit codes: 0 when the scratch cluster answered at least one post, 1 otherwise.
 */
@Command(
        name = "cds-training",
        hidden = true,
        mixinStandardHelpOptions = true,
        description = "Run a scratch 3-node cluster in this JVM for a while and exit (bin/raft-chat's CDS training).")
public final class ClassArchiveTraining implements Callable<Integer> {
    /** The whole run's bound, startup and election included. */
    static final long BUDGET_MILLIS = 60_000;

    @Option(
            names = "--post-ms",
            defaultValue = "3000",
            description = "How long to post after the scratch cluster answers (default: ${DEFAULT-VALUE}).")
    long postMillis;

    @Option(
            names = "--posts-max",
            defaultValue = "2000",
            description = "Stop after this many answered posts (default: ${DEFAULT-VALUE}).")
    long postsMax;

    @Override
    public Integer call() {
        ScratchCluster.Result result = ScratchCluster.run(BUDGET_MILLIS, postMillis, postsMax);
        System.out.printf(
                "cds-training: %d posts answered by a scratch cluster in %d ms (first after %d ms)%n",
                result.posts(), result.elapsedMillis(), result.leaderMillis());
        return result.posts() > 0 ? 0 : 1;
    }
}
