package dev.raftchat.sim;

/** A client operation while it runs; becomes a {@link KvOp} in the final history. Simulator thread only. */
final class OpRecord {
    final int id;
    final int process;
    /** The issuing client's index, or -1 for the liveness probe. */
    final int client;

    final KvCommand command;
    final long invokeMillis;
    /** Null while the outcome is open. */
    KvOp.Outcome outcome;

    long result;
    long completeMillis;
    /** The log index at which the command was applied on its proposer, or 0. */
    long appliedIndex;
    /** A read served by ReadIndex (thesis §6.4) rather than through the log. */
    final boolean viaReadIndex;
    /** For a ReadIndex read: the confirmed read index, or -1 until it is known. */
    long readIndex = -1;

    OpRecord(int id, int process, int client, KvCommand command, long invokeMillis, boolean viaReadIndex) {
        if (viaReadIndex && command.kind() != KvOp.Kind.READ) {
            throw new IllegalArgumentException("only reads go through ReadIndex: " + command);
        }
        this.viaReadIndex = viaReadIndex;
        this.id = id;
        this.process = process;
        this.client = client;
        this.command = command;
        this.invokeMillis = invokeMillis;
    }

    boolean isOpen() {
        return outcome == null;
    }

    KvOp toKvOp() {
        KvOp.Outcome o = outcome == null ? KvOp.Outcome.INFO : outcome;
        return new KvOp(
                id,
                process,
                command.key(),
                command.kind(),
                command.argument(),
                command.expected(),
                o,
                result,
                invokeMillis,
                o == KvOp.Outcome.INFO ? Long.MAX_VALUE : completeMillis);
    }

    @Override
    public String toString() {
        return "op#" + id + " " + command.kind() + (viaReadIndex ? "(ReadIndex)" : "") + " k" + command.key()
                + (command.kind() == KvOp.Kind.READ ? "" : " " + command.argument())
                + (command.kind() == KvOp.Kind.CAS ? " if " + command.expected() : "")
                + " via node " + command.originNode();
    }
}
