package dev.raftchat.raft.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.core.NodeConfig;
import dev.raftchat.raft.core.Role;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.statemachine.StateMachine;
import dev.raftchat.raft.transport.Transport;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A close fails every pending proposal wherever it is — still queued, or taken by the Raft thread and waiting for a
 * sync that never ends — and a proposal the Raft thread takes after the close is failed too, never proposed. Driven
 * on the test's thread: a single-voter leader whose overlapped syncs are held, as a stuck disk would hold them.
 */
class ProposalsFailAllTest {

    private final ArrayDeque<Runnable> heldSyncs = new ArrayDeque<>();
    private long nowNanos;
    private RaftDriver driver;

    @BeforeEach
    void startLeader() {
        RaftServerConfig config = RaftServerConfig.builder(NodeConfig.defaults(1), ConfState.ofVoters(1))
                .build();
        StateMachine machine = (index, command) -> new byte[0];
        Transport transport = new Transport() {
            @Override
            public void start(Inbox inbox) {}

            @Override
            public void send(Message message) {}

            @Override
            public void close() {}
        };
        SyncExecutor syncs = new SyncExecutor() {
            @Override
            public void runOverlapped(Runnable sync) {
                heldSyncs.add(sync);
            }

            @Override
            public void runAwaited(Runnable syncThenContinue) {
                heldSyncs.add(syncThenContinue); // as the simulator does: later, the driver busy meanwhile
            }
        };
        driver = new RaftDriver(
                config,
                new InstrumentedLogStorage(), // a sync with something to force, so it is handed to the executor
                null,
                transport,
                machine,
                RaftMetrics.NOOP,
                new RaftDriver.Bindings(
                        () -> nowNanos, syncs, Runnable::run, null, 7, 11, 13, new RaftDriver.Events() {}));
        long tickNanos = TimeUnit.MILLISECONDS.toNanos(config.tickMillis());
        for (int tick = 0; tick < 1_000 && driver.role() != Role.LEADER; tick++) {
            nowNanos += tickNanos;
            driver.tickIfDue(nowNanos);
            runUntilIdle();
        }
        assertThat(driver.role()).isEqualTo(Role.LEADER);
    }

    private void runUntilIdle() {
        boolean progress = true;
        while (progress) {
            progress = driver.process();
            Runnable sync;
            while ((sync = heldSyncs.poll()) != null) {
                sync.run();
                progress = true;
            }
            progress |= driver.finishSyncs();
        }
    }

    @Test
    void failsProposalsTakenByTheRaftThreadAndStillQueuedInSequenceOrder() {
        List<CompletableFuture<byte[]>> taken = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            taken.add(driver.propose(new byte[] {(byte) i}));
        }
        driver.process(); // appended, their sync held: they wait in the registry
        assertThat(heldSyncs).isNotEmpty();
        assertThat(taken).noneMatch(CompletableFuture::isDone);
        List<CompletableFuture<byte[]>> queued = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            queued.add(driver.propose(new byte[] {(byte) i}));
        }
        List<Integer> order = new ArrayList<>();
        List<CompletableFuture<byte[]>> all = new ArrayList<>(taken);
        all.addAll(queued);
        List<CompletableFuture<byte[]>> observers = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            int position = i;
            observers.add(all.get(i).whenComplete((result, error) -> order.add(position)));
        }
        RaftShutdownException closed = new RaftShutdownException("closed");

        assertThat(driver.proposalsRegistered()).isEqualTo(5);

        driver.failAll(closed, false);

        for (CompletableFuture<byte[]> future : all) {
            assertThat(future).isCompletedExceptionally();
            assertThat(future.handle((result, error) -> error).join()).isSameAs(closed);
        }
        assertThat(order).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        assertThat(observers).allMatch(CompletableFuture::isCompletedExceptionally);
        assertThat(driver.pendingProposals()).isZero();
        assertThat(driver.proposalsRegistered()).isEqualTo(5); // the stuck Raft thread's; its next pass drops them
    }

    @Test
    void aProposalTakenAfterTheCloseFailsInsteadOfBeingProposed() {
        RaftShutdownException closed = new RaftShutdownException("closed");
        driver.failAll(closed, false);
        long lastIndexBefore = driver.nodeStatus().lastIndex();
        // A submit that raced with the close (RaftServer fails it too, but the Raft thread may take it first).
        CompletableFuture<byte[]> late = driver.propose(new byte[] {1});

        driver.process();

        assertThat(late).isCompletedExceptionally();
        assertThat(late.handle((result, error) -> error).join()).isSameAs(closed);
        assertThat(driver.nodeStatus().lastIndex()).isEqualTo(lastIndexBefore);
        assertThat(driver.pendingProposals()).isZero();
    }

    @Test
    void completedProposalsLeaveTheRegistry() {
        for (int round = 0; round < 50; round++) {
            List<CompletableFuture<byte[]>> batch = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                batch.add(driver.propose(new byte[] {(byte) i}));
            }
            runUntilIdle();
            for (CompletableFuture<byte[]> future : batch) {
                assertThat(future).isCompleted();
                assertThat(future.isCompletedExceptionally()).isFalse();
            }
        }
        assertThat(driver.pendingProposals()).isZero();
        assertThat(driver.proposalsRegistered()).isZero();
        // Nothing is left for a close to fail: the futures above stay successful.
        CompletableFuture<byte[]> last = driver.propose(new byte[] {9});
        runUntilIdle();
        driver.failAll(new RaftShutdownException("closed"), false);
        assertThat(last.join()).isEmpty();
    }
}
