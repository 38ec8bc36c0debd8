package dev.raftchat.raft.core;

import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.storage.LogStorage;
import java.util.ArrayList;
import java.util.List;

/** The Ready loop of a single node under test, with persistence done in place: one copy for the node tests. */
final class ReadyDrain {

    private ReadyDrain() {}

    /**
     * Handles {@code n}'s Ready values until it has none, in the order {@link Ready} prescribes (send, persist,
     * sync, send after sync, advance), and returns every outgoing message in that order.
     */
    static List<Message> drain(RaftNode n, LogStorage storage) {
        List<Message> out = new ArrayList<>();
        while (n.hasReady()) {
            Ready rd = n.ready();
            out.addAll(rd.messages());
            storage.append(rd.entries());
            if (rd.hardState() != null) {
                storage.saveHardState(rd.hardState());
            }
            storage.sync();
            out.addAll(rd.messagesAfterSync());
            n.advance(rd);
        }
        return out;
    }
}
