package dev.raftchat.chat;

import dev.raftchat.chat.ops.BuildInfo;
import dev.raftchat.chat.ops.LogFormat;
import dev.raftchat.chat.ops.RestoreCommand;
import dev.raftchat.chat.state.ChatPolicy;
import dev.raftchat.chat.state.Names;
import dev.raftchat.raft.runtime.ServerStatus;
import dev.raftchat.raft.transport.netty.PeerAddress;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code raft-chat} command: runs one node. Flags and defaults follow the original raft-chat
 * ({@code --id 1 --cluster http://127.0.0.1:9021 --port 9121}); every flag can also be set through an
 * environment variable named {@code RAFT_CHAT_} + the flag in upper case with dashes as underscores
 * (e.g. {@code RAFT_CHAT_SNAPSHOT_COUNT}), or in a configuration file ({@code --config FILE}, see
 * {@link ConfigFile}). Precedence: command-line flag, then environment variable, then configuration
 * file, then the built-in default. Subcommand {@code restore} creates a data directory from a backup
 * ({@link RestoreCommand}).
 *
 * <p>Exit codes: 0 after a graceful stop (SIGTERM, SIGINT, or this node removed from the cluster),
 * 2 for invalid flags, 1 when the node cannot start (a port in use, unreadable data).
 */
@Command(
        name = "raft-chat",
        mixinStandardHelpOptions = true,
        versionProvider = BuildInfo.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        subcommands = {RestoreCommand.class, ClassArchiveTraining.class},
        description = "A chat server without a database: every node keeps the chat, replicated with Raft.",
        footer = {
            "",
            "Every option can also be given as an environment variable: RAFT_CHAT_<OPTION>, e.g. RAFT_CHAT_PORT=12380,",
            "or as 'option-name = value' in the --config file. A flag beats the environment, which beats the file."
        })
public final class RaftChatMain implements Callable<Integer> {
    static final String ENV_PREFIX = "RAFT_CHAT_";
    private static final Logger LOG = LoggerFactory.getLogger(RaftChatMain.class);

    @Option(
            names = "--id",
            defaultValue = "1",
            description = "This node's id: its 1-based position in --cluster (default: ${DEFAULT-VALUE}).")
    long id;

    @Option(
            names = "--cluster",
            defaultValue = "http://127.0.0.1:9021",
            description =
                    "Comma-separated peer URLs of the cluster's nodes, node 1 first; this node listens for peers on its own (default: ${DEFAULT-VALUE}).")
    String cluster;

    @Option(
            names = "--port",
            defaultValue = "" + ChatNodeConfig.DEFAULT_HTTP_PORT,
            description = "HTTP API port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--join",
            defaultValue = "false",
            fallbackValue = "true",
            arity = "0..1",
            description =
                    "Join a running cluster: start as a non-member and wait to be added (after POST /raft/{id} on a member).")
    boolean join;

    @Option(
            names = "--data-dir",
            description = "Where this node keeps its data (default: raft-chat-<id> in the working directory).")
    Path dataDir;

    @Option(
            names = "--snapshot-count",
            defaultValue = "" + ChatNodeConfig.DEFAULT_SNAPSHOT_COUNT,
            description =
                    "Applied entries between snapshots at least (default: ${DEFAULT-VALUE}); a snapshot also waits"
                            + " until the log since the last one is a quarter of that snapshot's size.")
    long snapshotCount;

    @Option(
            names = "--startup-exercise-ms",
            defaultValue = "" + ChatNodeConfig.DEFAULT_STARTUP_EXERCISE_MILLIS,
            description = "Before serving HTTP, exercise a scratch 3-node cluster in this JVM for this long, so that"
                    + " the first clients meet compiled code (default: ${DEFAULT-VALUE}; 0 skips it; at most "
                    + ChatNodeConfig.STARTUP_EXERCISE_MILLIS_MAX + "). The node takes part in elections meanwhile.")
    long startupExerciseMillis;

    @Option(
            names = "--http-host",
            defaultValue = ChatNodeConfig.DEFAULT_HTTP_HOST,
            description = "Interface the HTTP API binds to (default: ${DEFAULT-VALUE}).")
    String httpHost;

    @Option(
            names = "--request-timeout-ms",
            defaultValue = "" + ChatNodeConfig.DEFAULT_REQUEST_TIMEOUT_MILLIS,
            description = "Longest wait for a commit or a read before answering 503 (default: ${DEFAULT-VALUE}).")
    long requestTimeoutMillis;

    @Option(
            names = "--tick-ms",
            defaultValue = "" + ChatNodeConfig.DEFAULT_TICK_MILLIS,
            description = "Raft tick; an election timeout is 10 ticks (default: ${DEFAULT-VALUE}).")
    long tickMillis;

    @Option(
            names = "--admin-token",
            description =
                    "Bearer token required by the admin routes (membership, backup), at least 24 characters (e.g. openssl rand -base64 18); unset: they answer loopback clients only. Prefer the environment variable RAFT_CHAT_ADMIN_TOKEN.")
    String adminToken;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description =
                    "A configuration file of 'option-name = value' lines (Java properties, e.g. 'snapshot-count = 500'); flags and environment variables override it.")
    Path configFile;

    @Option(
            names = "--tls-cert",
            paramLabel = "PEM",
            description = "Serve HTTPS/WSS with this certificate chain (PEM); needs --tls-key.")
    Path tlsCertificate;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "The private key (PKCS#8 PEM) of --tls-cert.")
    Path tlsPrivateKey;

    @Option(
            names = "--peer-tls-cert",
            paramLabel = "PEM",
            description =
                    "Mutual TLS between nodes: this node's peer certificate (PEM, with subject alternative names for its --cluster host and URI:raft-chat://node/<id>); needs --peer-tls-key and --peer-tls-ca.")
    Path peerTlsCertificate;

    @Option(
            names = "--peer-tls-key",
            paramLabel = "PEM",
            description = "The private key (PKCS#8 PEM) of --peer-tls-cert.")
    Path peerTlsPrivateKey;

    @Option(
            names = "--peer-tls-ca",
            paramLabel = "PEM",
            description = "The CA certificate (PEM) that signed every node's peer certificate.")
    Path peerTlsCa;

    @Option(
            names = "--cluster-secret-file",
            paramLabel = "FILE",
            description =
                    "The secret every node proves it holds before its peers accept anything from it: one secret per line, current first, then ones still accepted during a rotation. Unset with every --cluster address on loopback: generated as "
                            + PeerSecurity.GENERATED_SECRET_FILE
                            + " beside the data directories. Unset otherwise: required unless --peer-tls-* is set (docs/security.md).")
    Path clusterSecretFile;

    @Option(
            names = "--log-format",
            defaultValue = LogFormat.PLAIN,
            description =
                    "Log lines on standard error as 'plain' text or 'json' objects (one a line), both with ISO-8601 UTC dates (default: ${DEFAULT-VALUE}).")
    String logFormat;

    /** The TLS files from the flags. @throws IllegalArgumentException naming a bad combination or file */
    ChatTlsConfig toTlsConfig() {
        return new ChatTlsConfig(tlsCertificate, tlsPrivateKey, peerTlsCertificate, peerTlsPrivateKey, peerTlsCa);
    }

    @CommandLine.Mixin
    ApiFlags apiFlags = new ApiFlags();

    @CommandLine.Mixin
    HttpFlags httpFlags = new HttpFlags();

    /** Builds the node's configuration from the parsed flags. @throws IllegalArgumentException naming a bad flag */
    ChatNodeConfig toConfig() {
        SortedMap<Long, PeerAddress> members;
        try {
            members = PeerAddress.parseCluster(cluster);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--cluster: " + e.getMessage(), e);
        }
        ChatNodeConfig config = ChatNodeConfig.defaults(id, members)
                .withJoin(join)
                .withHttp(httpHost, port)
                .withSnapshotCount(snapshotCount)
                .withTiming(tickMillis, requestTimeoutMillis)
                .withStartupExerciseMillis(startupExerciseMillis);
        config = config.withAdminToken(adminToken);
        config = apiFlags.applyTo(config);
        config = httpFlags.applyTo(config);
        return dataDir == null ? config : config.withDataDir(dataDir);
    }

    /**
     * The heap must hold the state about three times (the state, a snapshot being parsed during a restore,
     * the log cache and buffers): below that the state budget cannot keep the node from running out of heap.
     * The budget this node offers is its --state-bytes-max, or a third of the heap by default; the cluster
     * applies the lowest its members offer (ChatNode#maybeAgreeStateBudget).
     */
    private static void warnIfHeapIsSmall(ChatNodeConfig config) {
        long heapBytes = Runtime.getRuntime().maxMemory();
        long budgetBytes = config.api().stateBudgetBytesFor(heapBytes);
        LOG.info(
                "memory: heap max {} MiB, state budget offered {} MiB ({}; the cluster applies the lowest its"
                        + " members offer, {} MiB until they agree), names checked with Unicode {}",
                heapBytes >> 20,
                budgetBytes >> 20,
                config.api().stateBudgetBytes() == 0 ? "a third of the heap" : "--state-bytes-max",
                config.api().policy().stateBytesMax() >> 20,
                Names.UNICODE_VERSION);
        if (heapBytes / ChatPolicy.HEAP_PER_STATE_BYTE < budgetBytes) {
            LOG.warn(
                    "the heap ({} MiB) is less than three times the state budget ({} MiB): the node may run out of"
                            + " heap before the budget refuses writes; raise the heap (RAFT_CHAT_HEAP_MB) or lower"
                            + " --state-bytes-max (docs/operations.md, Sizing)",
                    heapBytes >> 20,
                    budgetBytes >> 20);
        }
    }

    static String describe(ChatNodeConfig config) {
        return String.format(
                Locale.ROOT,
                "raft-chat node %d: cluster=%s join=%s http=%s:%d data-dir=%s snapshot-count=%d "
                        + "tick-ms=%d request-timeout-ms=%d admin-token=%s limits=%s",
                config.nodeId(),
                config.cluster(),
                config.join(),
                config.httpHost(),
                config.httpPort(),
                config.dataDir().toAbsolutePath(),
                config.snapshotCount(),
                config.tickMillis(),
                config.requestTimeoutMillis(),
                config.adminToken() == null ? "(unset: loopback only)" : "(redacted)",
                config.limits());
    }

    @Override
    public Integer call() {
        ChatNodeConfig config;
        ChatTlsConfig tls;
        try {
            LogFormat.apply(LogFormat.parse(logFormat));
            config = toConfig();
            tls = toTlsConfig();
            // Refuses peers beyond loopback without a secret or TLS, and a bad secret file, as a bad flag.
            PeerSecurity.resolve(config, clusterSecretFile, tls.peerEnabled());
        } catch (IllegalArgumentException e) {
            System.err.println("raft-chat: " + e.getMessage());
            return 2;
        }
        LOG.info(
                "effective configuration: {} {}{}",
                describe(config),
                tls,
                configFile == null ? "" : " (config file " + configFile.toAbsolutePath() + ")");
        warnIfHeapIsSmall(config);
        ChatNode node;
        try {
            node = ChatNode.start(config, tls, clusterSecretFile);
        } catch (RuntimeException e) {
            // One line an operator can act on; the stack trace is for developers (RAFT_CHAT_LOG_LEVEL=DEBUG).
            LOG.error("raft-chat node {} cannot start: {}", config.nodeId(), oneLine(e));
            LOG.debug("raft-chat node {} cannot start", config.nodeId(), e);
            return 1;
        }
        Runnable stop = () -> {
            LOG.info("node {}: stop requested; finishing in-flight requests", config.nodeId());
            node.close();
        };
        boolean signalsHandled = handleSignals(stop);
        if (!signalsHandled) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop, "raft-chat-shutdown"));
        }
        LOG.info("node {} serving HTTP on port {}", config.nodeId(), node.httpPort());
        node.terminated().join();
        ServerStatus status = node.raftStatus();
        if (status.state() == ServerStatus.State.FAILED) {
            LOG.error("node {} stopped after a fatal failure: {}", config.nodeId(), String.valueOf(status.failure()));
            return 1;
        }
        return 0;
    }

    /** A failure and its causes on one line: "message (cause: message of the cause)", without stack frames. */
    static String oneLine(Throwable failure) {
        StringBuilder line = new StringBuilder(describeOne(failure));
        Throwable cause = failure.getCause();
        for (int depth = 0; cause != null && cause != failure && depth < 4; depth++) {
            String described = describeOne(cause);
            if (line.indexOf(described) < 0) {
                line.append(" (cause: ").append(described).append(')');
            }
            cause = cause.getCause();
        }
        return line.toString();
    }

    private static String describeOne(Throwable failure) {
        String message = failure.getMessage();
        return message == null || message.isBlank() ? failure.getClass().getSimpleName() : message;
    }

    /**
     * Handles SIGTERM and SIGINT ourselves, so that a graceful stop exits with 0 rather than 143. The JDK's
     * sun.misc.Signal is reached by reflection: javac warns on every direct use of that internal API, no
     * {@code @SuppressWarnings} silences the warning, and the build compiles with {@code -Werror}.
     */
    private static boolean handleSignals(Runnable stop) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
            for (String name : new String[] {"TERM", "INT"}) {
                InvocationHandler onSignal = (proxy, method, arguments) -> switch (method.getName()) {
                    case "handle" -> {
                        new Thread(stop, "raft-chat-" + name).start();
                        yield null;
                    }
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == arguments[0];
                    default -> "raft-chat " + name + " handler";
                };
                Object handler =
                        Proxy.newProxyInstance(handlerClass.getClassLoader(), new Class<?>[] {handlerClass}, onSignal);
                handle.invoke(null, signalClass.getConstructor(String.class).newInstance(name), handler);
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LOG.warn("cannot handle signals directly ({}); a shutdown hook stops the node instead", e.toString());
            return false;
        }
    }

    /** Maps {@code --some-flag} to the environment variable {@code RAFT_CHAT_SOME_FLAG}. */
    static String environmentVariable(String longName) {
        return ENV_PREFIX + longName.replaceFirst("^--", "").replace('-', '_').toUpperCase(Locale.ROOT);
    }

    /** Creates the command line with defaults read from {@code environment}. */
    static CommandLine commandLine(Map<String, String> environment) {
        return commandLine(environment, ConfigFile.EMPTY);
    }

    /** Creates the command line with defaults read from {@code environment}, then from {@code file}. */
    static CommandLine commandLine(Map<String, String> environment, ConfigFile file) {
        CommandLine commandLine = new CommandLine(new RaftChatMain());
        commandLine.setDefaultValueProvider(argSpec -> {
            if (argSpec instanceof CommandLine.Model.OptionSpec option
                    && !option.usageHelp()
                    && !option.versionHelp()) {
                String value = environment.get(environmentVariable(option.longestName()));
                if (value != null) {
                    return value;
                }
                value = file.value(option.longestName());
                if (value != null) {
                    return value;
                }
            }
            return argSpec.defaultValue();
        });
        return commandLine;
    }

    /**
     * The command line for {@code args}: finds the configuration file ({@code --config} or
     * {@code RAFT_CHAT_CONFIG}) before parsing, since its values are defaults of the parse.
     *
     * @throws IllegalArgumentException when the file cannot be read or names an unknown option
     */
    static CommandLine commandLine(String[] args, Map<String, String> environment) {
        Path file = ConfigFile.pathFromArguments(args);
        if (file == null && environment.get(environmentVariable("--config")) != null) {
            file = Path.of(environment.get(environmentVariable("--config")));
        }
        if (file == null) {
            return commandLine(environment);
        }
        CommandLine probe = new CommandLine(new RaftChatMain());
        return commandLine(environment, ConfigFile.load(file, probe.getCommandSpec()));
    }

    public static void main(String[] args) {
        CommandLine commandLine;
        try {
            commandLine = commandLine(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("raft-chat: " + e.getMessage());
            System.exit(2);
            return;
        }
        int exitCode = commandLine.execute(args);
        System.out.flush();
        System.err.flush();
        System.exit(exitCode);
    }
}
