package io.github.mezo4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mezo4j.core.log.Replay;
import io.github.mezo4j.core.log.StepLog;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.nn.model.BertEncoder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MiniLM job on the real k-shot SST-2 split: a few MeZO steps lower its objective, and the step
 * log rebuilds the trained weights from freshly loaded ones, bit for bit.
 */
class MiniLmSentimentJobTest {
  private static final int STEPS = 8;

  @Test
  void fewStepsLowerTheObjectiveAndTheStepLogReplaysThemBitForBit(@TempDir Path dir)
      throws Exception {
    Path data = dataRootOrSkip();
    MiniLmSentimentJob.Config config =
        new MiniLmSentimentJob.Config(
            STEPS,
            1e-3,
            MiniLmSentimentJob.Config.defaults().lr(),
            42,
            2,
            STEPS,
            42,
            false,
            false,
            MiniLmSentimentJob.LABEL_TEXTS,
            20);
    Path log = dir.resolve("run.steplog");
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    MiniLmSentimentJob.Result r;
    ParameterSet trained;
    try (MiniLmSentimentJob job = MiniLmSentimentJob.load(data, config)) {
      r = job.run(log, new PrintStream(text, true, StandardCharsets.UTF_8));
      trained = job.parameters();
    }
    String out = text.toString(StandardCharsets.UTF_8);
    System.out.print(out);

    // The objective is one fixed batch (the 32 training sentences), so it must go down.
    assertTrue(
        r.finalTrainLoss() < r.initialTrainLoss(),
        "train loss %s -> %s".formatted(r.initialTrainLoss(), r.finalTrainLoss()));
    assertEquals(STEPS, r.trainLosses().length);
    for (double l : r.trainLosses()) {
      assertTrue(Double.isFinite(l) && l > 0, "step loss " + l);
    }
    assertTrue(Double.isNaN(r.initialGlueAccuracy()), "GLUE evaluation was off");
    assertTrue(out.contains("step    8  train loss"), out);

    StepLog read = StepLog.read(log);
    assertEquals(STEPS, read.records().size());
    assertEquals(Files.size(log), r.stepLogBytes());

    BertCheckpoint fresh = MiniLm.load();
    ParameterSet base = BertEncoder.of(fresh.config(), fresh.parameters()).parameters();
    assertEquals(trained.elementCount(), base.elementCount());
    assertFalse(base.contentEquals(trained), "training changed the weights");
    try (Workers workers = Workers.of(2)) {
      Replay.apply(log, base, workers);
    }
    assertTrue(base.contentEquals(trained), "replayed weights equal the trained ones bit for bit");
  }

  /** The shared data folder, or a skip naming the missing folder. */
  static Path dataRootOrSkip() {
    Path root;
    try {
      root = MiniLmSentimentJob.findDataRoot();
    } catch (NoSuchFileException e) {
      assumeTrue(false, "SKIPPED: " + e.getReason() + "; looked at " + e.getFile());
      throw new AssertionError(e);
    }
    Path split = root.resolve("lmbff-kshot16/SST-2/16-42");
    assumeTrue(
        Files.isDirectory(split),
        "SKIPPED: k-shot SST-2 split missing: %s (set MEZO4J_DATA to the shared data folder)"
            .formatted(split.toAbsolutePath()));
    return root;
  }
}
