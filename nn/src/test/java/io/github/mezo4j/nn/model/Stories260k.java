package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mezo4j.core.data.SharedData;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Karpathy's stories260K llama2.c checkpoint in shared/data/stories260k (see PROVENANCE.md there),
 * found through {@link SharedData}; a test calling {@link #folder()} is skipped, loudly, when the
 * data is missing.
 */
final class Stories260k {
  private Stories260k() {}

  /** The stories260k folder; skips the calling test naming where it looked when missing. */
  static Path folder() {
    try {
      return SharedData.root("stories260k").resolve("stories260k");
    } catch (NoSuchFileException e) {
      assumeTrue(
          false,
          "SKIPPED: stories260k data missing: " + e.getReason() + "; looked at " + e.getFile());
      throw new AssertionError("unreachable");
    }
  }
}
