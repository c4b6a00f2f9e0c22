package io.github.mezo4j.train.trainer;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The run folders earlier builds wrote (test resources {@code earlier-runs/}, see its README). */
public final class EarlierRuns {
  private EarlierRuns() {}

  /** The resource {@code earlier-runs/name} (a folder or file). */
  public static Path resource(String name) throws URISyntaxException {
    return Path.of(EarlierRuns.class.getResource("/earlier-runs/" + name).toURI());
  }

  /** A copy of the run folder {@code earlier-runs/name} at {@code target}, to resume. */
  public static Path copy(String name, Path target) throws IOException, URISyntaxException {
    Path source = resource(name);
    try (Stream<Path> files = Files.walk(source)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path to = target.resolve(source.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else {
          Files.copy(p, to);
        }
      }
    }
    return target;
  }
}
