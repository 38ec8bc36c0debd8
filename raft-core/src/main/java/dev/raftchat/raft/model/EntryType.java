package dev.raftchat.raft.model;

/** The kinds of log entries. The byte codes are part of the storage and wire formats: never reuse one. */
public enum EntryType {
    /** Application data, handed to the state machine. */
    NORMAL((byte) 0),
    /** Appended by every new leader (Raft §8) so that it can commit entries of earlier terms. */
    NO_OP((byte) 1),
    /** A membership change; its data is an encoded configuration change. */
    CONFIG_CHANGE((byte) 2);

    private final byte code;

    EntryType(byte code) {
        this.code = code;
    }

    public byte code() {
        return code;
    }

    public static EntryType fromCode(byte code) {
        return switch (code) {
            case 0 -> NORMAL;
            case 1 -> NO_OP;
            case 2 -> CONFIG_CHANGE;
            default -> throw new IllegalArgumentException("unknown entry type code " + code);
        };
    }
}
