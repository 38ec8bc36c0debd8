package dev.raftchat.chat.state;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The binary encoding of commands, results and queries. Every encoded value starts with a format version
 * byte ({@link #FORMAT_VERSION}) and a type byte, then the fields big-endian; a string is an
 * {@code int} byte length followed by that many UTF-8 bytes.
 *
 * <pre>
 * command PostMessage       : 01 01 postedAtMillis:i64 room:str user:str message:str
 *         RegisterPeer      : 01 02 nodeId:i64 url:str
 *         RemovePeer        : 01 03 nodeId:i64
 *         RegisterPeer (learner) : 01 04 nodeId:i64 url:str
 *         PostMessageV2     : 01 05 postedAtMillis:i64 room:str user:str message:str txnId:str actor:str
 *         Tick              : 01 06 atMillis:i64
 *         CreateRoom        : 01 07 atMillis:i64 actor:str room:str retentionMaxMessages:i64 retentionMaxAgeSeconds:i64
 *         DeleteRoom        : 01 08 atMillis:i64 actor:str room:str admin:bool
 *         SetRetention      : 01 09 atMillis:i64 actor:str room:str retentionMaxMessages:i64 retentionMaxAgeSeconds:i64 admin:bool
 *         SendMessage       : 01 0a atMillis:i64 actor:str room:str text:str txnId:str
 *         EditMessage       : 01 0b atMillis:i64 actor:str room:str seq:i64 text:str admin:bool
 *         DeleteMessage     : 01 0c atMillis:i64 actor:str room:str seq:i64 admin:bool
 *         SetReadMarker     : 01 0d atMillis:i64 actor:str room:str seq:i64
 *         RegisterUser      : 01 0e atMillis:i64 username:str passwordHash:str
 *         CreateSession     : 01 0f atMillis:i64 tokenHash:str username:str expiresAtMillis:i64
 *         RevokeSession     : 01 10 atMillis:i64 actor:str sessionId:i64
 *         ReportVersion     : 01 11 nodeId:i64 commandVersionMax:i32
 *         SetClusterVersion : 01 12 version:i32
 *         ClockTick         : 02 13 atMillis:i64 stepMaxMillis:i64          (command version 2)
 *         RegisterUser (vouched by the operator) : 02 14 atMillis:i64 username:str passwordHash:str
 *                                                                            (command version 2)
 *         ReportStateBudget : 03 15 nodeId:i64 stateBytesMax:i64             (command version 3)
 *         SetStateBudget    : 03 16 stateBytesMax:i64                         (command version 3)
 * result  rejected          : 01 00 code:str message:str
 *         accepted          : 01 01
 *         accepted + post   : 01 02 postedAtMillis:i64 user:str message:str
 *         accepted + message: 01 03 replayed:bool message
 *         accepted + value  : 01 04 value:i64
 *         replayed post     : 01 05 postedAtMillis:i64 user:str message:str
 * message                   : id:i64 seq:i64 postedAtMillis:i64 editedAtMillis:i64 author:str text:nstr txnId:nstr
 *                             verified:bool  (absent in snapshots of format version 2, see {@link #readMessage})
 *                             (nstr: 00, or 01 then str; a bool is one byte 00 or 01, anything else is malformed)
 * query   ListRooms         : 01 01
 *         ReadRoom          : 01 02 room:str
 *         AppliedIndex      : 01 03
 * </pre>
 * A command's first byte is its <b>command version</b>: the version that introduced its type (1 for every
 * type above but {@code ClockTick} and the vouched {@code RegisterUser}, 2 for those, and 3 for the two state
 * budget commands). A new field or type means a new command version, added to
 * {@link #COMMAND_VERSION_MAX}; results and queries stay at {@link #FORMAT_VERSION}. Whether a command of a
 * given version may be applied is the state machine's decision, against the replicated cluster version
 * ({@link ChatStateMachine}); this codec only refuses, as malformed, a version above the caller's maximum, a
 * type that its version does not have, or bytes that do not parse.
 *
 * Decoding never trusts a length: a string longer than the bytes left, or than {@code stringBytesMax},
 * is rejected. Decoding failures raise {@link InvalidCommandException} with code {@code malformed_command}.
 * Thread-safe (stateless).
 */
public final class ChatCodec {

    public static final byte FORMAT_VERSION = 1;
    /** The command versions this build reads and writes: 1 up to this. */
    public static final int COMMAND_VERSION_MAX = 3;

    static final byte POST_MESSAGE = 1;
    static final byte REGISTER_PEER = 2;
    static final byte REMOVE_PEER = 3;
    static final byte REGISTER_LEARNER = 4;
    static final byte POST_MESSAGE_V2 = 5;
    static final byte TICK = 6;
    static final byte CREATE_ROOM = 7;
    static final byte DELETE_ROOM = 8;
    static final byte SET_RETENTION = 9;
    static final byte SEND_MESSAGE = 10;
    static final byte EDIT_MESSAGE = 11;
    static final byte DELETE_MESSAGE = 12;
    static final byte SET_READ_MARKER = 13;
    static final byte REGISTER_USER = 14;
    static final byte CREATE_SESSION = 15;
    static final byte REVOKE_SESSION = 16;
    static final byte REPORT_VERSION = 17;
    static final byte SET_CLUSTER_VERSION = 18;
    /** The first type of command version 2. */
    static final byte CLOCK_TICK = 19;
    /**
     * Command version 2 as well: a registration vouched by the operator changes who holds admin rights, which
     * a node of command version 1 does not know, so it is proposed only once every member reads it.
     */
    static final byte REGISTER_VOUCHED_USER = 20;
    /** The first type of command version 3: a node's state budget, agreed through the log. */
    static final byte REPORT_STATE_BUDGET = 21;

    static final byte SET_STATE_BUDGET = 22;

    static final byte LIST_ROOMS = 1;
    static final byte READ_ROOM = 2;
    static final byte APPLIED_INDEX = 3;
    private static final byte REJECTED = 0;
    private static final byte ACCEPTED = 1;
    private static final byte ACCEPTED_WITH_POST = 2;
    private static final byte ACCEPTED_WITH_MESSAGE = 3;
    private static final byte ACCEPTED_WITH_VALUE = 4;
    private static final byte REPLAYED_POST = 5;

    private ChatCodec() {}

    /** The command version that introduced {@code command}'s type: the first byte of its encoding. */
    public static int commandVersion(ChatCommand command) {
        if (command instanceof ChatCommand.ReportStateBudget || command instanceof ChatCommand.SetStateBudget) {
            return 3;
        }
        if (command instanceof ChatCommand.ClockTick) {
            return 2;
        }
        return command instanceof ChatCommand.RegisterUser r && r.operatorVouched() ? 2 : 1;
    }

    /** The command version an encoded command declares (its first byte), or 0 when it has no first byte. */
    public static int declaredCommandVersion(byte[] bytes) {
        return bytes == null || bytes.length == 0 ? 0 : bytes[0] & 0xff;
    }

    private static int introducedInVersion(byte type) {
        if (type >= POST_MESSAGE && type <= SET_CLUSTER_VERSION) {
            return 1;
        }
        if (type == CLOCK_TICK || type == REGISTER_VOUCHED_USER) {
            return 2;
        }
        return type == REPORT_STATE_BUDGET || type == SET_STATE_BUDGET ? 3 : Integer.MAX_VALUE;
    }

    public static byte[] encode(ChatCommand command) {
        return write(out -> {
            out.writeByte(commandVersion(command));
            if (command instanceof ChatCommand.PostMessage post) {
                out.writeByte(POST_MESSAGE);
                out.writeLong(post.postedAtMillis());
                writeString(out, post.room());
                writeString(out, post.user());
                writeString(out, post.message());
            } else if (command instanceof ChatCommand.RegisterPeer peer) {
                out.writeByte(peer.learner() ? REGISTER_LEARNER : REGISTER_PEER);
                out.writeLong(peer.nodeId());
                writeString(out, peer.url());
            } else if (command instanceof ChatCommand.RemovePeer removal) {
                out.writeByte(REMOVE_PEER);
                out.writeLong(removal.nodeId());
            } else {
                writeApiCommand(out, command);
            }
        });
    }

    private static void writeApiCommand(DataOutputStream out, ChatCommand command) throws IOException {
        if (command instanceof ChatCommand.PostMessageV2 c) {
            out.writeByte(POST_MESSAGE_V2);
            out.writeLong(c.postedAtMillis());
            writeStrings(out, c.room(), c.user(), c.message(), c.txnId(), c.actor());
        } else if (command instanceof ChatCommand.Tick c) {
            out.writeByte(TICK);
            out.writeLong(c.atMillis());
        } else if (command instanceof ChatCommand.CreateRoom c) {
            out.writeByte(CREATE_ROOM);
            out.writeLong(c.atMillis());
            writeStrings(out, c.actor(), c.room());
            out.writeLong(c.retentionMaxMessages());
            out.writeLong(c.retentionMaxAgeSeconds());
        } else if (command instanceof ChatCommand.DeleteRoom c) {
            out.writeByte(DELETE_ROOM);
            out.writeLong(c.atMillis());
            writeStrings(out, c.actor(), c.room());
            out.writeBoolean(c.admin());
        } else if (command instanceof ChatCommand.SetRetention c) {
            out.writeByte(SET_RETENTION);
            out.writeLong(c.atMillis());
            writeStrings(out, c.actor(), c.room());
            out.writeLong(c.retentionMaxMessages());
            out.writeLong(c.retentionMaxAgeSeconds());
            out.writeBoolean(c.admin());
        } else if (command instanceof ChatCommand.SendMessage c) {
            out.writeByte(SEND_MESSAGE);
            out.writeLong(c.atMillis());
            writeStrings(out, c.actor(), c.room(), c.text(), c.txnId());
        } else if (command instanceof ChatCommand.EditMessage c) {
            out.writeByte(EDIT_MESSAGE);
            out.writeLong(c.atMillis());
            writeStrings(out, c.actor(), c.room());
            out.writeLong(c.seq());
            writeString(out, c.text());
            out.writeBoolean(c.admin());
        } else if (command instanceof ChatCommand.DeleteMessage c) {
            out.writeByte(DELETE_MESSAGE);
            out.writeLong(c.atMillis());
            writeStrings(out, c.actor(), c.room());
            out.writeLong(c.seq());
            out.writeBoolean(c.admin());
        } else if (command instanceof ChatCommand.SetReadMarker c) {
            out.writeByte(SET_READ_MARKER);
            out.writeLong(c.atMillis());
            writeStrings(out, c.actor(), c.room());
            out.writeLong(c.seq());
        } else if (command instanceof ChatCommand.RegisterUser c) {
            out.writeByte(c.operatorVouched() ? REGISTER_VOUCHED_USER : REGISTER_USER);
            out.writeLong(c.atMillis());
            writeStrings(out, c.username(), c.passwordHash());
        } else if (command instanceof ChatCommand.CreateSession c) {
            out.writeByte(CREATE_SESSION);
            out.writeLong(c.atMillis());
            writeStrings(out, c.tokenHash(), c.username());
            out.writeLong(c.expiresAtMillis());
        } else if (command instanceof ChatCommand.RevokeSession c) {
            out.writeByte(REVOKE_SESSION);
            out.writeLong(c.atMillis());
            writeString(out, c.actor());
            out.writeLong(c.sessionId());
        } else if (command instanceof ChatCommand.ReportVersion c) {
            out.writeByte(REPORT_VERSION);
            out.writeLong(c.nodeId());
            out.writeInt(c.commandVersionMax());
        } else if (command instanceof ChatCommand.SetClusterVersion c) {
            out.writeByte(SET_CLUSTER_VERSION);
            out.writeInt(c.version());
        } else if (command instanceof ChatCommand.ClockTick c) {
            out.writeByte(CLOCK_TICK);
            out.writeLong(c.atMillis());
            out.writeLong(c.stepMaxMillis());
        } else if (command instanceof ChatCommand.ReportStateBudget c) {
            out.writeByte(REPORT_STATE_BUDGET);
            out.writeLong(c.nodeId());
            out.writeLong(c.stateBytesMax());
        } else if (command instanceof ChatCommand.SetStateBudget c) {
            out.writeByte(SET_STATE_BUDGET);
            out.writeLong(c.stateBytesMax());
        } else {
            throw new IllegalArgumentException("unknown command " + command);
        }
    }

    private static void writeStrings(DataOutputStream out, String... values) throws IOException {
        for (String value : values) {
            writeString(out, value);
        }
    }

    private static ChatCommand readApiCommand(byte type, DataInputStream in, int max) throws IOException {
        if (type == REPORT_VERSION) {
            return new ChatCommand.ReportVersion(in.readLong(), in.readInt());
        }
        if (type == SET_CLUSTER_VERSION) {
            return new ChatCommand.SetClusterVersion(in.readInt());
        }
        if (type == CLOCK_TICK) {
            return new ChatCommand.ClockTick(in.readLong(), in.readLong());
        }
        if (type == REPORT_STATE_BUDGET) {
            return new ChatCommand.ReportStateBudget(in.readLong(), in.readLong());
        }
        if (type == SET_STATE_BUDGET) {
            return new ChatCommand.SetStateBudget(in.readLong());
        }
        if (type == POST_MESSAGE_V2) {
            long postedAtMillis = in.readLong();
            return new ChatCommand.PostMessageV2(
                    readString(in, max),
                    readString(in, max),
                    readString(in, max),
                    postedAtMillis,
                    readString(in, max),
                    readString(in, max));
        }
        long at = in.readLong();
        return switch (type) {
            case TICK -> new ChatCommand.Tick(at);
            case CREATE_ROOM ->
                new ChatCommand.CreateRoom(readString(in, max), readString(in, max), in.readLong(), in.readLong(), at);
            case DELETE_ROOM ->
                new ChatCommand.DeleteRoom(readString(in, max), readString(in, max), readBoolean(in), at);
            case SET_RETENTION ->
                new ChatCommand.SetRetention(
                        readString(in, max), readString(in, max), in.readLong(), in.readLong(), readBoolean(in), at);
            case SEND_MESSAGE ->
                new ChatCommand.SendMessage(
                        readString(in, max), readString(in, max), readString(in, max), readString(in, max), at);
            case EDIT_MESSAGE ->
                new ChatCommand.EditMessage(
                        readString(in, max),
                        readString(in, max),
                        in.readLong(),
                        readString(in, max),
                        readBoolean(in),
                        at);
            case DELETE_MESSAGE ->
                new ChatCommand.DeleteMessage(
                        readString(in, max), readString(in, max), in.readLong(), readBoolean(in), at);
            case SET_READ_MARKER ->
                new ChatCommand.SetReadMarker(readString(in, max), readString(in, max), in.readLong(), at);
            case REGISTER_USER -> new ChatCommand.RegisterUser(readString(in, max), readString(in, max), at, false);
            case REGISTER_VOUCHED_USER ->
                new ChatCommand.RegisterUser(readString(in, max), readString(in, max), at, true);
            case CREATE_SESSION ->
                new ChatCommand.CreateSession(readString(in, max), readString(in, max), in.readLong(), at);
            case REVOKE_SESSION -> new ChatCommand.RevokeSession(readString(in, max), in.readLong(), at);
            default -> throw malformed("unknown command type " + type);
        };
    }

    static boolean readBoolean(DataInputStream in) throws IOException {
        byte value = in.readByte();
        if (value != 0 && value != 1) {
            throw new IOException("boolean byte " + value + " is neither 0 nor 1");
        }
        return value == 1;
    }

    static void writeNullableString(DataOutputStream out, String value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            writeString(out, value);
        }
    }

    static String readNullableString(DataInputStream in, int bytesMax) throws IOException {
        return readBoolean(in) ? readString(in, bytesMax) : null;
    }

    /** The message layout of the class comment. */
    static void writeMessage(DataOutputStream out, Message message) throws IOException {
        writeMessage(out, message, true);
    }

    /** @param withVerified false for the layout of chat snapshot format 2 (see {@link #readMessage}) */
    static void writeMessage(DataOutputStream out, Message message, boolean withVerified) throws IOException {
        out.writeLong(message.id());
        out.writeLong(message.seq());
        out.writeLong(message.postedAtMillis());
        out.writeLong(message.editedAtMillis());
        writeString(out, message.author());
        writeNullableString(out, message.text());
        writeNullableString(out, message.txnId());
        if (withVerified) {
            out.writeBoolean(message.verified());
        }
    }

    static Message readMessage(DataInputStream in, int bytesMax) throws IOException {
        return readMessage(in, bytesMax, true);
    }

    /**
     * @param withVerified false for the layout of chat snapshot version 2, which had no {@code verified}
     *                     byte: such a message is read as verified, and {@link ChatModel#read} then marks the
     *                     ones whose author is not a registered user as unverified
     */
    static Message readMessage(DataInputStream in, int bytesMax, boolean withVerified) throws IOException {
        long id = in.readLong();
        long seq = in.readLong();
        long postedAtMillis = in.readLong();
        long editedAtMillis = in.readLong();
        String author = readString(in, bytesMax);
        String text = readNullableString(in, bytesMax);
        String txnId = readNullableString(in, bytesMax);
        boolean verified = !withVerified || readBoolean(in);
        try {
            return new Message(id, seq, author, text, postedAtMillis, editedAtMillis, text == null, txnId, verified);
        } catch (IllegalArgumentException e) {
            throw new IOException("invalid message: " + e.getMessage(), e);
        }
    }

    /** {@link #readMessage(DataInputStream, int, boolean)} from a snapshot; the author goes through the shared strings. */
    static Message readMessage(SnapshotInput in, int bytesMax, boolean withVerified) throws IOException {
        long id = in.readLong();
        long seq = in.readLong();
        long postedAtMillis = in.readLong();
        long editedAtMillis = in.readLong();
        String author = in.readSharedString(bytesMax);
        String text = in.readNullableString(bytesMax);
        String txnId = in.readNullableString(bytesMax);
        boolean verified = !withVerified || in.readBoolean();
        try {
            return new Message(id, seq, author, text, postedAtMillis, editedAtMillis, text == null, txnId, verified);
        } catch (IllegalArgumentException e) {
            throw new IOException("invalid message: " + e.getMessage(), e);
        }
    }

    /**
     * Decodes a command of any version this build knows.
     *
     * @throws InvalidCommandException {@code malformed_command} for bytes that are not a command of this format
     */
    public static ChatCommand decodeCommand(byte[] bytes) {
        return decodeCommand(bytes, COMMAND_VERSION_MAX);
    }

    /**
     * Decodes a command of command version 1 to {@code versionMax}.
     *
     * @throws InvalidCommandException {@code malformed_command} for a version outside [1, versionMax], a type
     *                                 its version does not have, or bytes that do not parse
     */
    public static ChatCommand decodeCommand(byte[] bytes, int versionMax) {
        return read(bytes, in -> {
            int version = in.readByte() & 0xff;
            if (version < 1 || version > Math.min(versionMax, COMMAND_VERSION_MAX)) {
                throw malformed("command version " + version + " is not supported (this node reads 1 to "
                        + Math.min(versionMax, COMMAND_VERSION_MAX) + ")");
            }
            byte type = in.readByte();
            if (introducedInVersion(type) > version) {
                throw malformed("command version " + version + " has no command type " + type);
            }
            ChatCommand command = switch (type) {
                case POST_MESSAGE -> {
                    long postedAtMillis = in.readLong();
                    yield new ChatCommand.PostMessage(
                            readString(in, bytes.length),
                            readString(in, bytes.length),
                            readString(in, bytes.length),
                            postedAtMillis);
                }
                case REGISTER_PEER -> new ChatCommand.RegisterPeer(in.readLong(), readString(in, bytes.length));
                case REMOVE_PEER -> new ChatCommand.RemovePeer(in.readLong());
                case REGISTER_LEARNER ->
                    new ChatCommand.RegisterPeer(in.readLong(), readString(in, bytes.length), true);
                default -> readApiCommand(type, in, bytes.length);
            };
            requireEnd(in);
            return command;
        });
    }

    public static byte[] encode(ChatQuery query) {
        return write(out -> {
            out.writeByte(FORMAT_VERSION);
            if (query instanceof ChatQuery.ListRooms) {
                out.writeByte(LIST_ROOMS);
            } else if (query instanceof ChatQuery.AppliedIndex) {
                out.writeByte(APPLIED_INDEX);
            } else if (query instanceof ChatQuery.ReadRoom read) {
                out.writeByte(READ_ROOM);
                writeString(out, read.room());
            } else {
                throw new IllegalArgumentException("unknown query " + query);
            }
        });
    }

    public static ChatQuery decodeQuery(byte[] bytes) {
        return read(bytes, in -> {
            byte type = readHeader(in, "query");
            ChatQuery query = switch (type) {
                case LIST_ROOMS -> new ChatQuery.ListRooms();
                case READ_ROOM -> new ChatQuery.ReadRoom(readString(in, bytes.length));
                case APPLIED_INDEX -> new ChatQuery.AppliedIndex();
                default -> throw malformed("unknown query type " + type);
            };
            requireEnd(in);
            return query;
        });
    }

    public static byte[] encodeResult(ChatResult result) {
        return write(out -> {
            out.writeByte(FORMAT_VERSION);
            if (!result.accepted()) {
                out.writeByte(REJECTED);
                writeString(out, result.errorCode());
                writeString(out, result.errorMessage());
            } else if (result.message() != null) {
                out.writeByte(ACCEPTED_WITH_MESSAGE);
                out.writeBoolean(result.replayed());
                writeMessage(out, result.message());
            } else if (result.value() != 0) {
                out.writeByte(ACCEPTED_WITH_VALUE);
                out.writeLong(result.value());
            } else if (result.post() == null) {
                out.writeByte(ACCEPTED);
            } else {
                out.writeByte(result.replayed() ? REPLAYED_POST : ACCEPTED_WITH_POST);
                out.writeLong(result.post().postedAtMillis());
                writeString(out, result.post().user());
                writeString(out, result.post().message());
            }
        });
    }

    public static ChatResult decodeResult(byte[] bytes) {
        return read(bytes, in -> {
            byte type = readHeader(in, "result");
            ChatResult result = switch (type) {
                case REJECTED -> ChatResult.rejected(readString(in, bytes.length), readString(in, bytes.length));
                case ACCEPTED -> ChatResult.accepted(null);
                case ACCEPTED_WITH_POST, REPLAYED_POST -> {
                    long postedAtMillis = in.readLong();
                    yield ChatResult.accepted(
                            new Post(readString(in, bytes.length), readString(in, bytes.length), postedAtMillis),
                            type == REPLAYED_POST);
                }
                case ACCEPTED_WITH_MESSAGE -> {
                    boolean replayed = readBoolean(in);
                    yield ChatResult.acceptedMessage(readMessage(in, bytes.length), replayed);
                }
                case ACCEPTED_WITH_VALUE -> ChatResult.acceptedValue(in.readLong());
                default -> throw malformed("unknown result type " + type);
            };
            requireEnd(in);
            return result;
        });
    }

    static void writeString(DataOutputStream out, String value) throws IOException {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    /** Reads a string of at most {@code bytesMax} bytes; a longer declared length is corruption, not an allocation. */
    static String readString(DataInputStream in, int bytesMax) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > bytesMax) {
            throw new IOException("string length " + length + " is outside [0, " + bytesMax + "]");
        }
        byte[] utf8 = in.readNBytes(length);
        if (utf8.length != length) {
            throw new EOFException("string of " + length + " bytes is cut after " + utf8.length);
        }
        return new String(utf8, StandardCharsets.UTF_8);
    }

    private static byte readHeader(DataInputStream in, String what) throws IOException {
        byte version = in.readByte();
        if (version != FORMAT_VERSION) {
            throw malformed(what + " format version " + version + " is not supported (this node reads version "
                    + FORMAT_VERSION + ")");
        }
        return in.readByte();
    }

    private static void requireEnd(InputStream in) throws IOException {
        if (in.read() != -1) {
            throw malformed("trailing bytes after the encoded value");
        }
    }

    private static InvalidCommandException malformed(String why) {
        return new InvalidCommandException(ChatError.MALFORMED_COMMAND, why);
    }

    interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static byte[] write(Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    private static <T> T read(byte[] bytes, Reader<T> reader) {
        if (bytes == null || bytes.length < 2) {
            throw malformed("encoded value is " + (bytes == null ? "null" : bytes.length + " bytes") + ", too short");
        }
        try {
            return reader.read(new DataInputStream(new ByteArrayInputStream(bytes)));
        } catch (IOException e) {
            throw malformed("cannot decode: " + e.getMessage());
        }
    }

    static DataOutputStream dataOutput(OutputStream out) {
        return out instanceof DataOutputStream data ? data : new DataOutputStream(out);
    }
}
