package dev.raftchat.raft.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The envelope's byte layout is part of the log format: the encoder must write exactly what the javadoc says. */
class CommandEnvelopeTest {

    @Test
    void encodesTheDocumentedBigEndianLayoutAndDecodesIt() {
        byte[] command = {7, 8, 9};
        long origin = 0x0102030405060708L;
        long session = -2L;
        long sequence = 1L << 40;

        byte[] envelope = CommandEnvelope.encode(origin, session, sequence, command);

        ByteBuffer expected = ByteBuffer.allocate(CommandEnvelope.HEADER_BYTES + command.length)
                .put(CommandEnvelope.FORMAT_VERSION)
                .putLong(origin)
                .putLong(session)
                .putLong(sequence)
                .put(command);
        assertThat(envelope).isEqualTo(expected.array());
        CommandEnvelope decoded = CommandEnvelope.decode(5, envelope);
        assertThat(decoded.originId()).isEqualTo(origin);
        assertThat(decoded.session()).isEqualTo(session);
        assertThat(decoded.sequence()).isEqualTo(sequence);
        assertThat(decoded.command()).isEqualTo(command);
        assertThat(new CommandEnvelope(origin, session, sequence, command).encode())
                .isEqualTo(envelope);
    }
}
