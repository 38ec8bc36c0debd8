package dev.raftchat.raft.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.raftchat.raft.message.AppendResponse;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.storage.MemoryLogStorage;
import dev.raftchat.raft.storage.StorageException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bookkeeping of overlapped syncs, over a storage whose syncs complete only when the test says so:
 * which acknowledgements wait for which sync, what each sync reports, and that a failed sync is fatal.
 */
class OverlappedSyncsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final InstrumentedLogStorage storage = new InstrumentedLogStorage();
    /** Written by the sync thread too: it sends the acknowledgements of the sync it completed. */
    private final List<Message> sent = new CopyOnWriteArrayList<>();

    private final List<LogPosition> reported = new ArrayList<>();
    private OverlappedSyncs syncs;
    private boolean syncFails;

    @BeforeEach
    void create() {
        // The test thread plays the Raft thread: the sync thread unparks it.
        syncs = new OverlappedSyncs(1, storage, RaftMetrics.NOOP, sent::addAll, Thread.currentThread());
    }

    @AfterEach
    void stop() {
        storage.openGate();
        if (syncFails) {
            syncs.shutdown();
        } else {
            syncs.awaitAndShutdown();
        }
    }

    private static List<Entry> entries(long from, int count) {
        List<Entry> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(Entry.normal(1, from + i, new byte[] {1}));
        }
        return list;
    }

    private static Message ack(long index) {
        return new AppendResponse(2, 1, 1, true, index, 0, 0);
    }

    private List<Entry> write(long from, int count, Message... acks) {
        List<Entry> written = entries(from, count);
        storage.append(written);
        syncs.written(written, List.of(acks));
        return written;
    }

    /** Lets exactly one held sync through and handles its completion as the Raft thread would. */
    private void completeOneSync() {
        storage.letThrough(1);
        await().atMost(WAIT).until(syncs::finished);
        assertThat(syncs.finishIfDone(reported::add)).isTrue();
    }

    @Test
    void acknowledgementsLeaveOnlyWithTheSyncThatCoversTheirEntries() {
        storage.closeGate();
        write(1, 2, ack(2));
        await().atMost(WAIT).until(storage::blockedInSync);
        // Written while the first sync is in flight: they wait for the next one.
        write(3, 1, ack(3));
        assertThat(sent).isEmpty();

        completeOneSync();
        assertThat(reported).containsExactly(new LogPosition(1, 2));
        assertThat(sent).containsExactly(ack(2));

        await().atMost(WAIT).until(storage::blockedInSync); // the next sync began at once
        completeOneSync();
        assertThat(reported).containsExactly(new LogPosition(1, 2), new LogPosition(1, 3));
        assertThat(sent).containsExactly(ack(2), ack(3));
    }

    @Test
    void theSyncThreadSendsTheAcknowledgementsOfItsSyncWhileTheRaftThreadIsBusy() {
        storage.closeGate();
        write(1, 2, ack(2));
        await().atMost(WAIT).until(storage::blockedInSync);
        storage.letThrough(1);
        // The test thread, playing a busy Raft thread, never calls finishIfDone here.
        await().atMost(WAIT).until(() -> sent.contains(ack(2)));
        assertThat(reported)
                .as("the node hears of the sync only from the Raft thread")
                .isEmpty();

        assertThat(syncs.finishIfDone(reported::add)).isTrue();
        assertThat(reported).containsExactly(new LogPosition(1, 2));
        assertThat(sent).as("sent once").containsExactly(ack(2));
    }

    @Test
    void anAcknowledgementWithoutNewEntriesWaitsForTheSyncInFlight() {
        storage.closeGate();
        write(1, 2);
        await().atMost(WAIT).until(storage::blockedInSync);
        syncs.written(List.of(), List.of(ack(2))); // a duplicate append, acknowledged again
        assertThat(sent).isEmpty();
        completeOneSync();
        assertThat(sent).containsExactly(ack(2));
        assertThat(syncs.finished()).isFalse();
    }

    @Test
    void aSyncOnTheRaftThreadTakesOverWhatWaitedForTheNextSync() {
        storage.closeGate();
        write(1, 1, ack(1));
        await().atMost(WAIT).until(storage::blockedInSync);
        write(2, 1, ack(2));
        storage.letThrough(1);
        List<Message> forCallersSync = syncs.awaitForSyncOnRaftThread();
        assertThat(sent).as("the sync in flight completed").containsExactly(ack(1));
        assertThat(forCallersSync).containsExactly(ack(2));
        assertThat(reported).as("not reported: the caller's advance covers it").isEmpty();
    }

    @Test
    void aFailedSyncIsFatal() {
        syncFails = true;
        storage.failNextSync(new StorageException("disk gone"));
        write(1, 1, ack(1));
        await().atMost(WAIT).until(syncs::finished);
        assertThatThrownBy(() -> syncs.finishIfDone(reported::add))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("disk gone");
        assertThat(sent).isEmpty();
        assertThat(reported).isEmpty();
    }

    @Test
    void aStorageWithNothingToForceFinishesOnTheCallersThread() {
        var memory = new MemoryLogStorage(); // beginSync syncs at once
        List<Message> memorySent = new ArrayList<>();
        OverlappedSyncs inline =
                new OverlappedSyncs(1, memory, RaftMetrics.NOOP, memorySent::addAll, Thread.currentThread());
        List<Entry> written = entries(1, 1);
        memory.append(written);
        inline.written(written, List.of(ack(1)));
        assertThat(inline.finished()).as("no sync thread involved").isTrue();
        assertThat(inline.finishIfDone(reported::add)).isTrue();
        assertThat(reported).containsExactly(new LogPosition(1, 1));
        assertThat(memorySent).containsExactly(ack(1));
        inline.awaitAndShutdown();
    }
}
