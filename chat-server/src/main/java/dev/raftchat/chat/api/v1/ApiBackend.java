package dev.raftchat.chat.api.v1;

import dev.raftchat.chat.state.ChatCommand;
import dev.raftchat.chat.state.ChatResult;
import dev.raftchat.chat.state.ChatStateMachine;
import java.util.concurrent.CompletableFuture;

/**
 * What the v1 handlers ask of the node. The handlers never touch Raft: they propose commands and wait for
 * read barriers through this interface, and read the applied state through {@link #chat()} under its lock.
 * Every method returns at once; futures complete on a thread that is not an event loop's, within the node's
 * request timeout, or fail with a Raft runtime exception.
 */
public interface ApiBackend {

    long nodeId();

    /** The state as applied on this node; read it with {@link ChatStateMachine#read}. */
    ChatStateMachine chat();

    /** Proposes {@code command}; completes with its result (accepted or rejected) once applied on this node. */
    CompletableFuture<ChatResult> propose(ChatCommand command);

    /**
     * Like {@link #propose}, but the future may complete on the Raft runtime's own notification thread instead
     * of being handed to another thread first: for a caller whose continuation is short and never blocks (decode
     * the result, write one small JSON answer, hand it to an event loop). Every continuation run there delays the
     * completion of the proposals behind it. The default is {@link #propose}.
     */
    default CompletableFuture<ChatResult> proposeDirect(ChatCommand command) {
        return propose(command);
    }

    /** Completes once this node has applied every write acknowledged before the call (ReadIndex). */
    CompletableFuture<Void> readBarrier();

    /** This node's wall clock, for the timestamps it proposes; never read on the apply path. */
    long nowMillis();
}
