package dev.raftchat.raft.arch;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.raftchat.raft.core.ImpureForTest;
import org.junit.jupiter.api.Test;

/**
 * Proves the purity rules bite: classes placed (in test sources) in a pure package that do I/O,
 * start a thread or read the clock must be reported.
 */
class PurityRulesCanFailTest {

    @Test
    void ioInAPurePackageIsReported() {
        JavaClasses offender = new ClassFileImporter().importClasses(ImpureForTest.class);
        assertThatThrownBy(() -> PurityTest.NO_IO.check(offender))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("java.io");
        assertThatThrownBy(() -> PurityTest.NO_THREADS.check(offender)).isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> PurityTest.NO_CLOCK_OR_RANDOMNESS.check(offender))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("currentTimeMillis");
    }
}
