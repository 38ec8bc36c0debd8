package dev.raftchat.raft.storage.file;

import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.storage.StorageException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Jazzer target for the segment recovery reader: a log of eight synced entries on a
 * {@link SimulatedFileSystem}, whose segment is then damaged by the input — replaced by it entirely (first
 * byte odd), or overwritten at fuzzed offsets (first byte even: pairs of a 16-bit offset and a byte) — and
 * opened again. Recovery must either refuse with a {@link StorageException} or present a log whose entries
 * are the ones written (a prefix of them when it cut a torn tail). Any other exception, or an entry that
 * was never written, is a crash.
 */
public final class SegmentRecoveryFuzzTarget {
    private static final Path DIR = Path.of("/fuzz/log");
    private static final FileLogStorageConfig CONFIG =
            FileLogStorageConfig.defaults().withSegmentBytesMax(64 * 1024);

    private SegmentRecoveryFuzzTarget() {}

    public static void fuzzerTestOneInput(byte[] bytes) {
        if (bytes.length == 0) {
            return;
        }
        SimulatedFileSystem fs = new SimulatedFileSystem();
        List<Entry> written = new ArrayList<>();
        try (FileLogStorage storage = FileLogStorage.open(fs, DIR, CONFIG)) {
            for (long index = 1; index <= 8; index++) {
                written.add(Entry.normal(1 + index / 4, index, ("entry " + index).getBytes(StandardCharsets.UTF_8)));
            }
            storage.append(written);
            storage.sync();
        }
        Path segment = DIR.resolve(SegmentFormat.fileName(1));
        try (StorageFile file = fs.open(segment, false)) {
            if ((bytes[0] & 1) == 1) {
                file.truncate(0);
                file.write(0, ByteBuffer.wrap(bytes, 1, bytes.length - 1));
            } else {
                for (int i = 1; i + 2 < bytes.length; i += 3) {
                    long offset = ((bytes[i] & 0xff) << 8 | (bytes[i + 1] & 0xff)) % Math.max(1, file.size());
                    file.write(offset, ByteBuffer.wrap(bytes, i + 2, 1));
                }
            }
            file.force();
        }
        FileLogStorage recovered;
        try {
            recovered = FileLogStorage.open(fs, DIR, CONFIG);
        } catch (StorageException refused) {
            return;
        }
        try (recovered) {
            if (recovered.lastIndex() < recovered.firstIndex()) {
                return;
            }
            List<Entry> entries = recovered.entries(recovered.firstIndex(), recovered.lastIndex() + 1, Long.MAX_VALUE);
            for (Entry entry : entries) {
                Entry original = written.get((int) entry.index() - 1);
                if (entry.term() != original.term() || !Arrays.equals(entry.data(), original.data())) {
                    throw new AssertionError("recovery presents " + entry + ", which was never written");
                }
            }
        } catch (StorageException refused) {
            // a read that finds damage is refused too
        }
    }
}
