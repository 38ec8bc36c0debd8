package dev.raftchat.raft.transport.netty;

import dev.raftchat.raft.message.Message;
import java.util.Arrays;

/**
 * Jazzer target: any bytes are either refused by {@link MessageCodec#decode} with a {@link CodecException}
 * or decode to a message whose encoding is canonical (encoding, decoding and encoding again gives the same
 * bytes). Anything else escaping (a NullPointerException, an IllegalArgumentException from a record, an
 * OutOfMemoryError) is a crash.
 */
public final class MessageCodecFuzzTarget {
    private MessageCodecFuzzTarget() {}

    public static void fuzzerTestOneInput(byte[] bytes) {
        Message decoded;
        try {
            decoded = MessageCodec.decode(bytes);
        } catch (CodecException refused) {
            return;
        }
        byte[] encoded = MessageCodec.encode(decoded);
        byte[] again = MessageCodec.encode(MessageCodec.decode(encoded));
        if (!Arrays.equals(encoded, again)) {
            throw new AssertionError("the encoding of " + decoded + " is not stable");
        }
    }
}
