package io.github.mezo4j.core.fuzz;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The contract every fuzz target checks: a parser given any bytes either returns or throws its
 * documented exception with a message naming the file; any other exception, an error (an
 * OutOfMemoryError included) or a hang is a finding. Shared by the fuzz tests of every module
 * (docs/fuzzing.md).
 */
public final class ParserContract {
  /** Far above any legitimate parse of a fuzz input (a few KB); a slower one is a hang. */
  public static final Duration HANG = Duration.ofSeconds(10);

  // mezo4j's loggers, silenced while a parser runs: warnings about dropped records and the like
  // would flood the fuzzer's output (held here because java.util.logging keeps loggers weakly)
  private static final Logger MEZO4J = Logger.getLogger("io.github.mezo4j");

  private ParserContract() {}

  /**
   * Runs {@code parse}: its result, or empty if it threw one of the {@code documented} exceptions
   * (or a subclass) with a message that contains {@code source}; anything else it throws is
   * rethrown, and a hang fails.
   */
  @SafeVarargs
  public static <T> Optional<T> parseOrReject(
      String source, Callable<T> parse, Class<? extends Exception>... documented) throws Exception {
    Level level = MEZO4J.getLevel();
    MEZO4J.setLevel(Level.OFF); // back as it was after, for the other tests of this JVM
    try {
      return Optional.ofNullable(assertTimeoutPreemptively(HANG, parse::call));
    } catch (Exception e) {
      boolean isDocumented = false;
      for (Class<? extends Exception> c : documented) {
        isDocumented |= c.isInstance(e);
      }
      if (!isDocumented) {
        throw e;
      }
      String message = e.getMessage();
      assertTrue(
          message != null && message.contains(source),
          () -> "the message does not name " + source + ": " + message);
      return Optional.empty();
    } finally {
      MEZO4J.setLevel(level);
    }
  }

  /** A fresh folder for one fuzz test class's scratch files, deleted with them at exit. */
  public static Path scratchDir(String name) {
    try {
      Path dir = Files.createTempDirectory("mezo4j-fuzz-" + name);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // a scratch folder left in the temp folder is harmless
    }
  }

  /** Writes {@code bytes} to {@code dir/name} (replacing it) and returns the file. */
  public static Path write(Path dir, String name, byte[] bytes) {
    Path file = dir.resolve(name);
    try {
      Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }
}
