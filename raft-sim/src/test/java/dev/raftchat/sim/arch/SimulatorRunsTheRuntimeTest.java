package dev.raftchat.sim.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import dev.raftchat.raft.core.RaftNode;
import dev.raftchat.raft.runtime.RaftDriver;
import dev.raftchat.sim.arch.fixture.HandRolledHost;
import org.junit.jupiter.api.Test;

/**
 * The simulator proves the code that ships only if it runs it: every simulated node drives the runtime's
 * {@link RaftDriver} (the same class {@code RaftServer} drives on its threads), and nothing in the simulator
 * drives the pure {@link RaftNode} itself — a second copy of the Ready handling would be tested instead of
 * the real one.
 */
class SimulatorRunsTheRuntimeTest {

    private static final String SIMULATOR = "dev.raftchat.sim";

    static final ArchRule NODES_DRIVE_THE_RUNTIME = classes()
            .that()
            .haveFullyQualifiedName(SIMULATOR + ".SimNode")
            .should()
            .dependOnClassesThat()
            .areAssignableTo(RaftDriver.class)
            .because("a simulated node runs the production runtime's logic");

    static final ArchRule NO_SECOND_READY_LOOP = noClasses()
            .that()
            .resideInAPackage(SIMULATOR + "..")
            .should()
            .dependOnClassesThat()
            .areAssignableTo(RaftNode.class)
            .because("only the runtime steps, ticks and advances the pure node; a simulator that did it would"
                    + " test its own copy of the Ready handling");

    private static JavaClasses simulator() {
        return new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages(SIMULATOR);
    }

    @Test
    void everySimulatedNodeDrivesTheRuntimesDriver() {
        JavaClasses classes = simulator();
        assertThat(classes.contain(SIMULATOR + ".SimNode")).isTrue();
        NODES_DRIVE_THE_RUNTIME.check(classes);
    }

    @Test
    void nothingInTheSimulatorDrivesTheCoreItself() {
        NO_SECOND_READY_LOOP.check(simulator());
    }

    @Test
    void theRuleCatchesAHostThatRunsItsOwnReadyLoop() {
        JavaClasses fixture = new ClassFileImporter().importClasses(HandRolledHost.class);
        EvaluationResult result = NO_SECOND_READY_LOOP.evaluate(fixture);
        assertThat(result.hasViolation()).isTrue();
        assertThat(result.getFailureReport().toString()).contains("ready").contains("advance");
    }
}
