package dev.raftchat.raft.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftchat.raft.message.HeartbeatRequest;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.message.VoteRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InMemoryNetworkTest {

    private final InMemoryNetwork network = new InMemoryNetwork();
    private final List<Message> receivedBy2 = new ArrayList<>();
    private final List<Message> receivedBy3 = new ArrayList<>();
    private final InMemoryTransport one = network.transport(1);
    private final InMemoryTransport two = network.transport(2);
    private final InMemoryTransport three = network.transport(3);

    InMemoryNetworkTest() {
        one.start(message -> {});
        two.start(receivedBy2::add);
        three.start(receivedBy3::add);
    }

    private static Message heartbeat(long from, long to) {
        return new HeartbeatRequest(from, to, 1, 0, 0);
    }

    @Test
    void deliversInOrderToTheAddressedNode() {
        one.send(heartbeat(1, 2));
        one.send(new VoteRequest(1, 2, 2, 0, 0, false, false));
        one.send(heartbeat(1, 3));

        assertThat(receivedBy2).hasSize(2).first().isInstanceOf(HeartbeatRequest.class);
        assertThat(receivedBy2.get(1)).isInstanceOf(VoteRequest.class);
        assertThat(receivedBy3).hasSize(1);
        assertThat(network.deliveredCount()).isEqualTo(3);
    }

    @Test
    void aPartitionDropsMessagesAcrossItAndHealRestoresThem() {
        network.partition(Set.of(1L), Set.of(2L, 3L));
        one.send(heartbeat(1, 2));
        two.send(heartbeat(2, 3));

        assertThat(receivedBy2).isEmpty();
        assertThat(receivedBy3).hasSize(1);
        assertThat(network.droppedByFaultCount()).isEqualTo(1);

        network.heal();
        one.send(heartbeat(1, 2));
        assertThat(receivedBy2).hasSize(1);
    }

    @Test
    void isolateCutsANodeOffFromEveryone() {
        network.isolate(2);
        one.send(heartbeat(1, 2));
        two.send(heartbeat(2, 3));
        one.send(heartbeat(1, 3));

        assertThat(receivedBy2).isEmpty();
        assertThat(receivedBy3).hasSize(1);
        assertThat(network.droppedByFaultCount()).isEqualTo(2);
    }

    @Test
    void aOneWayCutDropsOnlyThatDirection() {
        network.cutOneWay(2, 3);
        two.send(heartbeat(2, 3));
        three.send(heartbeat(3, 2));

        assertThat(receivedBy3).isEmpty();
        assertThat(receivedBy2).hasSize(1);
    }

    @Test
    void aDropFilterDropsMatchingMessagesOnly() {
        network.dropIf(message -> message instanceof VoteRequest);
        one.send(new VoteRequest(1, 2, 2, 0, 0, false, false));
        one.send(heartbeat(1, 2));

        assertThat(receivedBy2).hasSize(1).first().isInstanceOf(HeartbeatRequest.class);
        assertThat(network.droppedByFaultCount()).isEqualTo(1);
    }

    @Test
    void sendNeverThrowsAndCountsUndeliverableMessages() {
        three.close();
        one.send(heartbeat(1, 3));
        one.send(heartbeat(1, 99));
        InMemoryTransport throwing = network.transport(4);
        throwing.start(message -> {
            throw new IllegalStateException("a broken inbox");
        });
        one.send(heartbeat(1, 4));

        assertThat(receivedBy3).isEmpty();
        assertThat(network.droppedUnreachableCount()).isEqualTo(3);
    }

    @Test
    void aClosedNodeCanRejoinWithANewTransportButNotTwice() {
        assertThatThrownBy(() -> network.transport(2))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("node 2 already has an open transport");
        two.close();
        List<Message> receivedByNewTwo = new ArrayList<>();
        network.transport(2).start(receivedByNewTwo::add);

        one.send(heartbeat(1, 2));
        two.send(heartbeat(2, 3)); // the closed transport sends nothing

        assertThat(receivedByNewTwo).hasSize(1);
        assertThat(receivedBy2).isEmpty();
        assertThat(receivedBy3).isEmpty();
    }
}
