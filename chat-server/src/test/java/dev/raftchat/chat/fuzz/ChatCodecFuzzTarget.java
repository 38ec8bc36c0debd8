package dev.raftchat.chat.fuzz;

import dev.raftchat.chat.state.ChatCodec;
import dev.raftchat.chat.state.ChatCommand;
import dev.raftchat.chat.state.ChatError;
import dev.raftchat.chat.state.ChatLimits;
import dev.raftchat.chat.state.ChatStateMachine;
import dev.raftchat.chat.state.InvalidCommandException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * Jazzer target for {@link ChatCodec} and the chat snapshot reader: bytes are decoded as a command, a
 * result and a query (each either decodes to a value whose encoding is canonical, or fails with
 * {@code malformed_command}); a decoded command is applied to a state machine (a rejection is fine, an
 * exception is not, but for the stop at a cluster version this build cannot read); and the bytes are restored as a snapshot (an {@link IOException} is fine).
 */
public final class ChatCodecFuzzTarget {
    private ChatCodecFuzzTarget() {}

    public static void fuzzerTestOneInput(byte[] bytes) {
        try {
            ChatCommand command = ChatCodec.decodeCommand(bytes);
            byte[] encoded = ChatCodec.encode(command);
            if (!Arrays.equals(encoded, ChatCodec.encode(ChatCodec.decodeCommand(encoded)))) {
                throw new AssertionError("unstable encoding of " + command);
            }
            try {
                new ChatStateMachine(ChatLimits.defaults()).applyCommand(1, encoded);
            } catch (IllegalStateException stop) {
                // The one documented exception: a committed raise of the cluster version above what this build
                // reads stops the node rather than let it skip commands and diverge (ARCHITECTURE.md).
                if (!(command instanceof ChatCommand.SetClusterVersion raise
                        && raise.version() > ChatCodec.COMMAND_VERSION_MAX)) {
                    throw stop;
                }
            }
        } catch (InvalidCommandException refused) {
            requireMalformed(refused);
        }
        try {
            ChatCodec.encodeResult(ChatCodec.decodeResult(bytes));
        } catch (InvalidCommandException refused) {
            requireMalformed(refused);
        }
        try {
            ChatCodec.encode(ChatCodec.decodeQuery(bytes));
        } catch (InvalidCommandException refused) {
            requireMalformed(refused);
        }
        try {
            new ChatStateMachine(ChatLimits.defaults()).restore(new ByteArrayInputStream(bytes));
        } catch (IOException refused) {
            // a corrupt snapshot is refused, the state untouched
        }
    }

    private static void requireMalformed(InvalidCommandException refused) {
        if (refused.error() != ChatError.MALFORMED_COMMAND) {
            throw new AssertionError("decoding failed with " + refused.code(), refused);
        }
    }
}
