package dev.raftchat.sim;

/** A safety or liveness violation found by the simulator, or a broken promise by the node under test. */
public final class SimulationFailure extends RuntimeException {
    public SimulationFailure(String message) {
        super(message);
    }

    public SimulationFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
