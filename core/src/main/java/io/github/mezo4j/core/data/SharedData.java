package io.github.mezo4j.core.data;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the shared data folder (see shared/data/README.md): {@code $MEZO4J_DATA} if set, else
 * {@code ../shared/data} relative to the project root (system property {@code mezo4j.root}), the
 * working directory or one of its three nearest ancestors. The command line's built-in tasks read
 * their data from here by default, and the tests of every module find their data sets with it, so
 * it sits in the module below them all.
 */
public final class SharedData {
  private SharedData() {}

  /**
   * The data folder that holds {@code subfolder} (e.g. {@code glue-sst2}).
   *
   * @throws NoSuchFileException naming every place looked at
   */
  public static Path root(String subfolder) throws NoSuchFileException {
    List<Path> tried = new ArrayList<>();
    String env = System.getenv("MEZO4J_DATA");
    if (env != null && !env.isBlank()) {
      tried.add(Path.of(env));
    } else {
      String root = System.getProperty("mezo4j.root");
      if (root != null && !root.isBlank()) {
        tried.add(Path.of(root).toAbsolutePath().resolve("../shared/data").normalize());
      }
      Path dir = Path.of("").toAbsolutePath();
      for (int up = 0; up < 4 && dir != null; up++, dir = dir.getParent()) {
        tried.add(dir.resolve("../shared/data").normalize());
      }
    }
    for (Path p : tried) {
      if (Files.isDirectory(p.resolve(subfolder))) {
        return p;
      }
    }
    throw new NoSuchFileException(
        tried.toString(),
        null,
        "no shared data folder holding %s/ found; set MEZO4J_DATA to the folder that holds it"
                .formatted(subfolder)
            + " (see shared/data/README.md)");
  }
}
