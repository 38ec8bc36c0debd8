package dev.raftchat.raft.testkit;

import dev.raftchat.raft.transport.InMemoryNetwork;
import dev.raftchat.raft.transport.Transport;
import java.util.ArrayList;
import java.util.List;

class InMemoryTransportContractTest extends TransportContract {
    @Override
    protected List<Transport> startConnected(List<Transport.Inbox> inboxes) {
        InMemoryNetwork network = new InMemoryNetwork();
        List<Transport> transports = new ArrayList<>();
        for (int i = 0; i < inboxes.size(); i++) {
            Transport transport = network.transport(i + 1L);
            transport.start(inboxes.get(i));
            transports.add(transport);
        }
        return transports;
    }
}
