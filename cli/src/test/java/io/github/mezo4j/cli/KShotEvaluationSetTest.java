package io.github.mezo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mezo4j.core.data.SharedData;
import io.github.mezo4j.train.data.Tasks;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code eval --data k-shot-eval}: the set the k-shot protocol evaluates on, from the seed. */
class KShotEvaluationSetTest {
  private static Path sharedData() {
    try {
      SharedData.root("trec");
      return SharedData.root("lmbff-kshot16");
    } catch (NoSuchFileException e) {
      assumeTrue(false, "SKIPPED: shared data missing: " + e.getReason() + "; " + e.getFile());
      return null;
    }
  }

  @Test
  void trecIsItsCarvedDevSplitLessTheSeedsKShotExamples(@TempDir Path tmp) throws Exception {
    Path root = sharedData();
    Path model = FinetuneCommandsTest.tinyModel(tmp.resolve("model"));
    int expected = Tasks.get("trec").kShotEvaluationSet(root, 21).size();
    assertTrue(expected > 400 && expected <= 500, "carved dev of 500, less overlaps: " + expected);
    CommandRun.Run r =
        MainTest.run(
            "",
            "eval",
            "--model",
            model.toString(),
            "--task",
            "trec",
            "--k-shot-seed",
            "21",
            "--data",
            "k-shot-eval",
            "--threads",
            "1");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals(expected, r.jsonLines().get(0).get("examples").asInt());

    CommandRun.Run noSeed =
        MainTest.run(
            "", "eval", "--model", model.toString(), "--task", "trec", "--data", "k-shot-eval");
    assertEquals(1, noSeed.exitCode());
    assertTrue(
        noSeed.err().contains("--data k-shot-eval needs the k-shot seed: add --k-shot-seed"),
        noSeed.err());
  }
}
