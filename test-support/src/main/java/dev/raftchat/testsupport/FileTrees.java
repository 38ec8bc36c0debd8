package dev.raftchat.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Directory trees that tests, benchmarks and fault runs make and throw away. */
public final class FileTrees {
    private FileTrees() {}

    /**
     * Deletes {@code directory} and everything below it; nothing when it does not exist.
     *
     * @throws UncheckedIOException naming the tree when something in it cannot be deleted
     */
    public static void delete(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + directory, e);
        }
    }
}
