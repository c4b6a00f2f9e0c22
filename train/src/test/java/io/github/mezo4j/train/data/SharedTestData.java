package io.github.mezo4j.train.data;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mezo4j.core.data.SharedData;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Finds the shared data folder for tests, skipping loudly (naming the folder) when it is absent.
 */
final class SharedTestData {
  private SharedTestData() {}

  /** The shared data folder holding {@code subfolder}; skips the test when there is none. */
  static Path rootHolding(String subfolder) {
    Path root = null;
    String why = null;
    try {
      root = SharedData.root(subfolder);
    } catch (NoSuchFileException e) {
      why = e.getReason() + "; looked at " + e.getFile();
    }
    assumeTrue(root != null, "SKIPPED: shared data folder " + subfolder + "/ missing: " + why);
    return root;
  }
}
