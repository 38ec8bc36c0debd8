package dev.raftchat.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {

    @Test
    void deletesATreeWithItsFilesAndSubdirectoriesAndLeavesItsSiblings(@TempDir Path parent) throws IOException {
        Path tree = parent.resolve("tree");
        Files.createDirectories(tree.resolve("a/b"));
        Files.writeString(tree.resolve("a/b/file"), "x");
        Files.writeString(tree.resolve("top"), "y");
        Path sibling = Files.writeString(parent.resolve("sibling"), "z");

        FileTrees.delete(tree);

        assertThat(tree).doesNotExist();
        assertThat(sibling).exists();
    }

    @Test
    void aMissingTreeIsNothingToDo(@TempDir Path parent) {
        FileTrees.delete(parent.resolve("never-made"));

        assertThat(parent).isEmptyDirectory();
    }
}
