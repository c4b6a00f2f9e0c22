package io.github.mezo4j.train.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.log.StepLog;
import io.github.mezo4j.core.log.StepLogHeader;
import io.github.mezo4j.core.noise.Directions;
import io.github.mezo4j.core.noise.MagnitudeMask;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.train.TinyTask;
import io.github.mezo4j.train.checkpoint.Checkpoint;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.checkpoint.RunFolder;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --train-params sparse:S} and {@code --directions rademacher} in whole runs: the step log
 * records the directions and the mask thresholds of the base weights, masked-out weights never
 * move, checkpoints replay and interrupted runs resume bit for bit.
 */
class SparseRunTest {
  private static final int STEPS = 10;

  /** FZOO with Rademacher probes, as the FZOO paper runs it. */
  private static final OptimizerSettings FZOO_RADEMACHER =
      new OptimizerSettings("sgd", "constant", 0, 0, 0.9, "fzoo", 3, false, "rademacher");

  private static FineTuneConfig config(String params, OptimizerSettings s) {
    return TinyTask.config("linear", params, STEPS, 5, false, s);
  }

  @Test
  void sparseRunMovesOnlyTheMaskedInWeightsAndReplaysBitForBit(@TempDir Path tmp)
      throws IOException {
    for (OptimizerSettings s :
        new OptimizerSettings[] {OptimizerSettings.DEFAULT, FZOO_RADEMACHER}) {
      Path out = tmp.resolve(s.estimatorName());
      FineTuneConfig c = config("sparse:0.75", s);
      FineTuner.Result r = FineTuner.run(TinyTask.run(c, out, false, 2, null));

      EncoderClassifier base = TinyTask.classifier(3);
      ParameterSet matrices =
          base.embedder().encoder().parameters().select(TrainParams.sparseMasked());
      StepLogHeader h = StepLog.read(out.resolve(RunFolder.STEP_LOG)).header();
      assertEquals(
          MagnitudeMask.thresholds(matrices, 0.75), h.directions().thresholds(), "base thresholds");
      assertEquals(Directions.Distribution.parse(s.directions()), h.directions().distribution());

      // summary.json counts the weights inside the mask, and the dense rest
      long expected = 0;
      for (Parameter p : r.classifier().trainable()) {
        Float t = h.directions().thresholds().get(p.name());
        expected += t == null ? p.size() : MagnitudeMask.count(base.trainable().get(p.name()), t);
      }
      assertEquals(expected, r.summary().get("trainable_parameters").asLong());
      assertTrue(expected < base.trainable().elementCount() / 2, "most weights are masked out");

      int movedInside = 0;
      for (Parameter b : matrices) {
        Parameter trained = r.classifier().trainable().get(b.name());
        float t = h.directions().thresholds().get(b.name());
        for (int i = 0; i < b.size(); i++) {
          if (Math.abs(b.get(i)) > t) {
            assertEquals(
                Float.floatToRawIntBits(b.get(i)),
                Float.floatToRawIntBits(trained.get(i)),
                b.name() + "[" + i + "] is masked out and never moves");
          } else if (b.get(i) != trained.get(i)) {
            movedInside++;
          }
        }
      }
      assertTrue(movedInside > 0, "masked-in weights trained");

      EncoderClassifier replayed =
          Checkpoint.open(r.last()).replay(TinyTask.classifier(3), Workers.of(3));
      assertTrue(replayed.trainable().contentEquals(r.classifier().trainable()), "replay");
      assertEquals(
          s.directions(),
          JsonFiles.read(out.resolve(RunFolder.RUN)).get("config").get("directions").asText());
    }
  }

  @Test
  void anInterruptedSparseRademacherRunResumesBitIdentically(@TempDir Path tmp) throws IOException {
    FineTuneConfig c = config("sparse:0.5", FZOO_RADEMACHER);
    Path whole = tmp.resolve("whole");
    FineTuner.Result expected = FineTuner.run(TinyTask.run(c, whole, false, 1, null));
    Path split = tmp.resolve("split");
    assertThrows(
        ResumeTest.Interrupt.class,
        () ->
            FineTuner.run(
                TinyTask.run(
                    c,
                    split,
                    false,
                    2,
                    step -> {
                      if (step == 7) {
                        throw new ResumeTest.Interrupt();
                      }
                    })));
    FineTuner.Result resumed = FineTuner.run(TinyTask.run(c, split, true, 3, null));
    ResumeTest.assertSameRun(expected, whole, resumed, split);

    // resuming with Gaussian directions is refused, naming the setting
    FineTuneConfig gaussian = config("sparse:0.5", withDirections(FZOO_RADEMACHER, "gaussian"));
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> FineTuner.run(TinyTask.run(gaussian, split, true, 1, null)));
    assertTrue(e.getMessage().contains("directions"), e.getMessage());
  }

  private static OptimizerSettings withDirections(OptimizerSettings s, String directions) {
    return new OptimizerSettings(
        s.optimizer(),
        s.schedule(),
        s.warmup(),
        s.weightDecay(),
        s.momentum(),
        s.estimatorName(),
        s.samples(),
        s.conservative(),
        directions);
  }

  @Test
  void badValuesAreRefusedNamingThem() {
    for (String bad :
        new String[] {"sparse:1", "sparse:-0.1", "sparse:", "sparse:x", "sparse:NaN"}) {
      var e = assertThrows(IllegalArgumentException.class, () -> TrainParams.parse(bad));
      assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
    }
    assertEquals(0.75, TrainParams.parse("sparse:0.75").sparsity());
    assertEquals(TrainParams.Form.ALL, TrainParams.parse("all").form());
    var d =
        assertThrows(
            IllegalArgumentException.class,
            () -> withDirections(OptimizerSettings.DEFAULT, "uniform"));
    assertTrue(d.getMessage().contains("--directions 'uniform'"), d.getMessage());
    OptimizerSettings conservative =
        new OptimizerSettings("sgd", "constant", 0, 0, 0.9, "two-sided", 1, true);
    var c = assertThrows(IllegalArgumentException.class, () -> config("sparse:0.5", conservative));
    assertTrue(c.getMessage().contains("--conservative"), c.getMessage());
    // old run.json configs without the key read as Gaussian
    assertEquals("gaussian", OptimizerSettings.fromJson(JsonFiles.object()).directions());
  }
}
