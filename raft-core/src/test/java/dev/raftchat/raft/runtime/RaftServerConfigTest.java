package dev.raftchat.raft.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftchat.raft.core.NodeConfig;
import dev.raftchat.raft.model.ConfState;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RaftServerConfigTest {

    private static RaftServerConfig.Builder valid() {
        return RaftServerConfig.builder(NodeConfig.defaults(1, 1), ConfState.ofVoters(1, 2, 3));
    }

    @Test
    void defaultsAreValidAndCarryTheirUnits() {
        RaftServerConfig config = valid().build();

        assertThat(config.tickMillis()).isEqualTo(RaftServerConfig.DEFAULT_TICK_MILLIS);
        assertThat(config.proposalTimeoutMillis()).isEqualTo(RaftServerConfig.DEFAULT_PROPOSAL_TIMEOUT_MILLIS);
        assertThat(config.id()).isEqualTo(1);
        assertThat(config.toBuilder().build()).isEqualTo(config);
    }

    @Test
    void unsetBatchLimitsShrinkToFitTheirQueues() {
        RaftServerConfig config =
                valid().pendingProposalsMax(10).inboxMessagesMax(20).build();

        assertThat(config.proposalBatchMax()).isEqualTo(10);
        assertThat(config.inboxBatchMessagesMax()).isEqualTo(20);
    }

    static Stream<Arguments> invalidFields() {
        return Stream.of(
                Arguments.of("tickMillis", (UnaryOperator<RaftServerConfig.Builder>) b -> b.tickMillis(0)),
                Arguments.of("proposalTimeoutMillis", (UnaryOperator<RaftServerConfig.Builder>)
                        b -> b.proposalTimeoutMillis(-5)),
                Arguments.of("inboxMessagesMax", (UnaryOperator<RaftServerConfig.Builder>) b -> b.inboxMessagesMax(0)),
                Arguments.of(
                        "inboxMessagesMax", (UnaryOperator<RaftServerConfig.Builder>) b -> b.inboxMessagesMax(1 << 21)),
                Arguments.of("inboxBatchMessagesMax", (UnaryOperator<RaftServerConfig.Builder>)
                        b -> b.inboxMessagesMax(8).inboxBatchMessagesMax(9)),
                Arguments.of(
                        "pendingProposalsMax", (UnaryOperator<RaftServerConfig.Builder>) b -> b.pendingProposalsMax(0)),
                Arguments.of("proposalBatchMax", (UnaryOperator<RaftServerConfig.Builder>) b -> b.proposalBatchMax(0)),
                Arguments.of("proposalBatchBytesMax", (UnaryOperator<RaftServerConfig.Builder>)
                        b -> b.proposalBatchBytesMax(0)),
                Arguments.of("commandBytesMax", (UnaryOperator<RaftServerConfig.Builder>) b -> b.commandBytesMax(0)),
                Arguments.of("pendingProposalBytesMax", (UnaryOperator<RaftServerConfig.Builder>)
                        b -> b.commandBytesMax(100).pendingProposalBytesMax(99)),
                Arguments.of("pendingReadsMax", (UnaryOperator<RaftServerConfig.Builder>) b -> b.pendingReadsMax(0)),
                Arguments.of("queryBytesMax", (UnaryOperator<RaftServerConfig.Builder>) b -> b.queryBytesMax(0)),
                Arguments.of(
                        "readTimeoutMillis", (UnaryOperator<RaftServerConfig.Builder>) b -> b.readTimeoutMillis(0)),
                Arguments.of("pendingAdminOperationsMax", (UnaryOperator<RaftServerConfig.Builder>)
                        b -> b.pendingAdminOperationsMax(0)),
                Arguments.of("shutdownTimeoutMillis", (UnaryOperator<RaftServerConfig.Builder>)
                        b -> b.shutdownTimeoutMillis(0)),
                Arguments.of("initialConf", (UnaryOperator<RaftServerConfig.Builder>) b -> b.initialConf(null)),
                Arguments.of("node", (UnaryOperator<RaftServerConfig.Builder>) b -> b.node(null)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidFields")
    void anInvalidValueIsRejectedWithAMessageNamingTheField(
            String field, UnaryOperator<RaftServerConfig.Builder> breakIt) {
        assertThatThrownBy(() -> breakIt.apply(valid()).build())
                .isInstanceOf(RuntimeException.class)
                .hasMessageStartingWith(field);
    }
}
