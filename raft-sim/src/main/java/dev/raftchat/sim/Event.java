package dev.raftchat.sim;

import dev.raftchat.raft.message.AppendRequest;
import dev.raftchat.raft.message.ForwardProposal;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.EntryType;

/**
 * One scheduled happening. Events run in (virtual time, sequence number) order, the sequence number
 * being the order of scheduling, so equal times never depend on anything but the seed.
 */
final class Event implements Comparable<Event> {

    enum Type {
        TICK,
        DELIVER,
        SYNC_DONE,
        CLIENT_INVOKE,
        OP_TIMEOUT,
        NEMESIS,
        RESTART,
        RESUME,
        HEAL_PARTITION,
        UNCLOG,
        HEAL_ALL,
        LIVENESS_CHECK,
        CRASH,
        /** An extra client op after a transfer from a deaf leader (payload: the op's kind); target: the node. */
        LEASE_PROBE
    }

    final long timeMillis;
    final long sequence;
    final Type type;
    /** The node index (0-based) or client index the event concerns; -1 when none. */
    final int target;
    /** The node incarnation the event belongs to, so events of a crashed incarnation are ignored. */
    final int incarnation;

    final Object payload;

    Event(long timeMillis, long sequence, Type type, int target, int incarnation, Object payload) {
        this.timeMillis = timeMillis;
        this.sequence = sequence;
        this.type = type;
        this.target = target;
        this.incarnation = incarnation;
        this.payload = payload;
    }

    @Override
    public int compareTo(Event o) {
        int byTime = Long.compare(timeMillis, o.timeMillis);
        return byTime != 0 ? byTime : Long.compare(sequence, o.sequence);
    }

    /** A hash that depends only on deterministic content (never on identity hash codes). */
    @SuppressWarnings("EnumOrdinal") // the hash is compared only between runs of the same build
    long contentHash() {
        long h = InvariantChecker.mix(timeMillis * 31 + type.ordinal());
        h = InvariantChecker.mix(h ^ (target + 1L) * 0x9E3779B97F4A7C15L ^ incarnation);
        if (payload instanceof Message m) {
            h = InvariantChecker.mix(h
                    ^ m.from() * 1_000_003L
                    ^ m.to() * 7919L
                    ^ m.term()
                    ^ m.getClass().getSimpleName().hashCode());
            if (m instanceof AppendRequest a) {
                h = InvariantChecker.mix(h ^ a.prevLogIndex() * 31 ^ a.entries().size() ^ a.leaderCommit() << 20);
            }
        } else if (payload instanceof String s) {
            h = InvariantChecker.mix(h ^ s.hashCode());
        } else if (payload instanceof Long l) {
            h = InvariantChecker.mix(h ^ l);
        }
        return h;
    }

    /** Messages with their commands' request ids, which is what one needs to follow a client op. */
    private static String describe(Object payload) {
        if (payload instanceof AppendRequest a) {
            StringBuilder sb =
                    new StringBuilder("AppendRequest[" + a.from() + "->" + a.to() + " term=" + a.term() + " prev="
                            + a.prevLogIndex() + "@" + a.prevLogTerm() + " commit=" + a.leaderCommit() + " entries=");
            for (Entry e : a.entries()) {
                sb.append(' ').append(e.index()).append('@').append(e.term());
                if (e.type() == EntryType.NORMAL) {
                    sb.append(":r").append(requestIdOf(e.data()));
                } else {
                    sb.append(':').append(e.type());
                }
            }
            return sb.append(']').toString();
        }
        if (payload instanceof ForwardProposal f) {
            StringBuilder sb = new StringBuilder("ForwardProposal[" + f.from() + "->" + f.to() + " session="
                    + f.session() + " seq=" + f.sequence() + " requests=");
            for (byte[] p : f.payloads()) {
                sb.append(" r").append(requestIdOf(p));
            }
            return sb.append(']').toString();
        }
        return String.valueOf(payload);
    }

    private static String requestIdOf(byte[] data) {
        try {
            return Long.toString(KvCommand.decode(data).requestId());
        } catch (IllegalArgumentException e) {
            return "?";
        }
    }

    @Override
    public String toString() {
        String who = target < 0
                ? ""
                : (type == Type.CLIENT_INVOKE || type == Type.OP_TIMEOUT ? " client " : " node ")
                        + (type == Type.CLIENT_INVOKE || type == Type.OP_TIMEOUT ? target : target + 1);
        return String.format("%8dms %-14s%s%s", timeMillis, type, who, payload == null ? "" : " " + describe(payload));
    }
}
