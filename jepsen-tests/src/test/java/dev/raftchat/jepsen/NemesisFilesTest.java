package dev.raftchat.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cutting a killed node's last segment back to the length its last sync covered. */
class NemesisFilesTest {
    @TempDir
    Path log;

    @Test
    void cutsOnlyTheUnsyncedTailOfTheLastSegment() throws Exception {
        Files.write(log.resolve("00000000000000000001.log"), new byte[1000]);
        Files.writeString(log.resolve("synced-length"), "00000000000000000001.log 600\n");
        assertThat(Nemesis.cutToSyncedLength(log)).isEqualTo("cut 400 bytes of 00000000000000000001.log");
        assertThat(Files.size(log.resolve("00000000000000000001.log"))).isEqualTo(600);
        assertThat(Nemesis.cutToSyncedLength(log)).startsWith("nothing unsynced");
    }

    @Test
    void leavesASegmentAloneOnceANewerOneBegan() throws Exception {
        Files.write(log.resolve("00000000000000000001.log"), new byte[1000]);
        Files.write(log.resolve("00000000000000000090.log"), new byte[100]);
        Files.writeString(log.resolve("synced-length"), "00000000000000000001.log 600\n");
        assertThat(Nemesis.cutToSyncedLength(log)).contains("no longer the last");
        assertThat(Files.size(log.resolve("00000000000000000001.log"))).isEqualTo(1000);
    }

    @Test
    void withoutTheSidecarNothingIsCut() {
        assertThat(Nemesis.cutToSyncedLength(log)).startsWith("no synced-length file");
    }

    @Test
    void postOutcomesAreClassifiedConservatively() {
        assertThat(Workload.classifyPost(201, "{}")).isEqualTo(Op.Type.OK);
        assertThat(Workload.classifyPost(200, "{}")).isEqualTo(Op.Type.OK);
        assertThat(Workload.classifyPost(400, "{\"error\":{\"code\":\"invalid_message\"}}"))
                .isEqualTo(Op.Type.FAIL);
        assertThat(Workload.classifyPost(503, "{\"error\":{\"code\":\"no_leader\"}}"))
                .isEqualTo(Op.Type.FAIL);
        assertThat(Workload.classifyPost(503, "{\"error\":{\"code\":\"not_committed\"}}"))
                .isEqualTo(Op.Type.FAIL);
        assertThat(Workload.classifyPost(503, "{\"error\":{\"code\":\"timeout\"}}"))
                .isEqualTo(Op.Type.INFO);
        assertThat(Workload.classifyPost(503, "{\"error\":{\"code\":\"shutting_down\"}}"))
                .isEqualTo(Op.Type.INFO);
        assertThat(Workload.classifyPost(500, "oops")).isEqualTo(Op.Type.INFO);
    }
}
