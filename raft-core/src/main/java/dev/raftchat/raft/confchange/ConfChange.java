package dev.raftchat.raft.confchange;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * A membership change, carried in a {@code CONFIG_CHANGE} log entry.
 *
 * <p>Either a set of operations applied at once (which enters a joint configuration whenever the
 * voter set changes, Raft thesis §4.3), or the marker that leaves the current joint configuration.
 * Leaders append the leave marker themselves once a joint configuration is applied.
 *
 * <p>A change may carry a {@link #context()}: opaque bytes of the application (typically the new member's
 * address) that replicate with the change and reach every node's
 * {@link dev.raftchat.raft.statemachine.StateMachine#applyMembershipChange} at the same log index, so no
 * embedder has to replicate peer addresses beside the log. The state machine keeps what it needs of it
 * in its own state, which its snapshots carry (the log entry itself is compacted away).
 *
 * <p>Wire format (stable; part of the log): version byte {@code 1}, a flags byte (bit 0: leave joint),
 * a big-endian int count, then per operation a type byte and a big-endian long node id. A change with a
 * non-empty context is written as version {@code 2}: the same, followed by a big-endian int length and
 * the context bytes. A change without context is still written as version 1, so that older builds read it.
 */
public record ConfChange(List<Op> ops, boolean leaveJoint, byte[] context) {

    private static final byte FORMAT_VERSION = 1;
    private static final byte FORMAT_VERSION_WITH_CONTEXT = 2;
    private static final int OPS_MAX = 1024;
    /** The largest context a change may carry: it travels in one log entry and is kept by every replica. */
    public static final int CONTEXT_BYTES_MAX = 64 * 1024;

    private static final byte[] NO_CONTEXT = new byte[0];

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
        context = context == null ? NO_CONTEXT : context.clone();
        if (context.length > CONTEXT_BYTES_MAX) {
            throw new IllegalArgumentException(
                    "a change's context is at most " + CONTEXT_BYTES_MAX + " bytes, got " + context.length);
        }
        if (leaveJoint && context.length > 0) {
            throw new IllegalArgumentException("leaving a joint configuration carries no context");
        }
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

    /** A change without context. */
    public ConfChange(List<Op> ops, boolean leaveJoint) {
        this(ops, leaveJoint, NO_CONTEXT);
    }

    /** The application's bytes that travel with this change (empty when none); a copy. */
    @Override
    public byte[] context() {
        return context.clone();
    }

    /** This change carrying {@code context} (copied). */
    public ConfChange withContext(byte[] context) {
        return new ConfChange(ops, leaveJoint, context);
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
        boolean withContext = context.length > 0;
        ByteBuffer buf =
                ByteBuffer.allocate(1 + 1 + 4 + ops.size() * 9 + (withContext ? Integer.BYTES + context.length : 0));
        buf.put(withContext ? FORMAT_VERSION_WITH_CONTEXT : FORMAT_VERSION);
        buf.put((byte) (leaveJoint ? 1 : 0));
        buf.putInt(ops.size());
        for (Op op : ops) {
            buf.put(op.type().code);
            buf.putLong(op.nodeId());
        }
        if (withContext) {
            buf.putInt(context.length);
            buf.put(context);
        }
        return buf.array();
    }

    /** Decodes {@link #encode()}'s output; anything else fails with {@link IllegalArgumentException}. */
    public static ConfChange decode(byte[] bytes) {
        try {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            byte version = buf.get();
            if (version != FORMAT_VERSION && version != FORMAT_VERSION_WITH_CONTEXT) {
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
            byte[] context = NO_CONTEXT;
            if (version == FORMAT_VERSION_WITH_CONTEXT) {
                int length = buf.getInt();
                if (length < 1 || length > CONTEXT_BYTES_MAX || length > buf.remaining()) {
                    throw new IllegalArgumentException("bad context length " + length);
                }
                context = new byte[length];
                buf.get(context);
            }
            if (buf.hasRemaining()) {
                throw new IllegalArgumentException(buf.remaining() + " trailing bytes after configuration change");
            }
            return new ConfChange(ops, leave, context);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated configuration change", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfChange other
                && ops.equals(other.ops)
                && leaveJoint == other.leaveJoint
                && Arrays.equals(context, other.context);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * ops.hashCode() + Boolean.hashCode(leaveJoint)) + Arrays.hashCode(context);
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
        if (context.length > 0) {
            sb.append(" ctx=")
                    .append(HexFormat.of().formatHex(context, 0, Math.min(context.length, 16)))
                    .append(context.length > 16 ? "..." : "");
        }
        return sb.toString();
    }
}
