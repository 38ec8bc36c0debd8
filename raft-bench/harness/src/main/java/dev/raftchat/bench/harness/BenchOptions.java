package dev.raftchat.bench.harness;

import java.nio.file.Path;

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

    /** Parses the driver's command line ({@link #USAGE}); every option is required. */
    public static BenchOptions parse(String[] args) {
        Integer clients = null;
        Integer payload = null;
        Double warmup = null;
        Double seconds = null;
        Boolean sync = null;
        Path dir = null;
        for (int i = 0; i < args.length; i++) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + args[i] + " needs a value; usage: " + USAGE);
            }
            String value = args[++i];
            switch (args[i - 1]) {
                case "--clients" -> clients = Integer.parseInt(value);
                case "--payload" -> payload = Integer.parseInt(value);
                case "--warmup-seconds" -> warmup = Double.parseDouble(value);
                case "--seconds" -> seconds = Double.parseDouble(value);
                case "--sync" ->
                    sync = switch (value) {
                        case "on" -> true;
                        case "off" -> false;
                        default -> throw new IllegalArgumentException("--sync takes on or off, not " + value);
                    };
                case "--dir" -> dir = Path.of(value);
                default -> throw new IllegalArgumentException("unknown option " + args[i - 1] + "; usage: " + USAGE);
            }
        }
        if (clients == null || payload == null || warmup == null || seconds == null || sync == null || dir == null) {
            throw new IllegalArgumentException("missing options; usage: " + USAGE);
        }
        return new BenchOptions(clients, payload, warmup, seconds, sync, dir);
    }
}
