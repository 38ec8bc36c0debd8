package dev.raftchat.sim;

/** A safety or liveness violation found by the simulator, or a broken promise by the node under test. */
public final class SimulationFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SimulationFailure(String message) {
        super(message);
    }

    public SimulationFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
