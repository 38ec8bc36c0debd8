package dev.raftchat.sim;

import java.util.SplittableRandom;

/**
 * Which faults one run injects and how hard ("swarm testing": each seed enables a random subset, so
 * that rare combinations are not drowned out by always-on noise).
 *
 * @param dropProbability         chance that a message is lost
 * @param duplicateProbability    chance that a message is delivered twice
 * @param delayProbability        chance that a message gets an extra delay (which reorders it)
 * @param delayMillisMax          the largest extra delay
 * @param partitions              symmetric partitions: isolate one, halves, majority ring, bridge
 * @param asymmetricPartitions    one-way cuts
 * @param cloggedLinks            links that become very slow for a while
 * @param crashes                 crash a node and restart it from its durable state
 * @param pauses                  stop a node (no ticks, no delivery) and resume it later
 * @param slowSyncProbability     chance that one sync takes very long
 * @param nemesisIntervalMillisMax the longest gap between two nemesis actions
 * @param leadershipTransfers     ask the leader to hand over to another node now and then
 * @param membershipChanges       add nodes (as learners, then voters, or directly as voters) and remove
 *                                voters, under all the other faults
 */
public record FaultPlan(
        double dropProbability,
        double duplicateProbability,
        double delayProbability,
        int delayMillisMax,
        boolean partitions,
        boolean asymmetricPartitions,
        boolean cloggedLinks,
        boolean crashes,
        boolean pauses,
        double slowSyncProbability,
        int nemesisIntervalMillisMax,
        boolean leadershipTransfers,
        boolean membershipChanges) {

    public FaultPlan {
        checkProbability("dropProbability", dropProbability);
        checkProbability("duplicateProbability", duplicateProbability);
        checkProbability("delayProbability", delayProbability);
        checkProbability("slowSyncProbability", slowSyncProbability);
        if (delayMillisMax < 0) {
            throw new IllegalArgumentException("delayMillisMax must be >= 0, got " + delayMillisMax);
        }
        if (nemesisIntervalMillisMax < 10) {
            throw new IllegalArgumentException(
                    "nemesisIntervalMillisMax must be >= 10, got " + nemesisIntervalMillisMax);
        }
    }

    private static void checkProbability(String name, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1], got " + p);
        }
    }

    public static final FaultPlan NONE =
            new FaultPlan(0, 0, 0, 0, false, false, false, false, false, 0, 1000, false, false);

    /** A random subset of the faults, each enabled with probability one half. */
    public static FaultPlan swarm(SplittableRandom r) {
        return new FaultPlan(
                r.nextBoolean() ? 0.01 + r.nextDouble() * 0.2 : 0,
                r.nextBoolean() ? 0.01 + r.nextDouble() * 0.1 : 0,
                r.nextBoolean() ? 0.05 + r.nextDouble() * 0.3 : 0,
                20 + r.nextInt(200),
                r.nextBoolean(),
                r.nextBoolean(),
                r.nextBoolean(),
                r.nextBoolean(),
                r.nextBoolean(),
                r.nextBoolean() ? 0.01 + r.nextDouble() * 0.1 : 0,
                100 + r.nextInt(900),
                r.nextBoolean(),
                r.nextBoolean());
    }

    /** True when at least one nemesis action (partition, clog, crash, pause, transfer, membership) is enabled. */
    public boolean hasNemesis() {
        return partitions
                || asymmetricPartitions
                || cloggedLinks
                || crashes
                || pauses
                || leadershipTransfers
                || membershipChanges;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (dropProbability > 0) sb.append(String.format(" drop=%.3f", dropProbability));
        if (duplicateProbability > 0) sb.append(String.format(" dup=%.3f", duplicateProbability));
        if (delayProbability > 0) sb.append(String.format(" delay=%.2f<=%dms", delayProbability, delayMillisMax));
        if (partitions) sb.append(" partitions");
        if (asymmetricPartitions) sb.append(" asymmetric");
        if (cloggedLinks) sb.append(" clog");
        if (crashes) sb.append(" crashes");
        if (pauses) sb.append(" pauses");
        if (leadershipTransfers) sb.append(" transfers");
        if (membershipChanges) sb.append(" membership");
        if (slowSyncProbability > 0) sb.append(String.format(" slowsync=%.3f", slowSyncProbability));
        sb.append(" nemesis<=").append(nemesisIntervalMillisMax).append("ms");
        return sb.toString().trim();
    }
}
