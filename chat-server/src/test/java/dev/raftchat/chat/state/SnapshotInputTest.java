package dev.raftchat.chat.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class SnapshotInputTest {

    /** Hands out at most three bytes per read, so every value straddles a refill. */
    private static InputStream trickle(byte[] bytes) {
        return new FilterInputStream(new ByteArrayInputStream(bytes)) {
            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                return super.read(buffer, offset, Math.min(length, 3));
            }
        };
    }

    @Test
    void readsWhatDataOutputStreamWroteAcrossRefills() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeLong(-2L);
        out.writeInt(0x12345678);
        out.writeByte(1);
        ChatCodec.writeString(out, "héllo, wörld");
        ChatCodec.writeNullableString(out, null);
        ChatCodec.writeNullableString(out, "x".repeat(SnapshotInput.BUFFER_BYTES + 5));
        out.writeLong(Long.MAX_VALUE);

        SnapshotInput in = new SnapshotInput(trickle(bytes.toByteArray()));

        assertThat(in.readLong()).isEqualTo(-2L);
        assertThat(in.readInt()).isEqualTo(0x12345678);
        assertThat(in.readBoolean()).isTrue();
        assertThat(in.readString(100)).isEqualTo("héllo, wörld");
        assertThat(in.readNullableString(100)).isNull();
        assertThat(in.readNullableString(2 * SnapshotInput.BUFFER_BYTES)).hasSize(SnapshotInput.BUFFER_BYTES + 5);
        assertThat(in.readLong()).isEqualTo(Long.MAX_VALUE);
        assertThatThrownBy(in::readByte).isInstanceOf(EOFException.class);
    }

    @Test
    void sharedStringsAreOneInstancePerValue() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        for (int i = 0; i < 3; i++) {
            ChatCodec.writeString(out, "alice");
            ChatCodec.writeString(out, "bob");
        }
        String longName = "n".repeat(SnapshotInput.SHARED_STRING_BYTES_MAX + 1);
        ChatCodec.writeString(out, longName);
        ChatCodec.writeString(out, longName);
        SnapshotInput in = new SnapshotInput(trickle(bytes.toByteArray()));

        String alice = in.readSharedString(100);
        String bob = in.readSharedString(100);
        for (int i = 1; i < 3; i++) {
            assertThat(in.readSharedString(100)).isEqualTo("alice").isSameAs(alice);
            assertThat(in.readSharedString(100)).isEqualTo("bob").isSameAs(bob);
        }
        String first = in.readSharedString(1000);
        assertThat(in.readSharedString(1000)).isEqualTo(longName).isEqualTo(first);
    }

    @Test
    void refusesLengthsOutsideTheBoundAndBadBooleans() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(1_000_000); // a declared length beyond the bound: refused before any allocation
        out.writeInt(-1);
        out.writeByte(2);
        out.writeInt(10); // a length past the end of the data
        out.write(new byte[4]);
        SnapshotInput in = new SnapshotInput(new ByteArrayInputStream(bytes.toByteArray()));

        assertThatThrownBy(() -> in.readString(1000)).hasMessageContaining("string length 1000000");
        assertThatThrownBy(() -> in.readSharedString(1000)).hasMessageContaining("string length -1");
        assertThatThrownBy(in::readBoolean).hasMessageContaining("boolean byte 2");
        assertThatThrownBy(() -> in.readString(1000)).isInstanceOf(EOFException.class);
    }
}
