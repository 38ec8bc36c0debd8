package dev.raftchat.chat.ops;

import picocli.CommandLine.IVersionProvider;

/**
 * What build this process runs: the version Maven wrote into the jar's manifest ({@code Implementation-Version},
 * set by the shade and jar plugins from the POM's version), so {@code raft-chat --version} and the
 * {@code raft_chat_build_info} metric can never disagree with the artifact. Run from a class directory (tests, an
 * IDE) there is no manifest: the version is then {@value #UNKNOWN_VERSION}.
 */
public final class BuildInfo implements IVersionProvider {
    /** The version reported when the classes were not loaded from a jar with a manifest. */
    public static final String UNKNOWN_VERSION = "unknown";

    /** The version of the jar this class was loaded from, or {@value #UNKNOWN_VERSION}. */
    public static String version() {
        String version = BuildInfo.class.getPackage().getImplementationVersion();
        return version == null || version.isBlank() ? UNKNOWN_VERSION : version;
    }

    /** The Java runtime's version, e.g. {@code 17.0.12+7}. */
    public static String javaVersion() {
        return Runtime.version().toString();
    }

    @Override
    public String[] getVersion() {
        return new String[] {
            "raft-chat " + version(),
            "Java " + javaVersion() + " (" + System.getProperty("java.vm.name", "unknown VM") + ")"
        };
    }
}
