package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Real sentences from GLUE SST-2 dev (see shared/data/glue-sst2/PROVENANCE.md: TSV with header
 * {@code sentence<TAB>label}, trailing space before the tab). Found at {@code $MEZO4J_DATA} or
 * {@code ../shared/data} relative to the project root; a test calling this is skipped, loudly, when
 * the folder is missing.
 */
final class Sst2Sentences {
  private Sst2Sentences() {}

  /**
   * The first {@code count} dev sentences, trimmed; skips the calling test (an assumption failure
   * naming the missing folder) when the data is absent.
   */
  static List<String> dev(int count) throws IOException {
    List<String> sentences = devIfPresent(count);
    assumeTrue(sentences != null, missingMessage());
    return sentences;
  }

  /**
   * The first {@code count} dev sentences, or null when the data folder is missing: for
   * {@code @BeforeAll}, where an assumption would hide the skipped tests from the report; each test
   * then calls {@code assumeTrue(data != null, missingMessage())}.
   */
  static List<String> devIfPresent(int count) throws IOException {
    Path dev = folder().resolve("dev.tsv");
    if (!Files.isRegularFile(dev)) {
      return null;
    }
    List<String> lines = Files.readAllLines(dev, StandardCharsets.UTF_8);
    if (lines.isEmpty() || !lines.getFirst().startsWith("sentence\tlabel")) {
      throw new IOException(dev + ": expected header 'sentence<TAB>label'");
    }
    List<String> out = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      int tab = line.lastIndexOf('\t');
      if (tab < 0) {
        throw new IOException(dev + ": no tab in line '" + line + "'");
      }
      out.add(line.substring(0, tab).trim());
      if (out.size() == count) {
        break;
      }
    }
    return out;
  }

  /** Why a test was skipped: names the folder that is missing. */
  static String missingMessage() {
    return "SKIPPED: SST-2 data folder missing: "
        + folder().toAbsolutePath()
        + " (set MEZO4J_DATA to the shared data folder)";
  }

  private static Path folder() {
    return dataRoot().resolve("glue-sst2");
  }

  /** {@code $MEZO4J_DATA}, else {@code shared/data} beside the project root (where mvnw is). */
  static Path dataRoot() {
    String env = System.getenv("MEZO4J_DATA");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("mvnw"))) {
      dir = dir.getParent();
    }
    Path root = dir != null ? dir : Path.of("").toAbsolutePath();
    return root.resolveSibling("shared").resolve("data");
  }
}
