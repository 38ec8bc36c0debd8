package dev.raftchat.raft.storage.file;

import java.util.zip.CRC32C;

/** CRC32C helpers; every checksum in the storage formats is CRC32C (Castagnoli), as in Kafka and ext4. */
final class Crc {
    private Crc() {}

    static int of(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }
}
