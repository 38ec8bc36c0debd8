package dev.raftchat.bench.harness;

import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/**
 * One driver run: a configuration (clients, payload, sync) plus the timing and the data directory.
 *
 * @param clients        concurrent closed-loop clients, each with one outstanding proposal (1..100000)
 * @param payloadBytes   bytes per proposal (1..16 MiB)
 * @param warmupSeconds  seconds of load before measuring, not reported (>= 0)
 * @param seconds        seconds measured (> 0)
 * @param sync           whether each library forces its log to disk before acknowledging
 * @param dataDir        where the three nodes keep their logs; created if absent, left for the caller to delete
 */
public record BenchOptions(
        int clients, int payloadBytes, double warmupSeconds, double seconds, boolean sync, Path dataDir) {

    public static final String USAGE =
            "--clients N --payload BYTES --warmup-seconds S --seconds S --sync on|off --dir PATH";

    public BenchOptions {
        if (clients < 1 || clients > 100_000) {
            throw new IllegalArgumentException("clients must be in 1..100000: " + clients);
        }
        if (payloadBytes < 1 || payloadBytes > 16 << 20) {
            throw new IllegalArgumentException("payload bytes must be in 1..16777216: " + payloadBytes);
        }
        if (!(warmupSeconds >= 0) || !(seconds > 0)) {
            throw new IllegalArgumentException(
                    "warm-up must be >= 0 and seconds > 0: " + warmupSeconds + ", " + seconds);
        }
        if (dataDir == null) {
            throw new IllegalArgumentException("a data directory is required (--dir)");
        }
    }

    /**
     * Parses the driver's command line ({@link #USAGE}); every option is required. Parsed by picocli, as every
     * command line of the project. @throws IllegalArgumentException naming the problem, with the usage
     */
    public static BenchOptions parse(String[] args) {
        Flags flags = new Flags();
        try {
            new CommandLine(flags).parseArgs(args);
        } catch (ParameterException e) {
            throw new IllegalArgumentException(e.getMessage() + "; usage: " + USAGE, e);
        }
        return new BenchOptions(flags.clients, flags.payload, flags.warmup, flags.seconds, flags.sync, flags.dir);
    }

    /** The flags of a driver's command line. */
    @Command(name = "driver")
    static final class Flags {
        @Option(names = "--clients", required = true, paramLabel = "N")
        int clients;

        @Option(names = "--payload", required = true, paramLabel = "BYTES")
        int payload;

        @Option(names = "--warmup-seconds", required = true, paramLabel = "S")
        double warmup;

        @Option(names = "--seconds", required = true, paramLabel = "S")
        double seconds;

        @Option(names = "--sync", required = true, arity = "1", paramLabel = "on|off", converter = OnOff.class)
        boolean sync;

        @Option(names = "--dir", required = true, paramLabel = "PATH")
        Path dir;
    }

    /**
     * {@code on} or {@code off}; also {@code true} and {@code false}, which picocli passes when it resets a boolean
     * field to its initial value before parsing.
     */
    static final class OnOff implements ITypeConverter<Boolean> {
        @Override
        public Boolean convert(String value) {
            return switch (value) {
                case "on", "true" -> true;
                case "off", "false" -> false;
                default -> throw new TypeConversionException("--sync takes on or off, not " + value);
            };
        }
    }
}
