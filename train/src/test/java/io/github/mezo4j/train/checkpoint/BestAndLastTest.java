package io.github.mezo4j.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BestAndLastTest {
  @TempDir Path dir;

  @Test
  void aBetterMetricWinsAndTiesGoToTheLowerLoss() {
    BestAndLast b = new BestAndLast(new RunFolder(dir), null);
    b.offer(0, 0.70, 0.60, true);
    b.offer(100, 0.75, 0.58, true);
    assertEquals(100, b.bestStep());
    b.offer(200, 0.75, 0.50, true); // same accuracy, lower loss
    assertEquals(200, b.bestStep());
    b.offer(300, 0.75, 0.50, true); // equal on both: the earlier step stays
    assertEquals(200, b.bestStep());
    b.offer(400, 0.72, 0.10, true); // a lower loss never beats a better metric
    assertEquals(200, b.bestStep());
    b.offer(500, 0.75, Double.NaN, true);
    assertEquals(200, b.bestStep());
  }

  @Test
  void theUntrainedModelIsTheBestOnlyUntilTheFirstTrainedEvaluation() {
    BestAndLast b = new BestAndLast(new RunFolder(dir), null);
    b.offer(0, 0.81, 0.52, true);
    assertEquals(0, b.bestStep());
    b.offer(100, 0.69, 0.56, true);
    assertEquals(100, b.bestStep());
    b.offer(200, 0.72, 0.55, true);
    assertEquals(200, b.bestStep());
    assertEquals(0.72, b.bestMetric());
  }

  @Test
  void lowerIsBetterMetricsBreakTiesTheSameWay() {
    BestAndLast b = new BestAndLast(new RunFolder(dir), null);
    b.offer(0, 12.0, 2.5, false);
    b.offer(10, 11.0, 2.4, false);
    b.offer(20, 11.0, 2.3, false);
    assertEquals(20, b.bestStep());
    assertEquals(11.0, b.bestMetric());
  }

  @Test
  void theBestLossSurvivesAResume() throws IOException {
    RunFolder folder = new RunFolder(dir);
    Files.createDirectories(folder.checkpoints());
    BestAndLast b = new BestAndLast(folder, null);
    b.offer(100, 0.75, 0.40, true);
    b.committed(100, 1.0);
    RunState state = RunState.read(folder.state());
    assertEquals(0.40, state.bestLoss());
    BestAndLast resumed = new BestAndLast(folder, state);
    resumed.offer(200, 0.75, 0.45, true); // a higher loss does not take over after the resume
    assertEquals(100, resumed.bestStep());
  }

  @Test
  void aStateWithoutTheLossReadsAsNaN() throws IOException {
    Path file = dir.resolve("state.json");
    Files.writeString(
        file,
        "{\"step\":5,\"last_checkpoint\":\"step-00000005\",\"best_step\":5,"
            + "\"best_dev_metric\":0.5,\"best_checkpoint\":\"step-00000005\",\"seconds\":1.0}");
    RunState s = RunState.read(file);
    assertEquals(Double.NaN, s.bestLoss());
    BestAndLast b = new BestAndLast(new RunFolder(dir), s);
    b.offer(10, 0.5, 0.1, true); // no recorded loss to compare: the earlier step stays
    assertEquals(5, b.bestStep());
  }
}
