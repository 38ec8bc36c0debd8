package dev.raftchat.raft.transport.netty;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
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
import dev.raftchat.raft.transport.netty.proto.RaftProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Converts raft-core's {@link Message} records to and from the protobuf types generated from
 * {@code raft_messages.proto}. This class is the only place where the two meet: nothing else in the
 * project sees a generated protobuf type together with a core record.
 *
 * <p><b>Validation.</b> Both directions check every value: node ids are positive, terms, indexes and
 * offsets are non-negative (a uint64 with the top bit set would become a negative Java long and is
 * refused), every oneof and enum is set to a known value, entries satisfy {@link Entry}'s invariants,
 * and configurations satisfy {@link ConfState}'s. Any violation is a {@link CodecException}; no other
 * exception escapes for bad input. Checking on both sides of the wire pairs the assertions: a bad value
 * is caught where it is made and again where it arrives.
 *
 * <p><b>Threading.</b> Stateless and thread-safe.
 */
public final class MessageCodec {

    private MessageCodec() {}

    /** Encodes {@code message} into its protobuf envelope. */
    public static RaftProto.RaftMessage toProto(Message message) {
        if (message == null) {
            throw new CodecException("cannot encode a null message");
        }
        RaftProto.RaftMessage.Builder envelope = RaftProto.RaftMessage.newBuilder()
                .setFrom(nodeId("from", message.from()))
                .setTo(nodeId("to", message.to()))
                .setTerm(nonNegative("term", message.term()));
        if (message instanceof VoteRequest m) {
            envelope.setVoteRequest(RaftProto.VoteRequest.newBuilder()
                    .setLastLogIndex(nonNegative("lastLogIndex", m.lastLogIndex()))
                    .setLastLogTerm(nonNegative("lastLogTerm", m.lastLogTerm()))
                    .setPreVote(m.preVote())
                    .setTransfer(m.transfer()));
        } else if (message instanceof VoteResponse m) {
            envelope.setVoteResponse(
                    RaftProto.VoteResponse.newBuilder().setPreVote(m.preVote()).setGranted(m.granted()));
        } else if (message instanceof AppendRequest m) {
            RaftProto.AppendRequest.Builder body = RaftProto.AppendRequest.newBuilder()
                    .setPrevLogIndex(nonNegative("prevLogIndex", m.prevLogIndex()))
                    .setPrevLogTerm(nonNegative("prevLogTerm", m.prevLogTerm()))
                    .setLeaderCommit(nonNegative("leaderCommit", m.leaderCommit()));
            for (Entry entry : m.entries()) {
                body.addEntries(entryToProto(entry));
            }
            envelope.setAppendRequest(body);
        } else if (message instanceof AppendResponse m) {
            envelope.setAppendResponse(RaftProto.AppendResponse.newBuilder()
                    .setSuccess(m.success())
                    .setIndex(nonNegative("index", m.index()))
                    .setHintIndex(nonNegative("hintIndex", m.hintIndex()))
                    .setHintTerm(nonNegative("hintTerm", m.hintTerm())));
        } else if (message instanceof HeartbeatRequest m) {
            envelope.setHeartbeatRequest(RaftProto.HeartbeatRequest.newBuilder()
                    .setCommit(nonNegative("commit", m.commit()))
                    .setReadContext(nonNegative("readContext", m.readContext())));
        } else if (message instanceof HeartbeatResponse m) {
            envelope.setHeartbeatResponse(RaftProto.HeartbeatResponse.newBuilder()
                    .setReadContext(nonNegative("readContext", m.readContext())));
        } else if (message instanceof ForwardProposal m) {
            RaftProto.ForwardProposal.Builder body = RaftProto.ForwardProposal.newBuilder()
                    .setSession(nonNegative("session", m.session()))
                    .setSequence(nonNegative("sequence", m.sequence()));
            for (byte[] payload : m.payloads()) {
                if (payload == null) {
                    throw new CodecException("ForwardProposal holds a null payload");
                }
                body.addPayloads(wrap(payload));
            }
            envelope.setForwardProposal(body);
        } else if (message instanceof TimeoutNow) {
            envelope.setTimeoutNow(RaftProto.TimeoutNow.getDefaultInstance());
        } else if (message instanceof ReadIndexRequest m) {
            envelope.setReadIndexRequest(
                    RaftProto.ReadIndexRequest.newBuilder().setContext(nonNegative("context", m.context())));
        } else if (message instanceof ReadIndexResponse m) {
            envelope.setReadIndexResponse(RaftProto.ReadIndexResponse.newBuilder()
                    .setContext(nonNegative("context", m.context()))
                    // A refusal (ok=false) carries readIndex -1 in raft-core; it means nothing there, so it
                    // travels as 0 and comes back as -1. A confirmed read's index must be a real one.
                    .setReadIndex(m.ok() ? nonNegative("readIndex", m.readIndex()) : 0)
                    .setOk(m.ok()));
        } else if (message instanceof InstallSnapshotRequest m) {
            RaftProto.InstallSnapshotRequest.Builder request = RaftProto.InstallSnapshotRequest.newBuilder()
                    .setMeta(snapshotMetaToProto(m.meta()))
                    .setOffset(nonNegative("offset", m.offset()))
                    .setChunk(wrap(m.chunk()))
                    .setDone(m.done());
            if (m.chunkCrc32c() != InstallSnapshotRequest.NO_CHECKSUM) {
                request.setChecksummed(true).setChunkCrc32C((int) m.chunkCrc32c());
                if (m.done()) {
                    if (m.snapshotCrc32c() == InstallSnapshotRequest.NO_CHECKSUM) {
                        throw new CodecException("a checksummed last snapshot chunk without the snapshot's checksum");
                    }
                    request.setSnapshotCrc32C((int) m.snapshotCrc32c());
                }
            }
            envelope.setInstallSnapshotRequest(request);
        } else if (message instanceof InstallSnapshotResponse m) {
            envelope.setInstallSnapshotResponse(RaftProto.InstallSnapshotResponse.newBuilder()
                    .setSnapshotIndex(nonNegative("snapshotIndex", m.snapshotIndex()))
                    .setNextOffset(nonNegative("nextOffset", m.nextOffset()))
                    .setDone(m.done()));
        } else {
            throw new CodecException(
                    "no wire form for message type " + message.getClass().getName());
        }
        return envelope.build();
    }

    /** Decodes a protobuf envelope, validating every field. */
    public static Message fromProto(RaftProto.RaftMessage envelope) {
        if (envelope == null) {
            throw new CodecException("cannot decode a null envelope");
        }
        long from = nodeId("from", envelope.getFrom());
        long to = nodeId("to", envelope.getTo());
        long term = nonNegative("term", envelope.getTerm());
        try {
            return switch (envelope.getBodyCase()) {
                case VOTE_REQUEST -> {
                    RaftProto.VoteRequest m = envelope.getVoteRequest();
                    yield new VoteRequest(
                            from,
                            to,
                            term,
                            nonNegative("lastLogIndex", m.getLastLogIndex()),
                            nonNegative("lastLogTerm", m.getLastLogTerm()),
                            m.getPreVote(),
                            m.getTransfer());
                }
                case VOTE_RESPONSE -> {
                    RaftProto.VoteResponse m = envelope.getVoteResponse();
                    yield new VoteResponse(from, to, term, m.getPreVote(), m.getGranted());
                }
                case APPEND_REQUEST -> {
                    RaftProto.AppendRequest m = envelope.getAppendRequest();
                    List<Entry> entries = new ArrayList<>(m.getEntriesCount());
                    for (RaftProto.Entry entry : m.getEntriesList()) {
                        entries.add(entryFromProto(entry));
                    }
                    yield new AppendRequest(
                            from,
                            to,
                            term,
                            nonNegative("prevLogIndex", m.getPrevLogIndex()),
                            nonNegative("prevLogTerm", m.getPrevLogTerm()),
                            entries,
                            nonNegative("leaderCommit", m.getLeaderCommit()));
                }
                case APPEND_RESPONSE -> {
                    RaftProto.AppendResponse m = envelope.getAppendResponse();
                    yield new AppendResponse(
                            from,
                            to,
                            term,
                            m.getSuccess(),
                            nonNegative("index", m.getIndex()),
                            nonNegative("hintIndex", m.getHintIndex()),
                            nonNegative("hintTerm", m.getHintTerm()));
                }
                case HEARTBEAT_REQUEST -> {
                    RaftProto.HeartbeatRequest m = envelope.getHeartbeatRequest();
                    yield new HeartbeatRequest(
                            from,
                            to,
                            term,
                            nonNegative("commit", m.getCommit()),
                            nonNegative("readContext", m.getReadContext()));
                }
                case HEARTBEAT_RESPONSE ->
                    new HeartbeatResponse(
                            from,
                            to,
                            term,
                            nonNegative(
                                    "readContext",
                                    envelope.getHeartbeatResponse().getReadContext()));
                case FORWARD_PROPOSAL -> {
                    RaftProto.ForwardProposal m = envelope.getForwardProposal();
                    List<byte[]> payloads = new ArrayList<>(m.getPayloadsCount());
                    for (ByteString payload : m.getPayloadsList()) {
                        payloads.add(payload.toByteArray());
                    }
                    yield new ForwardProposal(
                            from,
                            to,
                            term,
                            nonNegative("session", m.getSession()),
                            nonNegative("sequence", m.getSequence()),
                            payloads);
                }
                case TIMEOUT_NOW -> new TimeoutNow(from, to, term);
                case READ_INDEX_REQUEST ->
                    new ReadIndexRequest(
                            from,
                            to,
                            term,
                            nonNegative(
                                    "context", envelope.getReadIndexRequest().getContext()));
                case READ_INDEX_RESPONSE -> {
                    RaftProto.ReadIndexResponse m = envelope.getReadIndexResponse();
                    yield new ReadIndexResponse(
                            from,
                            to,
                            term,
                            nonNegative("context", m.getContext()),
                            m.getOk() ? nonNegative("readIndex", m.getReadIndex()) : -1,
                            m.getOk());
                }
                case INSTALL_SNAPSHOT_REQUEST -> {
                    RaftProto.InstallSnapshotRequest m = envelope.getInstallSnapshotRequest();
                    if (!m.hasMeta()) {
                        throw new CodecException("InstallSnapshotRequest without meta");
                    }
                    yield new InstallSnapshotRequest(
                            from,
                            to,
                            term,
                            snapshotMetaFromProto(m.getMeta()),
                            nonNegative("offset", m.getOffset()),
                            m.getChunk().toByteArray(),
                            m.getDone(),
                            m.getChecksummed()
                                    ? Integer.toUnsignedLong(m.getChunkCrc32C())
                                    : InstallSnapshotRequest.NO_CHECKSUM,
                            m.getChecksummed() && m.getDone()
                                    ? Integer.toUnsignedLong(m.getSnapshotCrc32C())
                                    : InstallSnapshotRequest.NO_CHECKSUM);
                }
                case INSTALL_SNAPSHOT_RESPONSE -> {
                    RaftProto.InstallSnapshotResponse m = envelope.getInstallSnapshotResponse();
                    yield new InstallSnapshotResponse(
                            from,
                            to,
                            term,
                            nonNegative("snapshotIndex", m.getSnapshotIndex()),
                            nonNegative("nextOffset", m.getNextOffset()),
                            m.getDone());
                }
                case BODY_NOT_SET ->
                    throw new CodecException("message body missing or of an unknown kind (a newer peer?)");
            };
        } catch (IllegalArgumentException | IllegalStateException invariantViolation) {
            // The core records check their own invariants (Entry, ConfState, SnapshotMeta); a remote
            // value that breaks one is bad input, reported like any other.
            throw new CodecException(
                    "invalid " + envelope.getBodyCase() + ": " + invariantViolation.getMessage(), invariantViolation);
        }
    }

    /** Encodes {@code message} as the bytes of a protobuf {@code RaftMessage}. */
    public static byte[] encode(Message message) {
        return toProto(message).toByteArray();
    }

    /** Decodes the bytes of a protobuf {@code RaftMessage}; any defect is a {@link CodecException}. */
    public static Message decode(byte[] bytes) {
        if (bytes == null) {
            throw new CodecException("cannot decode null bytes");
        }
        try {
            return fromProto(RaftProto.RaftMessage.parseFrom(bytes));
        } catch (InvalidProtocolBufferException e) {
            throw new CodecException("malformed RaftMessage: " + e.getMessage(), e);
        }
    }

    /**
     * Parses one frame body (the bytes after the length prefix). Does not decode the message inside.
     *
     * <p>The frame's {@code bytes} fields (entry data, payloads, snapshot chunks) <b>alias {@code body}</b>
     * instead of being copied out of it: use the frame, or decode it with {@link #messageOf}, while
     * {@code body}'s bytes are unchanged (for the transport: before the Netty buffer is released). The
     * records {@link #messageOf} returns own copies and may outlive {@code body}. Without aliasing each payload
     * was copied twice on its way in (buffer → ByteString → byte[]); now once.
     */
    public static RaftProto.Frame parseFrame(ByteBuffer body) {
        try {
            CodedInputStream input = CodedInputStream.newInstance(body);
            input.enableAliasing(true);
            RaftProto.Frame frame = RaftProto.Frame.parseFrom(input);
            input.checkLastTagWas(0);
            if (frame.getKindCase() == RaftProto.Frame.KindCase.KIND_NOT_SET) {
                throw new CodecException("frame of an unknown kind (a newer peer?) or empty");
            }
            return frame;
        } catch (IOException e) {
            // InvalidProtocolBufferException, or any other read failure of a buffer in memory: bad input either way.
            throw new CodecException("malformed frame: " + e.getMessage(), e);
        }
    }

    /** Decodes a whole frame body that must hold a Raft message. */
    public static Message decodeMessageFrame(ByteBuffer body) {
        return messageOf(parseFrame(body));
    }

    /** The Raft message a parsed frame holds; a frame of another kind is a {@link CodecException}. */
    public static Message messageOf(RaftProto.Frame frame) {
        if (frame.getKindCase() != RaftProto.Frame.KindCase.MESSAGE) {
            throw new CodecException("expected a message frame, got a " + frame.getKindCase() + " frame");
        }
        return fromProto(frame.getMessage());
    }

    /** Wraps {@code message} in a frame. */
    public static RaftProto.Frame messageFrame(Message message) {
        return RaftProto.Frame.newBuilder().setMessage(toProto(message)).build();
    }

    /**
     * Wraps without copying. Safe because the arrays are owned by immutable records whose contract
     * forbids mutation, and because the protobuf value lives only until it is serialized; copying
     * would not isolate anything anyway, since the transport encodes on its own thread after
     * {@code send} returned.
     */
    private static ByteString wrap(byte[] bytes) {
        return UnsafeByteOperations.unsafeWrap(bytes);
    }

    private static RaftProto.Entry entryToProto(Entry entry) {
        if (entry == null) {
            throw new CodecException("AppendRequest holds a null entry");
        }
        return RaftProto.Entry.newBuilder()
                .setTerm(entry.term())
                .setIndex(entry.index())
                .setType(entryTypeToProto(entry.type()))
                .setData(wrap(entry.data()))
                .build();
    }

    private static Entry entryFromProto(RaftProto.Entry entry) {
        long term = entry.getTerm();
        long index = entry.getIndex();
        if (term < 1 || index < 1) {
            throw new CodecException("entry position must be >= 1, got index " + Long.toUnsignedString(index) + " term "
                    + Long.toUnsignedString(term));
        }
        return new Entry(term, index, entryTypeFromProto(entry), entry.getData().toByteArray());
    }

    private static RaftProto.EntryType entryTypeToProto(EntryType type) {
        return switch (type) {
            case NORMAL -> RaftProto.EntryType.ENTRY_TYPE_NORMAL;
            case NO_OP -> RaftProto.EntryType.ENTRY_TYPE_NO_OP;
            case CONFIG_CHANGE -> RaftProto.EntryType.ENTRY_TYPE_CONFIG_CHANGE;
        };
    }

    private static EntryType entryTypeFromProto(RaftProto.Entry entry) {
        return switch (entry.getType()) {
            case ENTRY_TYPE_NORMAL -> EntryType.NORMAL;
            case ENTRY_TYPE_NO_OP -> EntryType.NO_OP;
            case ENTRY_TYPE_CONFIG_CHANGE -> EntryType.CONFIG_CHANGE;
            case ENTRY_TYPE_UNSPECIFIED, UNRECOGNIZED ->
                throw new CodecException(
                        "entry " + entry.getIndex() + " has an unknown type code " + entry.getTypeValue());
        };
    }

    private static RaftProto.SnapshotMeta snapshotMetaToProto(SnapshotMeta meta) {
        ConfState conf = meta.conf();
        RaftProto.ConfState.Builder confProto = RaftProto.ConfState.newBuilder()
                .addAllVoters(conf.voters())
                .addAllVotersOutgoing(conf.votersOutgoing())
                .addAllLearners(conf.learners());
        return RaftProto.SnapshotMeta.newBuilder()
                .setIndex(nonNegative("snapshot index", meta.index()))
                .setTerm(nonNegative("snapshot term", meta.term()))
                .setConf(confProto)
                .build();
    }

    private static SnapshotMeta snapshotMetaFromProto(RaftProto.SnapshotMeta meta) {
        if (!meta.hasConf()) {
            throw new CodecException("snapshot meta without a configuration");
        }
        RaftProto.ConfState conf = meta.getConf();
        return new SnapshotMeta(
                nonNegative("snapshot index", meta.getIndex()),
                nonNegative("snapshot term", meta.getTerm()),
                new ConfState(
                        nodeIds("voters", conf.getVotersList()),
                        nodeIds("votersOutgoing", conf.getVotersOutgoingList()),
                        nodeIds("learners", conf.getLearnersList())));
    }

    private static SortedSet<Long> nodeIds(String field, List<Long> ids) {
        TreeSet<Long> set = new TreeSet<>();
        for (long id : ids) {
            if (!set.add(nodeId(field, id))) {
                throw new CodecException(field + " lists node " + id + " twice");
            }
        }
        return set;
    }

    private static long nodeId(String field, long value) {
        if (value <= 0) {
            throw new CodecException(field + " must be a positive node id, got " + Long.toUnsignedString(value));
        }
        return value;
    }

    private static long nonNegative(String field, long value) {
        if (value < 0) {
            throw new CodecException(field + " out of range: " + Long.toUnsignedString(value));
        }
        return value;
    }
}
