package dev.raftchat.raft.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pure packages of raft-core do no I/O, start no threads, read no clock and draw no randomness of
 * their own (DESIGN.md). This is what makes a simulated run replayable from its seed, so it is checked
 * here rather than hoped for.
 */
class PurityTest {

    static final String[] PURE_PACKAGES = {
        "dev.raftchat.raft.model..",
        "dev.raftchat.raft.core..",
        "dev.raftchat.raft.message..",
        "dev.raftchat.raft.confchange..",
        "dev.raftchat.raft.internal.."
    };

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.raftchat.raft");
    }

    static final ArchRule NO_IO = noClasses()
            .that()
            .resideInAnyPackage(PURE_PACKAGES)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "java.io..",
                    "java.nio.file..",
                    "java.nio.channels..",
                    "java.net..",
                    "java.util.concurrent..",
                    "io.netty..",
                    "com.google.protobuf..",
                    "java.lang.management..")
            .because("the pure core does no I/O and uses no concurrency");

    static final ArchRule NO_THREADS = noClasses()
            .that()
            .resideInAnyPackage(PURE_PACKAGES)
            .should()
            .dependOnClassesThat()
            .areAssignableTo(Thread.class)
            .orShould()
            .dependOnClassesThat()
            .areAssignableTo(Runnable.class)
            .orShould()
            .dependOnClassesThat()
            .areAssignableTo(ThreadLocal.class)
            .because("the pure core starts no threads: its caller owns the thread");

    // NodeConfig is exempt: NodeConfig.defaults(id) draws the node's seed from SecureRandom once, when a
    // configuration is made, before any node exists; the node then draws only from that seed.
    static final ArchRule NO_CLOCK_OR_RANDOMNESS = noClasses()
            .that()
            .resideInAnyPackage(PURE_PACKAGES)
            .and()
            .doNotHaveFullyQualifiedName("dev.raftchat.raft.core.NodeConfig")
            .should()
            .callMethod(System.class, "currentTimeMillis")
            .orShould()
            .callMethod(System.class, "nanoTime")
            .orShould()
            .callMethod(Math.class, "random")
            .orShould()
            .callMethod(UUID.class, "randomUUID")
            .orShould()
            .dependOnClassesThat()
            .resideInAnyPackage("java.time..", "java.security..")
            .orShould()
            .dependOnClassesThat()
            .areAssignableTo(Random.class)
            .because("time comes from tick() and randomness from the seeded generator in the config");

    static final ArchRule NO_LOGGING_OR_RUNTIME = noClasses()
            .that()
            .resideInAnyPackage(PURE_PACKAGES)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("org.slf4j..", "dev.raftchat.raft.runtime..", "dev.raftchat.raft.transport..")
            .because("the pure core reports through Ready and Status, and knows nothing of the runtime");

    @Test
    void pureCoreDoesNoIo() {
        NO_IO.check(classes);
    }

    @Test
    void pureCoreStartsNoThreads() {
        NO_THREADS.check(classes);
    }

    @Test
    void pureCoreReadsNoClockAndDrawsNoRandomnessOfItsOwn() {
        NO_CLOCK_OR_RANDOMNESS.check(classes);
    }

    @Test
    void pureCoreDoesNotReachOutward() {
        NO_LOGGING_OR_RUNTIME.check(classes);
    }
}
