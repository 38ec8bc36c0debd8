package dev.raftchat.jepsen;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Partitions made by the kernel. Every node runs as its own user id (via {@code setpriv}) and binds to its
 * own loopback address {@code 127.77.<run>.<node>}; a cut link {@code a–b} is two {@code iptables} rules in
 * the OUTPUT chain: packets that {@code a}'s process sends to {@code b}'s address are dropped, and the other
 * way round. Connections between nodes are made from the kernel's default source address, so the rules
 * match the sending process by {@code --uid-owner} rather than by source address. With both directions
 * dropped, each of the two peer connections carries no data, which is a symmetric partition.
 *
 * <p>All rules live in one chain of our own ({@code rcj-<pid>}), jumped to from OUTPUT only for
 * destinations in {@code 127.77.<run>.0/24}; nothing else on the machine is matched. {@link #close()} removes
 * the jump and the chain; chains left by runs whose process is gone are removed at start. Needs root,
 * {@code iptables} with the {@code owner} match and {@code setpriv}: {@link #unavailableReason} checks them.
 */
public final class IptablesFaults implements NetworkFaults {
    private static final Logger LOG = LoggerFactory.getLogger(IptablesFaults.class);
    private static final String CHAIN_PREFIX = "rcj-";
    private static final int UID_BASE = 61_000;
    private static final long COMMAND_TIMEOUT_SECONDS = 20;

    private final int run;
    private final String chain;
    private final String subnet;
    private boolean closed;

    private IptablesFaults(int run) {
        this.run = run;
        this.chain = CHAIN_PREFIX + ProcessHandle.current().pid();
        this.subnet = "127.77." + run + ".0/24";
    }

    /** Why this machine cannot use iptables partitions, or null when it can. */
    public static String unavailableReason(Path jar, Path dataRoot) {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return "not Linux";
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return "not running as root";
        }
        try {
            Result probe = runCommand(List.of("iptables", "-w", "-m", "owner", "--help"));
            if (probe.exitCode != 0 || !probe.output.contains("uid-owner")) {
                return "iptables has no owner match: " + probe.output.strip();
            }
            Result listing = runCommand(List.of("iptables", "-w", "-S", "OUTPUT"));
            if (listing.exitCode != 0) {
                return "iptables cannot list rules: " + listing.output.strip();
            }
            Result setpriv = runCommand(List.of("setpriv", "--version"));
            if (setpriv.exitCode != 0) {
                return "setpriv is missing";
            }
        } catch (IOException e) {
            return "cannot run iptables or setpriv: " + e.getMessage();
        }
        String unreadable = readableByOthers(jar, false);
        if (unreadable != null) {
            return unreadable;
        }
        return readableByOthers(dataRoot, true);
    }

    /** Node processes run as other users: the jar must be readable and its directories traversable by them. */
    private static String readableByOthers(Path path, boolean directory) {
        try {
            Path p = path.toAbsolutePath();
            Set<PosixFilePermission> own = Files.getPosixFilePermissions(p);
            if (!own.contains(directory ? PosixFilePermission.OTHERS_EXECUTE : PosixFilePermission.OTHERS_READ)) {
                return p + " is not readable by other users";
            }
            for (Path parent = p.getParent(); parent != null; parent = parent.getParent()) {
                if (!Files.getPosixFilePermissions(parent).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    return "directory " + parent + " is not traversable by other users";
                }
            }
            return null;
        } catch (IOException | UnsupportedOperationException e) {
            return "cannot read the permissions of " + path + ": " + e;
        }
    }

    /** Creates the chain and its jump; {@code run} (1..250) picks the address block {@code 127.77.<run>.0/24}. */
    public static IptablesFaults open(int run) {
        if (run < 1 || run > 250) {
            throw new IllegalArgumentException("run must be in [1, 250], got " + run);
        }
        IptablesFaults faults = new IptablesFaults(run);
        faults.removeStaleChains();
        faults.iptables("-N", faults.chain);
        faults.iptables("-I", "OUTPUT", "-d", faults.subnet, "-j", faults.chain);
        return faults;
    }

    @Override
    public String name() {
        return "iptables";
    }

    @Override
    public String host(int node) {
        checkNode(node);
        return "127.77." + run + "." + node;
    }

    @Override
    public String peerUrl(int from, int to, int peerPortOfTo) {
        return "http://" + host(to) + ":" + peerPortOfTo;
    }

    @Override
    public int uid(int node) {
        checkNode(node);
        return UID_BASE + run * 16 + node;
    }

    private static void checkNode(int node) {
        if (node < 1 || node > 15) {
            throw new IllegalArgumentException("node ids must be in [1, 15] with iptables partitions, got " + node);
        }
    }

    @Override
    public synchronized void cut(Set<Link> links) {
        iptables("-F", chain);
        for (Link link : links) {
            drop(link.a(), link.b());
            drop(link.b(), link.a());
        }
    }

    private void drop(int from, int to) {
        iptables("-A", chain, "-d", host(to), "-m", "owner", "--uid-owner", Integer.toString(uid(from)), "-j", "DROP");
    }

    @Override
    public synchronized void heal() {
        if (!closed) {
            iptables("-F", chain);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        quietly("-D", "OUTPUT", "-d", subnet, "-j", chain);
        quietly("-F", chain);
        quietly("-X", chain);
    }

    private void removeStaleChains() {
        try {
            Result rules = runCommand(List.of("iptables", "-w", "-S"));
            for (String line : rules.output.split("\n")) {
                String[] words = line.trim().split("\\s+");
                if (words.length == 2 && words[0].equals("-N") && words[1].startsWith(CHAIN_PREFIX)) {
                    String owner = words[1].substring(CHAIN_PREFIX.length());
                    boolean alive = owner.chars().allMatch(Character::isDigit)
                            && ProcessHandle.of(Long.parseLong(owner))
                                    .map(ProcessHandle::isAlive)
                                    .orElse(false);
                    if (!alive) {
                        LOG.info("removing iptables chain {} left by a run that is gone", words[1]);
                        for (String jump : rules.output.split("\n")) {
                            if (jump.startsWith("-A OUTPUT") && jump.endsWith("-j " + words[1])) {
                                List<String> delete = new ArrayList<>(List.of("iptables", "-w", "-D"));
                                delete.addAll(List.of(
                                        jump.substring("-A ".length()).trim().split("\\s+")));
                                runCommand(delete);
                            }
                        }
                        runCommand(List.of("iptables", "-w", "-F", words[1]));
                        runCommand(List.of("iptables", "-w", "-X", words[1]));
                    }
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot list iptables chains to remove stale ones: {}", e.toString());
        }
    }

    private void iptables(String... args) {
        List<String> command = new ArrayList<>(List.of("iptables", "-w"));
        command.addAll(List.of(args));
        try {
            Result result = runCommand(command);
            if (result.exitCode != 0) {
                throw new IllegalStateException(
                        String.join(" ", command) + " failed (" + result.exitCode + "): " + result.output.strip());
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command), e);
        }
    }

    private void quietly(String... args) {
        try {
            iptables(args);
        } catch (RuntimeException e) {
            LOG.warn("{}", e.getMessage());
        }
    }

    record Result(int exitCode, String output) {}

    /** {@code name} from the PATH, else from the sbin directories a non-login root shell may lack. */
    static String executable(String name) {
        String path = System.getenv("PATH");
        List<String> directories = new ArrayList<>(path == null ? List.of() : List.of(path.split(":")));
        directories.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String directory : directories) {
            Path candidate = Path.of(directory.isEmpty() ? "." : directory, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return name;
    }

    static Result runCommand(List<String> command) throws IOException {
        List<String> resolved = new ArrayList<>(command);
        resolved.set(0, executable(command.get(0)));
        Process process = new ProcessBuilder(resolved).redirectErrorStream(true).start();
        try {
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(
                        String.join(" ", command) + " did not finish in " + COMMAND_TIMEOUT_SECONDS + " s");
            }
            return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + String.join(" ", command), e);
        }
    }
}
