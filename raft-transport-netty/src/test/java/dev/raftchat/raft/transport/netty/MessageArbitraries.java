package dev.raftchat.raft.transport.netty;

import dev.raftchat.raft.message.AppendRequest;
import dev.raftchat.raft.message.AppendResponse;
import dev.raftchat.raft.message.ForwardProposal;
import dev.raftchat.raft.message.HeartbeatRequest;
import dev.raftchat.raft.message.HeartbeatResponse;
import dev.raftchat.raft.message.InstallSnapshotRequest;
import dev.raftchat.raft.message.InstallSnapshotResponse;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.message.ReadIndexRequest;
import dev.raftchat.raft.message.ReadIndexResponse;
import dev.raftchat.raft.message.TimeoutNow;
import dev.raftchat.raft.message.VoteRequest;
import dev.raftchat.raft.message.VoteResponse;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.EntryType;
import dev.raftchat.raft.model.SnapshotMeta;
import java.util.List;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Generators of every valid peer message, covering the full range of each field. */
final class MessageArbitraries {
    private MessageArbitraries() {}

    static Arbitrary<Long> nodeIds() {
        return Arbitraries.longs().between(1, Long.MAX_VALUE);
    }

    static Arbitrary<Long> counts() {
        return Arbitraries.longs().between(0, Long.MAX_VALUE);
    }

    static Arbitrary<Boolean> flags() {
        return Arbitraries.of(true, false);
    }

    static Arbitrary<byte[]> bytes(int maxSize) {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(maxSize);
    }

    static Arbitrary<Entry> entries() {
        return Combinators.combine(
                        Arbitraries.longs().between(1, Long.MAX_VALUE),
                        Arbitraries.longs().between(1, Long.MAX_VALUE),
                        Arbitraries.of(EntryType.class),
                        bytes(64))
                .as((term, index, type, data) -> new Entry(term, index, type, data));
    }

    static Arbitrary<ConfState> confStates() {
        // Each distinct id gets a role: 0 voter, 1 outgoing voter, 2 both, 3 learner; the first is a voter.
        return Arbitraries.longs()
                .between(1, Long.MAX_VALUE)
                .set()
                .ofMinSize(1)
                .ofMaxSize(9)
                .flatMap(ids -> Arbitraries.integers()
                        .between(0, 3)
                        .list()
                        .ofSize(ids.size())
                        .map(roles -> {
                            TreeSet<Long> voters = new TreeSet<>();
                            TreeSet<Long> outgoing = new TreeSet<>();
                            TreeSet<Long> learners = new TreeSet<>();
                            int i = 0;
                            for (long id : ids) {
                                int role = i == 0 ? 0 : roles.get(i);
                                i++;
                                switch (role) {
                                    case 0 -> voters.add(id);
                                    case 1 -> outgoing.add(id);
                                    case 2 -> {
                                        voters.add(id);
                                        outgoing.add(id);
                                    }
                                    default -> learners.add(id);
                                }
                            }
                            return new ConfState(voters, outgoing, learners);
                        }));
    }

    static Arbitrary<SnapshotMeta> snapshotMetas() {
        return Combinators.combine(counts(), counts(), confStates()).as(SnapshotMeta::new);
    }

    static Arbitrary<Message> messages() {
        Arbitrary<Long> from = nodeIds();
        Arbitrary<Long> to = nodeIds();
        Arbitrary<Long> term = counts();
        return Arbitraries.oneOf(List.of(
                Combinators.combine(from, to, term, counts(), counts(), flags(), flags())
                        .as(VoteRequest::new),
                Combinators.combine(from, to, term, flags(), flags()).as(VoteResponse::new),
                Combinators.combine(
                                from,
                                to,
                                term,
                                counts(),
                                counts(),
                                entries().list().ofMaxSize(5),
                                counts())
                        .as(AppendRequest::new),
                Combinators.combine(from, to, term, flags(), counts(), counts(), counts())
                        .as(AppendResponse::new),
                Combinators.combine(from, to, term, counts(), counts()).as(HeartbeatRequest::new),
                Combinators.combine(from, to, term, counts()).as(HeartbeatResponse::new),
                Combinators.combine(
                                from,
                                to,
                                term,
                                counts(),
                                counts(),
                                bytes(32).list().ofMaxSize(4))
                        .as(ForwardProposal::new),
                Combinators.combine(from, to, term).as(TimeoutNow::new),
                Combinators.combine(from, to, term, counts()).as(ReadIndexRequest::new),
                // raft-core's form: a refusal (ok=false) always carries readIndex -1.
                Combinators.combine(from, to, term, counts(), counts(), flags())
                        .as((f, t, tm, context, index, ok) ->
                                new ReadIndexResponse(f, t, tm, context, ok ? index : -1, ok)),
                Combinators.combine(from, to, term, snapshotMetas(), counts(), bytes(128), flags())
                        .as(InstallSnapshotRequest::new),
                Combinators.combine(from, to, term, counts(), counts(), flags()).as(InstallSnapshotResponse::new)));
    }
}
