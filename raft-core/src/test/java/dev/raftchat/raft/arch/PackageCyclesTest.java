package dev.raftchat.raft.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import dev.raftchat.raft.core.RaftNode;
import dev.raftchat.raft.model.CycleForTest;
import dev.raftchat.raft.model.Entry;
import org.junit.jupiter.api.Test;

/**
 * No two packages of raft-core import each other, directly or through others (ARCHITECTURE.md, layer
 * rules): the shared values live in {@code model}, which depends on nothing, and {@code internal} is used
 * by {@code core} only. A cycle would mean neither package can be understood, tested or changed alone.
 */
class PackageCyclesTest {

    /** Each top-level package below {@code dev.raftchat.raft} is one slice; {@code internal} is one too. */
    static final ArchRule NO_PACKAGE_CYCLES = slices().matching("dev.raftchat.raft.(*)..")
            .should()
            .beFreeOfCycles()
            .because("every package of raft-core must be understandable without the ones that use it");

    /** What is under {@code internal} is not API: within the library only {@code core} builds on it. */
    static final ArchRule INTERNAL_ONLY_FOR_CORE = noClasses()
            .that()
            .resideOutsideOfPackages("dev.raftchat.raft.core..", "dev.raftchat.raft.internal..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("dev.raftchat.raft.internal..")
            .because("internal packages are not API and may change in any release");

    private static JavaClasses library() {
        return new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.raftchat.raft");
    }

    @Test
    void raftCorePackagesAreFreeOfCycles() {
        NO_PACKAGE_CYCLES.check(library());
    }

    @Test
    void onlyTheCoreUsesInternalPackages() {
        INTERNAL_ONLY_FOR_CORE.check(library());
    }

    @Test
    void theRuleReportsACycle() {
        // CycleForTest (test sources, in model) refers to RaftNode, which refers to model's Entry.
        JavaClasses offender = new ClassFileImporter().importClasses(CycleForTest.class, RaftNode.class, Entry.class);
        assertThatThrownBy(() -> NO_PACKAGE_CYCLES.check(offender))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Cycle detected");
    }
}
