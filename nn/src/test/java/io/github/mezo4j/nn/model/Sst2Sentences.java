package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mezo4j.core.data.LabeledSentences;
import io.github.mezo4j.core.data.SharedData;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.List;

/**
 * Real sentences from GLUE SST-2 dev (see shared/data/glue-sst2/PROVENANCE.md), found through
 * {@link SharedData}; a test calling this is skipped, loudly, when the folder is missing.
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
    try {
      return LabeledSentences.read(SharedData.root("glue-sst2").resolve("glue-sst2/dev.tsv"))
          .stream()
          .limit(count)
          .map(LabeledSentences.Example::sentence)
          .toList();
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** Why a test was skipped: names the places the data folder was looked for. */
  static String missingMessage() {
    try {
      return "SKIPPED: SST-2 dev split missing under " + SharedData.root("glue-sst2");
    } catch (NoSuchFileException e) {
      return "SKIPPED: " + e.getReason() + "; looked at " + e.getFile();
    }
  }
}
