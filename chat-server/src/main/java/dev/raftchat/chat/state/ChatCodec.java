package dev.raftchat.chat.state;

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
 * result  rejected          : 01 00 code:str message:str
 *         accepted          : 01 01
 *         accepted + post   : 01 02 postedAtMillis:i64 user:str message:str
 * query   ListRooms         : 01 01
 *         ReadRoom          : 01 02 room:str
 *         AppliedIndex      : 01 03
 * </pre>
 * A new field or type means a new version; a node refuses (as malformed) a version it does not know
 * rather than guess.
 *
 * Decoding never trusts a length: a string longer than the bytes left, or than {@code stringBytesMax},
 * is rejected. Decoding failures raise {@link InvalidCommandException} with code {@code malformed_command}.
 * Thread-safe (stateless).
 */
public final class ChatCodec {

    public static final byte FORMAT_VERSION = 1;
    static final byte POST_MESSAGE = 1;
    static final byte REGISTER_PEER = 2;
    static final byte REMOVE_PEER = 3;
    static final byte REGISTER_LEARNER = 4;
    static final byte LIST_ROOMS = 1;
    static final byte READ_ROOM = 2;
    static final byte APPLIED_INDEX = 3;
    private static final byte REJECTED = 0;
    private static final byte ACCEPTED = 1;
    private static final byte ACCEPTED_WITH_POST = 2;

    private ChatCodec() {}

    public static byte[] encode(ChatCommand command) {
        return write(out -> {
            out.writeByte(FORMAT_VERSION);
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
                throw new IllegalArgumentException("unknown command " + command);
            }
        });
    }

    /** @throws InvalidCommandException {@code malformed_command} for bytes that are not a command of this format */
    public static ChatCommand decodeCommand(byte[] bytes) {
        return read(bytes, in -> {
            byte type = readHeader(in, "command");
            ChatCommand command = switch (type) {
                case POST_MESSAGE -> {
                    long postedAtMillis = in.readLong();
                    yield new ChatCommand.PostMessage(readString(in, bytes.length), readString(in, bytes.length),
                            readString(in, bytes.length), postedAtMillis);
                }
                case REGISTER_PEER -> new ChatCommand.RegisterPeer(in.readLong(), readString(in, bytes.length));
                case REMOVE_PEER -> new ChatCommand.RemovePeer(in.readLong());
                case REGISTER_LEARNER -> new ChatCommand.RegisterPeer(in.readLong(), readString(in, bytes.length), true);
                default -> throw malformed("unknown command type " + type);
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
            } else if (result.post() == null) {
                out.writeByte(ACCEPTED);
            } else {
                out.writeByte(ACCEPTED_WITH_POST);
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
                case ACCEPTED_WITH_POST -> {
                    long postedAtMillis = in.readLong();
                    yield ChatResult.accepted(new Post(readString(in, bytes.length), readString(in, bytes.length),
                            postedAtMillis));
                }
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
        return new InvalidCommandException("malformed_command", why);
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
            return reader.read(new DataInputStream(new java.io.ByteArrayInputStream(bytes)));
        } catch (IOException e) {
            throw malformed("cannot decode: " + e.getMessage());
        }
    }

    static DataOutputStream dataOutput(OutputStream out) {
        return out instanceof DataOutputStream data ? data : new DataOutputStream(out);
    }
}
