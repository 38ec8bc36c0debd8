package dev.raftchat.raft.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.core.RaftNode;
import dev.raftchat.raft.storage.file.FileLogStorage;
import dev.raftchat.raft.transport.netty.NettyTransport;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The public API of each library module, listed in {@code <module>/api.txt} and compared on every build: a
 * change of the API (a type, constructor, method or field that is public, or protected in a type others may
 * extend) fails this test until the listing is regenerated, so every API change is a visible diff in review.
 * The listing is made by reflection over the module's compiled classes: each accessible type with its kind,
 * modifiers, supertypes, and each accessible member's generic signature, sorted. Left out: packages named
 * {@code internal} (public for the library's own packages, documented as not API) and the generated protobuf
 * classes ({@code ...netty.proto}: the wire schema, which {@code raft_messages.proto} pins).
 */
class ApiListingTest {

    static final String REWRITE = "./mvnw -B -o -pl raft-testkit -am test -Dtest=ApiListingTest"
            + " -Dsurefire.failIfNoSpecifiedTests=false -Dapi.rewrite=true";

    /** Each library module, by a class it holds (whose code source is the module's classes). */
    static final Map<String, Class<?>> MODULES = Map.of(
            "raft-core", RaftNode.class,
            "raft-storage-file", FileLogStorage.class,
            "raft-transport-netty", NettyTransport.class,
            "raft-testkit", StateMachineSimulation.class);

    /**
     * Not API: the generated protobuf classes, and raft-core's {@code internal} packages (public only so that
     * {@code core} can use them across packages; documented as free to change in any release).
     */
    static final Set<String> EXCLUDED_PACKAGES =
            Set.of("dev.raftchat.raft.transport.netty.proto", "dev.raftchat.raft.internal");

    @Test
    void everyLibraryModulesApiMatchesItsCommittedListing() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<String> stale = new ArrayList<>();
        for (Map.Entry<String, Class<?>> module : new TreeMap<>(MODULES).entrySet()) {
            String listing = listing(module.getValue());
            Path file = root.resolve(module.getKey()).resolve("api.txt");
            String committed = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
            if (Boolean.getBoolean("api.rewrite")) {
                Files.writeString(file, listing, StandardCharsets.UTF_8);
            } else if (!listing.equals(committed)) {
                stale.add(module.getKey() + "/api.txt:\n" + diff(committed, listing));
            }
        }
        assertThat(stale)
                .as("the public API changed; review the diff (- listed, + now) and regenerate the listings with\n  "
                        + REWRITE + "\n")
                .isEmpty();
    }

    @Test
    void theListingSeesEveryKindOfMember() throws Exception {
        String core = listing(RaftNode.class);
        assertThat(core)
                .contains("public final class dev.raftchat.raft.runtime.RaftServer")
                .contains("  public java.util.concurrent.CompletableFuture<byte[]> propose(byte[])")
                .contains("public abstract interface dev.raftchat.raft.statemachine.StateMachine")
                .contains("  public static final int DEFAULT_ELECTION_TIMEOUT_TICKS")
                .doesNotContain("dev.raftchat.raft.runtime.Proposals")
                .doesNotContain(".internal.")
                .doesNotContain("lambda$");
    }

    /** The module's API as text: one block per accessible type, sorted by name. */
    static String listing(Class<?> anchor) throws IOException, URISyntaxException {
        Path location = Path.of(
                anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        TreeMap<String, String> types = new TreeMap<>();
        for (String className : classNames(location)) {
            if (className.contains(".internal.")
                    || EXCLUDED_PACKAGES.stream().anyMatch(p -> className.startsWith(p + "."))) {
                continue;
            }
            Class<?> type;
            try {
                type = Class.forName(className, false, anchor.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                throw new IllegalStateException("cannot load " + className, e);
            }
            if (type.isSynthetic() || type.isAnonymousClass() || type.isLocalClass() || !accessible(type)) {
                continue;
            }
            types.put(type.getName(), describe(type));
        }
        StringBuilder out = new StringBuilder();
        types.values().forEach(out::append);
        return out.toString();
    }

    private static List<String> classNames(Path location) throws IOException {
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(location)) {
            try (Stream<Path> files = Files.walk(location)) {
                files.filter(f -> f.toString().endsWith(".class"))
                        .map(f -> location.relativize(f).toString())
                        .forEach(f -> names.add(toClassName(f)));
            }
        } else {
            try (JarFile jar = new JarFile(location.toFile())) {
                for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                    String name = e.nextElement().getName();
                    if (name.endsWith(".class")) {
                        names.add(toClassName(name));
                    }
                }
            }
        }
        names.removeIf(n -> n.endsWith("module-info") || n.endsWith("package-info"));
        return names;
    }

    private static String toClassName(String path) {
        return path.substring(0, path.length() - ".class".length())
                .replace('/', '.')
                .replace('\\', '.');
    }

    /** Public, or protected inside an accessible type, all the way out. */
    private static boolean accessible(Class<?> type) {
        for (Class<?> t = type; t != null; t = t.getDeclaringClass()) {
            int m = t.getModifiers();
            boolean visible = Modifier.isPublic(m) || (t.getDeclaringClass() != null && Modifier.isProtected(m));
            if (!visible) {
                return false;
            }
        }
        return true;
    }

    private static boolean canBeExtended(Class<?> type) {
        return !Modifier.isFinal(type.getModifiers()) && !type.isEnum() && !type.isRecord();
    }

    private static String describe(Class<?> type) {
        StringBuilder sb = new StringBuilder();
        sb.append(Modifier.toString(type.getModifiers() & ~Modifier.STATIC & ~Modifier.INTERFACE))
                .append(type.getModifiers() == 0 ? "" : " ")
                .append(
                        type.isAnnotation()
                                ? "@interface "
                                : type.isInterface()
                                        ? "interface "
                                        : type.isEnum() ? "enum " : type.isRecord() ? "record " : "class ")
                .append(type.getName());
        if (type.getGenericSuperclass() != null
                && type.getSuperclass() != Object.class
                && type.getSuperclass() != Enum.class
                && type.getSuperclass() != Record.class) {
            sb.append(" extends ").append(type.getGenericSuperclass().getTypeName());
        }
        if (type.getGenericInterfaces().length > 0) {
            sb.append(type.isInterface() ? " extends " : " implements ");
            sb.append(String.join(
                    ", ",
                    Arrays.stream(type.getGenericInterfaces())
                            .map(t -> t.getTypeName())
                            .toList()));
        }
        if (type.isSealed()) {
            sb.append(" permits ")
                    .append(String.join(
                            ", ",
                            Arrays.stream(type.getPermittedSubclasses())
                                    .map(Class::getName)
                                    .sorted()
                                    .toList()));
        }
        sb.append('\n');
        boolean protectedToo = canBeExtended(type);
        Set<String> members = new TreeSet<>();
        for (Field f : type.getDeclaredFields()) {
            if (!f.isSynthetic() && visible(f.getModifiers(), protectedToo)) {
                members.add(Modifier.toString(f.getModifiers()) + " "
                        + f.getGenericType().getTypeName() + " " + f.getName());
            }
        }
        for (Constructor<?> c : type.getDeclaredConstructors()) {
            if (!c.isSynthetic() && visible(c.getModifiers(), protectedToo)) {
                members.add(c.toGenericString());
            }
        }
        for (Method m : type.getDeclaredMethods()) {
            if (!m.isSynthetic() && !m.isBridge() && visible(m.getModifiers(), protectedToo)) {
                members.add(m.toGenericString().replace(type.getName() + ".", ""));
            }
        }
        Set<String> lines = new LinkedHashSet<>(members);
        lines.forEach(line -> sb.append("  ").append(line).append('\n'));
        return sb.toString();
    }

    private static boolean visible(int modifiers, boolean protectedToo) {
        return Modifier.isPublic(modifiers) || (protectedToo && Modifier.isProtected(modifiers));
    }

    /** A line diff: what only the committed listing has (-), what only the current one has (+). */
    static String diff(String committed, String current) {
        List<String> before = committed.lines().toList();
        List<String> after = current.lines().toList();
        StringBuilder sb = new StringBuilder();
        // Longest common subsequence, line by line: listings are a few thousand lines at most.
        int[][] lcs = new int[before.size() + 1][after.size() + 1];
        for (int i = before.size() - 1; i >= 0; i--) {
            for (int j = after.size() - 1; j >= 0; j--) {
                lcs[i][j] = before.get(i).equals(after.get(j))
                        ? lcs[i + 1][j + 1] + 1
                        : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        int i = 0;
        int j = 0;
        String type = "";
        String shown = "";
        while (i < before.size() || j < after.size()) {
            String line;
            String sign;
            if (i < before.size() && j < after.size() && before.get(i).equals(after.get(j))) {
                if (!before.get(i).startsWith(" ")) {
                    type = before.get(i);
                }
                i++;
                j++;
                continue;
            } else if (j < after.size() && (i == before.size() || lcs[i][j + 1] >= lcs[i + 1][j])) {
                line = after.get(j++);
                sign = "+ ";
            } else {
                line = before.get(i++);
                sign = "- ";
            }
            if (!line.startsWith(" ")) {
                type = line;
                shown = line;
            } else if (!type.equals(shown)) {
                sb.append("  (in ").append(type).append(")\n");
                shown = type;
            }
            sb.append(sign).append(line).append('\n');
        }
        return sb.toString();
    }
}
