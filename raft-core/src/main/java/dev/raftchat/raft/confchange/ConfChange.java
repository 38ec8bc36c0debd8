package dev.raftchat.raft.confchange;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A membership change, carried in a {@code CONFIG_CHANGE} log entry.
 *
 * <p>Either a set of operations applied at once (which enters a joint configuration whenever the
 * voter set changes, Raft thesis §4.3), or the marker that leaves the current joint configuration.
 * Leaders append the leave marker themselves once a joint configuration is applied.
 *
 * <p>Wire format (stable; part of the log): version byte {@code 1}, a flags byte (bit 0: leave joint),
 * a big-endian int count, then per operation a type byte and a big-endian long node id.
 */
public record ConfChange(List<Op> ops, boolean leaveJoint) {

    private static final byte FORMAT_VERSION = 1;
    private static final int OPS_MAX = 1024;

    public enum OpType {
        ADD_VOTER((byte) 0),
        ADD_LEARNER((byte) 1),
        REMOVE((byte) 2);

        private final byte code;

        OpType(byte code) {
            this.code = code;
        }

        static OpType fromCode(byte code) {
            for (OpType t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            throw new IllegalArgumentException("unknown configuration change operation code " + code);
        }
    }

    /** One operation on one node. */
    public record Op(OpType type, long nodeId) {
        public Op {
            Objects.requireNonNull(type, "type");
            if (nodeId <= 0) {
                throw new IllegalArgumentException("node ids must be positive, got " + nodeId);
            }
        }
    }

    public ConfChange {
        ops = List.copyOf(ops);
        if (leaveJoint && !ops.isEmpty()) {
            throw new IllegalArgumentException("leaving a joint configuration carries no operations");
        }
        if (!leaveJoint && ops.isEmpty()) {
            throw new IllegalArgumentException("a configuration change needs at least one operation");
        }
        if (ops.size() > OPS_MAX) {
            throw new IllegalArgumentException("at most " + OPS_MAX + " operations per change, got " + ops.size());
        }
    }

    public static ConfChange of(Op... ops) {
        return new ConfChange(List.of(ops), false);
    }

    public static ConfChange addVoter(long id) {
        return of(new Op(OpType.ADD_VOTER, id));
    }

    public static ConfChange addLearner(long id) {
        return of(new Op(OpType.ADD_LEARNER, id));
    }

    public static ConfChange remove(long id) {
        return of(new Op(OpType.REMOVE, id));
    }

    public static ConfChange leave() {
        return new ConfChange(List.of(), true);
    }

    public byte[] encode() {
        ByteBuffer buf = ByteBuffer.allocate(1 + 1 + 4 + ops.size() * 9);
        buf.put(FORMAT_VERSION);
        buf.put((byte) (leaveJoint ? 1 : 0));
        buf.putInt(ops.size());
        for (Op op : ops) {
            buf.put(op.type().code);
            buf.putLong(op.nodeId());
        }
        return buf.array();
    }

    /** Decodes {@link #encode()}'s output; anything else fails with {@link IllegalArgumentException}. */
    public static ConfChange decode(byte[] bytes) {
        try {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            byte version = buf.get();
            if (version != FORMAT_VERSION) {
                throw new IllegalArgumentException("unknown configuration change format version " + version);
            }
            boolean leave = (buf.get() & 1) != 0;
            int count = buf.getInt();
            if (count < 0 || count > OPS_MAX) {
                throw new IllegalArgumentException("bad operation count " + count);
            }
            List<Op> ops = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                OpType type = OpType.fromCode(buf.get());
                ops.add(new Op(type, buf.getLong()));
            }
            if (buf.hasRemaining()) {
                throw new IllegalArgumentException(buf.remaining() + " trailing bytes after configuration change");
            }
            return new ConfChange(ops, leave);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated configuration change", e);
        }
    }

    @Override
    public String toString() {
        if (leaveJoint) {
            return "leave-joint";
        }
        StringBuilder sb = new StringBuilder();
        for (Op op : ops) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(
                            switch (op.type()) {
                                case ADD_VOTER -> "v";
                                case ADD_LEARNER -> "l";
                                case REMOVE -> "r";
                            })
                    .append(op.nodeId());
        }
        return sb.toString();
    }
}
