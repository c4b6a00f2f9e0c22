package io.github.mezo4j.train.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.log.StepLog;
import io.github.mezo4j.core.log.StepLogHeader;
import io.github.mezo4j.core.method.Estimator;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.HuggingFaceFolder;
import io.github.mezo4j.train.TinyTask;
import io.github.mezo4j.train.checkpoint.Checkpoint;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.checkpoint.RunFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fine-tuning runs with other optimizers, schedules and estimators than MeZO's: the step log
 * records them, so checkpoints replay bit for bit and interrupted runs resume bit-identically;
 * run.json and summary.json name them; resume refuses other settings.
 */
class OptimizerRunTest {
  private static final int STEPS = 12;
  private static final int EVAL_EVERY = 4;

  /** Adam with cosine decay after a warm-up, one-sided with 2 samples, weight decay. */
  private static final OptimizerSettings ADAM =
      new OptimizerSettings("adam", "cosine", 3, 0.01, 0.9, "one-sided", 2, false);

  private static FineTuneConfig config(OptimizerSettings s, int steps, boolean saveWeights) {
    return TinyTask.config("linear", "all", steps, EVAL_EVERY, saveWeights, s);
  }

  @Test
  void adamCosineWarmupOneSidedRunRecordsItsSettingsAndReplaysBitForBit(@TempDir Path tmp)
      throws IOException {
    Path out = tmp.resolve("run");
    FineTuneConfig c = config(ADAM, STEPS, true);
    FineTuner.Result r = FineTuner.run(TinyTask.run(c, out, false, 2, null));

    // run.json and every checkpoint's manifest hold the settings; summary.json names them
    ObjectNode run = JsonFiles.read(out.resolve(RunFolder.RUN));
    assertEquals(ADAM, OptimizerSettings.fromJson(run.get("config")));
    assertEquals("adam", run.get("config").get("optimizer").asText());
    Checkpoint last = Checkpoint.open(r.last());
    assertEquals(ADAM, OptimizerSettings.fromJson(last.config()));
    ObjectNode s = r.summary();
    assertEquals("adam", s.get("optimizer").asText());
    assertEquals("cosine", s.get("schedule").asText());
    assertEquals("one-sided", s.get("estimator").asText());
    assertEquals(2, s.get("samples").asInt());
    assertEquals(c.run().transform().spec(), s.get("optimizer_spec").asText());
    long trainable = r.classifier().trainable().elementCount();
    assertEquals(8 * trainable, s.get("optimizer_state_bytes").asLong()); // Adam's two moments

    // the step log's header is what replay rebuilds the run from
    StepLogHeader h = StepLog.read(out.resolve(RunFolder.STEP_LOG)).header();
    assertEquals(c.run().transform().spec(), h.optimizer());
    assertEquals(Estimator.oneSided(2), h.estimator());
    assertFalse(h.conservative());

    assertEquals(STEPS, last.step());
    EncoderClassifier replayed = last.replay(TinyTask.classifier(3), Workers.of(1));
    assertTrue(replayed.trainable().contentEquals(r.classifier().trainable()));
    assertFalse(replayed.trainable().contentEquals(TinyTask.classifier(3).trainable()));
    ParameterSet saved = HuggingFaceFolder.load(last.weights().orElseThrow()).parameters();
    for (Parameter p : saved) {
      assertTrue(p.contentEquals(replayed.trainable().get(p.name())), p.name());
    }
    // the best checkpoint, earlier in the run, replays to its recorded dev metric
    Checkpoint best = Checkpoint.open(out);
    EncoderClassifier atBest = best.replay(TinyTask.classifier(3), Workers.serial());
    EncoderClassifier.Batch dev = atBest.batch(atBest.tokenize(TinyTask.data(16, 2)));
    assertEquals(
        best.manifest().get("dev_metric").asDouble(),
        atBest.evaluate(dev, Workers.serial()).accuracy());
  }

  @Test
  void interruptedRunsWithOptimizerStateResumeBitIdentically(@TempDir Path tmp) throws IOException {
    OptimizerSettings momentum =
        new OptimizerSettings("momentum", "linear", 2, 0, 0.8, "two-sided", 2, false);
    for (OptimizerSettings settings : new OptimizerSettings[] {ADAM, momentum}) {
      FineTuneConfig c = config(settings, STEPS, false);
      String name = settings.optimizer();
      Path whole = tmp.resolve(name + "-whole");
      FineTuner.Result expected = FineTuner.run(TinyTask.run(c, whole, false, 1, null));
      // between two checkpoints: the resumed run rebuilds the moments by replaying the log
      Path split = tmp.resolve(name + "-split");
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
    }
  }

  @Test
  void conservativeSignRunReplaysBitForBit(@TempDir Path tmp) throws IOException {
    OptimizerSettings cons =
        new OptimizerSettings("sign", "linear", 0, 0, 0.9, "two-sided", 1, true);
    Path out = tmp.resolve("run");
    FineTuner.Result r = FineTuner.run(TinyTask.run(config(cons, 8, false), out, false, 2, null));
    assertTrue(StepLog.read(out.resolve(RunFolder.STEP_LOG)).header().conservative());
    assertTrue(r.summary().get("conservative").asBoolean());
    EncoderClassifier replayed =
        Checkpoint.open(r.last()).replay(TinyTask.classifier(3), Workers.of(2));
    assertTrue(replayed.trainable().contentEquals(r.classifier().trainable()));
  }

  @Test
  void resumeWithOtherSettingsIsRefusedNamingTheSetting(@TempDir Path tmp) throws IOException {
    Path out = tmp.resolve("run");
    FineTuner.run(TinyTask.run(config(ADAM, 4, false), out, false, 1, null));
    IllegalArgumentException sgd =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                FineTuner.run(
                    TinyTask.run(config(OptimizerSettings.DEFAULT, 8, false), out, true, 1, null)));
    assertTrue(
        sgd.getMessage().contains("optimizer=\"adam\", but this run has optimizer=\"sgd\""),
        sgd.getMessage());
    // a decaying schedule ends at the run's --steps: the run cannot be extended
    IllegalArgumentException longer =
        assertThrows(
            IllegalArgumentException.class,
            () -> FineTuner.run(TinyTask.run(config(ADAM, 8, false), out, true, 1, null)));
    assertTrue(longer.getMessage().contains("--steps 4"), longer.getMessage());
    // nothing was touched: the run still resumes with its own settings
    FineTuner.Result again =
        FineTuner.run(TinyTask.run(config(ADAM, 4, false), out, true, 1, null));
    assertEquals(4, again.summary().get("steps").asInt());
  }

  @Test
  void aRunRecordedBeforeTheSettingsExistedResumesAsMezo(@TempDir Path tmp) throws IOException {
    FineTuneConfig c = config(OptimizerSettings.DEFAULT, STEPS, false);
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
                    1,
                    step -> {
                      if (step == 6) {
                        throw new ResumeTest.Interrupt();
                      }
                    })));
    // run.json as builds before the settings wrote it
    Path runJson = split.resolve(RunFolder.RUN);
    ObjectNode run = JsonFiles.read(runJson);
    ObjectNode config = (ObjectNode) run.get("config");
    OptimizerSettings.DEFAULT.toJson().properties().forEach(e -> config.remove(e.getKey()));
    assertFalse(config.has("optimizer"));
    JsonFiles.write(runJson, run);
    FineTuner.Result resumed = FineTuner.run(TinyTask.run(c, split, true, 2, null));
    ResumeTest.assertSameRun(expected, whole, resumed, split);
    assertTrue(Files.isRegularFile(split.resolve(RunFolder.SUMMARY)));
  }
}
