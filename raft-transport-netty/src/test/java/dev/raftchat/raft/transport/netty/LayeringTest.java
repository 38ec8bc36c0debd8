package dev.raftchat.raft.transport.netty;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import dev.raftchat.raft.transport.netty.proto.RaftProto;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The codec is the only place where protobuf message bodies and raft-core records meet. */
class LayeringTest {
    private static final JavaClasses MAIN_CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.raftchat.raft.transport.netty");

    /** Framing types the transport may use directly; every other generated type is the codec's business. */
    private static final Set<String> FRAMING_TYPES = Set.of(
            RaftProto.class.getName(),
            RaftProto.Frame.class.getName(),
            RaftProto.Frame.Builder.class.getName(),
            RaftProto.Frame.KindCase.class.getName(),
            RaftProto.Hello.class.getName(),
            RaftProto.Hello.Builder.class.getName(),
            RaftProto.Rejection.class.getName(),
            RaftProto.Rejection.Builder.class.getName(),
            // The handshake (issue 18): framing too, handled by the peer handlers, never by Raft code.
            RaftProto.Challenge.class.getName(),
            RaftProto.Challenge.Builder.class.getName(),
            RaftProto.Proof.class.getName(),
            RaftProto.Proof.Builder.class.getName());

    @Test
    void onlyTheCodecUsesTheGeneratedMessageTypes() {
        DescribedPredicate<JavaClass> messageBodyTypes = new DescribedPredicate<>("generated message body types") {
            @Override
            public boolean test(JavaClass type) {
                return type.getPackageName().equals(RaftProto.class.getPackageName())
                        && !FRAMING_TYPES.contains(type.getName());
            }
        };
        ArchRule rule = noClasses()
                .that()
                .resideInAPackage("dev.raftchat.raft.transport.netty")
                .and()
                .doNotBelongToAnyOf(MessageCodec.class)
                .should()
                .dependOnClassesThat(messageBodyTypes);
        rule.check(MAIN_CLASSES);
    }

    @Test
    void theCodecDoesNotDependOnNetty() {
        noClasses()
                .that()
                .haveFullyQualifiedName(MessageCodec.class.getName())
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.netty..")
                .check(MAIN_CLASSES);
    }
}
