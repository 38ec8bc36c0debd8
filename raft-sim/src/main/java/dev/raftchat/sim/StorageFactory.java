package dev.raftchat.sim;

import java.util.SplittableRandom;

/**
 * Makes the disk of each simulated node. A simulation may choose a factory per seed, so that several
 * storage implementations share the seeds of one run.
 */
@FunctionalInterface
public interface StorageFactory {

    /**
     * A fresh, empty disk for node {@code nodeId}. {@code random} is the node's own disk stream, for
     * implementations that draw latencies or corruption themselves.
     */
    SimDisk createDisk(long nodeId, SplittableRandom random);

    /** The in-memory durability model: synced state survives, an unsynced suffix may not. */
    static StorageFactory model() {
        return new Named("model", (nodeId, random) -> new ModelDisk());
    }

    /** A factory with a name for reports. */
    record Named(String name, StorageFactory factory) implements StorageFactory {
        @Override
        public SimDisk createDisk(long nodeId, SplittableRandom random) {
            return factory.createDisk(nodeId, random);
        }
    }
}
