package io.github.mezo4j.train.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.train.TinyTask;
import io.github.mezo4j.train.checkpoint.Checkpoint;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Run folders that an earlier build wrote (test resources {@code earlier-runs/}, see its README)
 * still resume and replay: a user's unfinished runs survive an upgrade.
 */
class EarlierRunFolderTest {
  @Test
  void aClassifierRunStoppedByAnEarlierBuildResumesToAnUninterruptedRunsWeights(@TempDir Path tmp)
      throws IOException, URISyntaxException {
    Path run = EarlierRuns.copy("classifier-linear-stopped-at-13", tmp.resolve("earlier"));
    FineTuneConfig config = TinyTask.config("linear", 24, 5, false);

    // its last checkpoint replays onto the base model
    Checkpoint atTen = Checkpoint.open(run.resolve("checkpoints/step-00000010"));
    EncoderClassifier replayed = atTen.replay(TinyTask.classifier(3), Workers.serial());
    assertFalse(replayed.trainable().contentEquals(TinyTask.classifier(3).trainable()));

    FineTuner.Result resumed = FineTuner.run(TinyTask.run(config, run, true, 2, null));
    FineTuner.Result fresh =
        FineTuner.run(TinyTask.run(config, tmp.resolve("fresh"), false, 2, null));
    assertEquals(24, resumed.summary().get("steps").asInt());
    assertTrue(resumed.classifier().trainable().contentEquals(fresh.classifier().trainable()));
    assertEquals(fresh.bestDevMetric(), resumed.bestDevMetric());
    assertEquals(fresh.finalDevMetric(), resumed.finalDevMetric());
    assertEquals(
        fresh.summary().get("best_step").asLong(), resumed.summary().get("best_step").asLong());
  }
}
