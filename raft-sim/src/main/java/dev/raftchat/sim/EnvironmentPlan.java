package dev.raftchat.sim;

import dev.raftchat.raft.core.NodeConfig;
import java.util.SplittableRandom;

/**
 * The faults of the nodes' own environment that one run adds to its {@link FaultPlan}, and the reads its
 * workload sends. Drawn per seed from its own stream ({@link #forSeed}), so that adding these did not
 * reshuffle the other choices a seed makes.
 *
 * @param clockDrift             how fast each node's clock runs against virtual time
 * @param sameSeedRestarts       a restarted node gets the same {@code NodeConfig.randomSeed} as before
 * @param staleMessages          after a restart, messages of and to the node's previous incarnation are
 *                               delivered again (ReadIndex responses included)
 * @param snapshotLeaderChanges  when a snapshot transfer starts, the leader is often made to hand over or
 *                               is paused, so that transfers span leader changes
 * @param followerReads          clients send their reads, all by ReadIndex, to followers
 * @param byteDifferentSnapshots each node writes logically equal snapshots with different bytes (the
 *                               {@code StateMachine} contract allows it), so a transfer spliced from two
 *                               leaders' snapshots is caught
 */
public record EnvironmentPlan(
        ClockDrift clockDrift,
        boolean sameSeedRestarts,
        boolean staleMessages,
        boolean snapshotLeaderChanges,
        boolean followerReads,
        boolean byteDifferentSnapshots) {

    /**
     * Clock drift between nodes. The lease promises safety while one node's clock runs at most
     * {@code electionTimeoutTicks / (electionTimeoutTicks - leaseClockDriftTicks)} times as fast as
     * another's (1.25 with the defaults, 10 and 2 ticks).
     */
    public enum ClockDrift {
        /** Every clock runs at virtual time's rate. */
        NONE(0),
        /** Rates within +-5 %: at most 1.105 times as fast, inside the lease's bound. */
        WITHIN_BOUND(0.05),
        /**
         * Rates within +-30 %: up to 1.86 times as fast, outside the lease's promise. Such runs use ReadIndex
         * only (lease reads off), which must stay linearizable whatever the clocks do.
         */
        BEYOND_BOUND(0.30);

        /** The largest relative deviation of a node's clock rate from 1. */
        public final double rateDeviationMax;

        ClockDrift(double rateDeviationMax) {
            this.rateDeviationMax = rateDeviationMax;
        }

        /** The fastest clock over the slowest one, at most. */
        public double rateRatioMax() {
            return (1 + rateDeviationMax) / (1 - rateDeviationMax);
        }
    }

    /** The ratio of clock rates the lease tolerates with the default election timeout and drift margin. */
    public static double leaseRateRatioBound() {
        return (double) NodeConfig.DEFAULT_ELECTION_TIMEOUT_TICKS
                / (NodeConfig.DEFAULT_ELECTION_TIMEOUT_TICKS - NodeConfig.DEFAULT_LEASE_CLOCK_DRIFT_TICKS);
    }

    public static final EnvironmentPlan NONE = new EnvironmentPlan(ClockDrift.NONE, false, false, false, false, false);

    public EnvironmentPlan {
        if (clockDrift == null) {
            throw new IllegalArgumentException("clockDrift is required");
        }
        if (clockDrift != ClockDrift.BEYOND_BOUND && clockDrift.rateRatioMax() > leaseRateRatioBound()) {
            throw new IllegalArgumentException(clockDrift + " exceeds the lease's bound " + leaseRateRatioBound());
        }
    }

    /** The plan a seed stands for. */
    public static EnvironmentPlan forSeed(long seed) {
        SplittableRandom r = new SplittableRandom(seed ^ 0xC10C_D21F_7L);
        int drift = r.nextInt(8);
        return new EnvironmentPlan(
                drift < 4 ? ClockDrift.NONE : drift < 7 ? ClockDrift.WITHIN_BOUND : ClockDrift.BEYOND_BOUND,
                r.nextBoolean(),
                r.nextBoolean(),
                r.nextBoolean(),
                r.nextInt(3) == 0,
                true);
    }

    public EnvironmentPlan withClockDrift(ClockDrift drift) {
        return new EnvironmentPlan(
                drift, sameSeedRestarts, staleMessages, snapshotLeaderChanges, followerReads, byteDifferentSnapshots);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (clockDrift != ClockDrift.NONE) sb.append(" drift=").append(clockDrift);
        if (sameSeedRestarts) sb.append(" same-seed-restarts");
        if (staleMessages) sb.append(" stale-messages");
        if (snapshotLeaderChanges) sb.append(" snapshot-leader-changes");
        if (followerReads) sb.append(" follower-reads");
        if (byteDifferentSnapshots) sb.append(" byte-different-snapshots");
        return sb.toString().trim();
    }
}
