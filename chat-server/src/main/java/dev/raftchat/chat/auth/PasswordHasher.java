package dev.raftchat.chat.auth;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Slow salted password hashes: the JDK's PBKDF2WithHmacSHA256 with a random 16-byte salt and a 256-bit
 * output, encoded as {@code pbkdf2-sha256$<iterations>$<salt, base64>$<hash, base64>} so that the
 * iteration count can be raised later without breaking stored hashes.
 *
 * <p><b>Threading.</b> Hashing takes tens to hundreds of milliseconds on purpose, so it never runs on
 * a network event loop: {@link #hash} and {@link #verify} run on this hasher's own bounded pool
 * ({@code threads} threads, at most {@code queueMax} waiting). When the queue is full the future fails at
 * once with {@link Overloaded}, and the caller answers 503 instead of queueing without bound.
 * {@link #close} stops the threads.
 */
public final class PasswordHasher implements AutoCloseable {
    private static final String PREFIX = "pbkdf2-sha256";
    private static final String ALGORITHM = "PBKDF2WithHmacSHA256";
    private static final int SALT_BYTES = 16;
    private static final int KEY_BITS = 256;
    public static final int ITERATIONS_MIN = 1_000;
    public static final int ITERATIONS_MAX = 10_000_000;

    /** The pool is full: try again shortly. */
    public static final class Overloaded extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Overloaded(String message) {
            super(message);
        }
    }

    private final int iterations;
    private final SecureRandom random = new SecureRandom();
    private final ThreadPoolExecutor pool;
    /**
     * A hash of a random password, verified against when the user is unknown, so both cases cost the same.
     * Derived on the pool, not in the constructor: one derivation at the full iteration count in a cold JVM took
     * seconds of a node's start (measured: half of the main thread's samples before the HTTP port opened), and
     * nothing needs it before the first login of an unknown name.
     */
    private final CompletableFuture<String> decoyHash;

    public PasswordHasher(int iterations, int threads, int queueMax) {
        if (iterations < ITERATIONS_MIN || iterations > ITERATIONS_MAX) {
            throw new IllegalArgumentException("passwordHashIterations = " + iterations + " is out of range ["
                    + ITERATIONS_MIN + ", " + ITERATIONS_MAX + "]");
        }
        if (threads < 1 || threads > 64 || queueMax < 1 || queueMax > 100_000) {
            throw new IllegalArgumentException("password hash threads " + threads + " must be in [1, 64] and queue "
                    + queueMax + " in [1, 100000]");
        }
        this.iterations = iterations;
        AtomicInteger count = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(
                threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queueMax), runnable -> {
                    Thread thread = new Thread(runnable, "password-hash-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        try {
            SecretKeyFactory.getInstance(ALGORITHM); // fail at start, not at the first login, on a JDK without it
        } catch (GeneralSecurityException e) {
            pool.shutdown();
            throw new IllegalStateException("the JDK lacks " + ALGORITHM, e);
        }
        byte[] decoy = new byte[18];
        random.nextBytes(decoy);
        String decoyPassword = Base64.getEncoder().encodeToString(decoy);
        // First in the pool's queue, so that a verification waiting for it waits at most one derivation.
        this.decoyHash = CompletableFuture.supplyAsync(() -> hashNow(decoyPassword), pool);
    }

    /** Hashes {@code password} on the pool. */
    public CompletableFuture<String> hash(String password) {
        return submit(() -> hashNow(password));
    }

    /** Whether {@code password} matches {@code encodedHash}; a null hash (unknown user) costs the same and is false. */
    public CompletableFuture<Boolean> verify(String password, String encodedHash) {
        return submit(() -> {
            boolean matches = verifyNow(password, encodedHash == null ? decoyHash.join() : encodedHash);
            return matches && encodedHash != null;
        });
    }

    private <T> CompletableFuture<T> submit(Supplier<T> work) {
        try {
            return CompletableFuture.supplyAsync(work, pool);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(
                    new Overloaded("too many password checks are waiting; retry shortly"));
        }
    }

    String hashNow(String password) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        byte[] derived = derive(password, salt, iterations);
        Base64.Encoder base64 = Base64.getEncoder().withoutPadding();
        return PREFIX + "$" + iterations + "$" + base64.encodeToString(salt) + "$" + base64.encodeToString(derived);
    }

    static boolean verifyNow(String password, String encodedHash) {
        String[] parts = encodedHash.split("\\$", -1);
        if (parts.length != 4 || !parts[0].equals(PREFIX)) {
            return false;
        }
        try {
            int rounds = Integer.parseInt(parts[1]);
            if (rounds < ITERATIONS_MIN || rounds > ITERATIONS_MAX) {
                return false;
            }
            byte[] salt = Base64.getDecoder().decode(parts[2]);
            byte[] expected = Base64.getDecoder().decode(parts[3]);
            return MessageDigest.isEqual(derive(password, salt, rounds), expected);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] derive(String password, byte[] salt, int rounds) {
        PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, rounds, KEY_BITS);
        try {
            return SecretKeyFactory.getInstance(ALGORITHM).generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks " + ALGORITHM, e);
        } finally {
            spec.clearPassword();
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
