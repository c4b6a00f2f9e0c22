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

  /** The first {@code count} dev sentences, trimmed. */
  static List<String> dev(int count) throws IOException {
    Path folder = dataRoot().resolve("glue-sst2");
    Path dev = folder.resolve("dev.tsv");
    assumeTrue(
        Files.isRegularFile(dev),
        "SKIPPED: SST-2 data folder missing: " + folder.toAbsolutePath() + " (set MEZO4J_DATA)");
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
