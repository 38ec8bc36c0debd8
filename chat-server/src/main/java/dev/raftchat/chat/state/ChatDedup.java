package dev.raftchat.chat.state;

import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The deduplication part of {@link ChatModel}: the client transaction ids (idempotency keys) remembered with
 * the message each created, oldest first (log order, the same on every node), bounded by count and age; and
 * the transaction-id section of the snapshot. {@link ChatModel} decides when to record, replay and expire, and
 * holds the state machine's lock while this is used.
 */
final class ChatDedup {

    /** A remembered transaction id and the message it created. */
    record Entry(String author, String txnId, long loggedAtMillis, String room, Message original) {}

    /** (key of {@link #key}) -> entry, oldest first. */
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();

    /**
     * Idempotency records of anonymous posts live apart from a registered user's: an account registered
     * later never replays (and so never claims) a post made under its name without a token.
     */
    static String key(String author, boolean verified, String txnId) {
        return (verified ? "" : "?") + ChatModel.fold(author) + '\n' + txnId;
    }

    Entry get(String author, boolean verified, String txnId) {
        return entries.get(key(author, verified, txnId));
    }

    /** Remembers {@code entry} (replacing one of the same key); returns the change of the estimated bytes. */
    long put(Entry entry) {
        String key = key(entry.author(), entry.original().verified(), entry.txnId());
        Entry replaced = entries.put(key, entry);
        return entryBytes(key, entry) - (replaced == null ? 0 : entryBytes(key, replaced));
    }

    /**
     * Forgets the oldest entries while there are more than {@code countMax} or they were logged before
     * {@code horizonMillis}; returns their estimated bytes.
     */
    long expire(int countMax, long horizonMillis) {
        long freed = 0;
        Iterator<Map.Entry<String, Entry>> oldestFirst = entries.entrySet().iterator();
        while (oldestFirst.hasNext()) {
            Map.Entry<String, Entry> oldestEntry = oldestFirst.next();
            Entry oldest = oldestEntry.getValue();
            if (entries.size() > countMax || oldest.loggedAtMillis() < horizonMillis) {
                freed += entryBytes(oldestEntry.getKey(), oldest);
                oldestFirst.remove();
            } else {
                break;
            }
        }
        return freed;
    }

    /** Whether the original message of every entry passes {@code test}. */
    boolean allOriginals(Predicate<Message> test) {
        for (Entry entry : entries.values()) {
            if (!test.test(entry.original())) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------------------------------------
    // The state budget's estimate of this part (see ChatModel).

    static long entryBytes(String key, Entry entry) {
        return ChatModel.DEDUP_BYTES
                + ChatModel.stringBytes(key)
                + ChatModel.stringBytes(entry.author())
                + ChatModel.stringBytes(entry.txnId())
                + ChatModel.messageBytes(entry.original());
    }

    long bytes() {
        long bytes = 0;
        for (Map.Entry<String, Entry> entry : entries.entrySet()) {
            bytes += entryBytes(entry.getKey(), entry.getValue());
        }
        return bytes;
    }

    // ------------------------------------------------------------------------------------------------
    // Snapshot section (ChatModel#write has the whole layout).

    ChatDedup copy() {
        ChatDedup copy = new ChatDedup();
        copy.entries.putAll(entries);
        return copy;
    }

    /**
     * <pre>
     * txnCount:i32 (author:str txnId:str loggedAtMillis:i64 room:str message)*          oldest first
     * </pre>
     */
    void write(DataOutputStream out, boolean legacy) throws IOException {
        out.writeInt(entries.size());
        for (Entry entry : entries.values()) {
            ChatCodec.writeString(out, entry.author());
            ChatCodec.writeString(out, entry.txnId());
            out.writeLong(entry.loggedAtMillis());
            ChatCodec.writeString(out, entry.room());
            ChatCodec.writeMessage(out, entry.original(), !legacy);
        }
    }

    /**
     * Reads what {@link #write} wrote; {@code original} rebuilds what format 2 ({@code legacy}) lacks of a
     * message (its {@code verified} flag), and is the identity otherwise.
     */
    static ChatDedup read(SnapshotInput in, boolean legacy, UnaryOperator<Message> original) throws IOException {
        int max = ChatLimits.STRING_BYTES_LIMIT;
        ChatDedup part = new ChatDedup();
        int txnCount = ChatModel.count(in, "transaction id", Integer.MAX_VALUE);
        for (int t = 0; t < txnCount; t++) {
            Entry entry = new Entry(
                    in.readString(max),
                    in.readString(max),
                    in.readLong(),
                    in.readString(max),
                    original.apply(ChatCodec.readMessage(in, max, !legacy)));
            String key = key(entry.author(), entry.original().verified(), entry.txnId());
            if (part.entries.put(key, entry) != null) {
                throw new IOException("chat snapshot lists transaction id '" + entry.txnId() + "' twice");
            }
        }
        return part;
    }
}
