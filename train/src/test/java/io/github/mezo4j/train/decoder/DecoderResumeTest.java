package io.github.mezo4j.train.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.log.StepLog;
import io.github.mezo4j.core.log.StepRecord;
import io.github.mezo4j.core.method.PerturbationMode;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.DecoderFolder;
import io.github.mezo4j.train.checkpoint.Checkpoint;
import io.github.mezo4j.train.checkpoint.DecoderCheckpoints;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.checkpoint.RunFolder;
import io.github.mezo4j.train.data.Example;
import io.github.mezo4j.train.metrics.DevMetric;
import io.github.mezo4j.train.prompt.DecoderTemplates;
import io.github.mezo4j.train.trainer.EarlierRuns;
import io.github.mezo4j.train.trainer.OptimizerSettings;
import io.github.mezo4j.train.trainer.RunDriver;
import io.github.mezo4j.train.trainer.RunSettings;
import io.github.mezo4j.train.trainer.TrainParams;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decoder runs on stories260K: interrupted and resumed runs end bit-identical to uninterrupted ones
 * (weights, step log, metrics), and checkpoints replay onto the base model bit for bit.
 */
class DecoderResumeTest {
  private static final int STEPS = 9;
  private static final int EVAL_EVERY = 4;

  /** Thrown by the after-step hook to stop a run as a crash would. */
  static final class Interrupt extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Interrupt() {
      super("interrupted by the test", null, false, false);
    }
  }

  private static DecoderFineTuneConfig config(DecoderObjective objective, boolean save) {
    return config(objective, save, OptimizerSettings.DEFAULT);
  }

  private static DecoderFineTuneConfig config(
      DecoderObjective objective, boolean save, OptimizerSettings optim) {
    return new DecoderFineTuneConfig(
        new RunSettings(
            "sst2",
            "stories260K.bin",
            TrainParams.parse("all"),
            objective.languageModel() ? DevMetric.PERPLEXITY : DevMetric.ACCURACY,
            STEPS,
            1e-4,
            1e-3,
            4,
            5,
            EVAL_EVERY,
            save,
            Map.of("source", "Stories260kLm.REVIEWS"),
            "f32",
            optim),
        null,
        objective,
        CandidateScore.MEAN);
  }

  private static DecoderFineTuner.Run run(
      DecoderFineTuneConfig config, Path out, boolean resume, int threads, LongConsumer after)
      throws IOException {
    Stories260kLm.Loaded m = Stories260kLm.load();
    List<Example> train = Stories260kLm.REVIEWS.subList(0, 8);
    List<Example> dev = Stories260kLm.REVIEWS.subList(8, 12);
    return new DecoderFineTuner.Run(
        config,
        m.lm(),
        DecoderTemplates.forTask("sst2"),
        2,
        m.checkpoint().config(),
        train,
        dev,
        new RunDriver.Context(out, resume, Workers.of(threads), null, false, after));
  }

  @Test
  void stopAtAnyStepThenResumeMatchesAnUninterruptedRun(@TempDir Path tmp) throws IOException {
    for (DecoderObjective objective :
        List.of(DecoderObjective.CROSS_ENTROPY, DecoderObjective.LANGUAGE_MODEL)) {
      DecoderFineTuneConfig config = config(objective, false);
      Path whole = tmp.resolve(objective.option() + "-whole");
      DecoderFineTuner.Result expected = DecoderFineTuner.run(run(config, whole, false, 1, null));
      // after a checkpoint (step 4) and between two (step 6: the log runs past the checkpoint)
      for (int stopAt : new int[] {4, 6}) {
        Path split = tmp.resolve(objective.option() + "-split-" + stopAt);
        assertThrows(
            Interrupt.class,
            () ->
                DecoderFineTuner.run(
                    run(
                        config,
                        split,
                        false,
                        2,
                        step -> {
                          if (step == stopAt) {
                            throw new Interrupt();
                          }
                        })));
        assertFalse(Files.exists(split.resolve(RunFolder.SUMMARY)));
        DecoderFineTuner.Result resumed = DecoderFineTuner.run(run(config, split, true, 3, null));
        assertTrue(expected.weights().contentEquals(resumed.weights()), "final weights differ");
        assertArrayEquals(
            Files.readAllBytes(whole.resolve(RunFolder.STEP_LOG)),
            Files.readAllBytes(split.resolve(RunFolder.STEP_LOG)));
        assertEquals(events(whole), events(split));
        assertEquals(expected.bestDevMetric(), resumed.bestDevMetric());
        assertEquals(expected.finalDevMetric(), resumed.finalDevMetric());
      }
      assertEquals(objective.option(), expected.summary().get("objective").asText());
      assertEquals(STEPS, expected.summary().get("steps").asLong());
    }
  }

  @Test
  void anInPlaceRunOfAnEarlierBuildResumesInPlaceBitForBit(@TempDir Path tmp) throws Exception {
    // stopped after step 6 by a build whose decoder steps perturbed the weights in place
    Path run = EarlierRuns.copy("decoder-ce-stopped-at-6", tmp.resolve("earlier"));
    DecoderFineTuner.run(run(config(DecoderObjective.CROSS_ENTROPY, false), run, true, 2, null));
    // the same steps as that build's uninterrupted run: its six steps kept byte for byte, the
    // resumed ones in place as well. Since that build the cross-entropy is summed exactly rather
    // than in a double running sum, which moves a loss by an ulp at most: the resumed steps'
    // coefficients agree to 1e-9, where reading the weights through the perturbation instead of
    // in place moves them far more (the fresh run below)
    List<StepRecord> before =
        StepLog.read(EarlierRuns.resource("decoder-ce-uninterrupted.mezolog")).records();
    List<StepRecord> resumed = StepLog.read(run.resolve(RunFolder.STEP_LOG)).records();
    assertEquals(before.subList(0, 6), resumed.subList(0, 6));
    assertEquals(before.size(), resumed.size());
    for (int i = 6; i < before.size(); i++) {
      assertArrayEquals(before.get(i).seeds(), resumed.get(i).seeds());
      double g = before.get(i).grads()[0];
      assertEquals(g, resumed.get(i).grads()[0], 1e-9 * Math.abs(g), "step " + (i + 1));
    }
    Path fresh = tmp.resolve("fresh");
    DecoderFineTuner.run(run(config(DecoderObjective.CROSS_ENTROPY, false), fresh, false, 2, null));
    double inPlace = before.get(0).grads()[0];
    double virtual = StepLog.read(fresh.resolve(RunFolder.STEP_LOG)).records().get(0).grads()[0];
    assertTrue(
        Math.abs(inPlace - virtual) > 1e-6 * Math.abs(inPlace),
        "in place and virtual steps differ by more than the tolerance above");
    assertEquals(
        PerturbationMode.VIRTUAL.spec(),
        StepLog.read(fresh.resolve(RunFolder.STEP_LOG)).header().values().get("perturbation"),
        "a new run reads the weights through the perturbation");
  }

  @Test
  void replayOfACheckpointRebuildsItsWeightsBitForBit(@TempDir Path tmp) throws IOException {
    Path out = tmp.resolve("run");
    DecoderFineTuner.Result r =
        DecoderFineTuner.run(
            run(config(DecoderObjective.CROSS_ENTROPY, true), out, false, 2, null));
    Checkpoint last = Checkpoint.open(r.last());
    assertTrue(DecoderCheckpoints.isDecoder(last));
    assertEquals(STEPS, last.step());
    ParameterSet base = Stories260kLm.load().lm().model().parameters();
    assertFalse(base.contentEquals(r.weights()), "training changed nothing");
    DecoderCheckpoints.replay(last, base, Workers.of(2));
    assertTrue(base.contentEquals(r.weights()), "replayed weights differ from the trained ones");

    // the saved Hugging Face folder holds the same weights and loads as a decoder
    ParameterSet saved = DecoderFolder.load(last.weights().orElseThrow()).parameters();
    for (Parameter p : base) {
      assertTrue(p.contentEquals(saved.get(p.name())), p.name());
    }

    // the best checkpoint replays to its recorded dev accuracy
    Checkpoint best = Checkpoint.open(out);
    Stories260kLm.Loaded fresh = Stories260kLm.load();
    DecoderCheckpoints.replay(best, fresh.lm().model().parameters(), Workers.serial());
    DecoderEvaluation e =
        DecoderMetrics.classification(
            fresh.lm(),
            DecoderTemplates.forTask("sst2"),
            2,
            CandidateScore.MEAN,
            Stories260kLm.REVIEWS.subList(8, 12),
            Workers.serial());
    assertEquals(best.manifest().get("dev_metric").asDouble(), e.accuracy());
    assertEquals(best.manifest().get("dev_loss").asDouble(), e.loss());
  }

  @Test
  void adamCosineOneSidedRunResumesAndReplaysBitForBit(@TempDir Path tmp) throws IOException {
    OptimizerSettings adam =
        new OptimizerSettings("adam", "cosine", 2, 0.01, 0.9, "one-sided", 2, false);
    DecoderFineTuneConfig config = config(DecoderObjective.CROSS_ENTROPY, true, adam);
    Path whole = tmp.resolve("whole");
    DecoderFineTuner.Result expected = DecoderFineTuner.run(run(config, whole, false, 2, null));
    ObjectNode recorded = JsonFiles.read(whole.resolve(RunFolder.RUN));
    assertEquals(adam, OptimizerSettings.fromJson(recorded.get("config")));
    assertEquals("adam", expected.summary().get("optimizer").asText());
    assertEquals("cosine", expected.summary().get("schedule").asText());
    assertEquals("one-sided", expected.summary().get("estimator").asText());
    assertEquals(
        config.run().transform().spec(), expected.summary().get("optimizer_spec").asText());

    Checkpoint last = Checkpoint.open(expected.last());
    ParameterSet base = Stories260kLm.load().lm().model().parameters();
    DecoderCheckpoints.replay(last, base, Workers.of(2));
    assertTrue(base.contentEquals(expected.weights()), "replayed weights differ");

    Path split = tmp.resolve("split");
    assertThrows(
        Interrupt.class,
        () ->
            DecoderFineTuner.run(
                run(
                    config,
                    split,
                    false,
                    1,
                    step -> {
                      if (step == 6) {
                        throw new Interrupt();
                      }
                    })));
    // other settings are refused by name; the run's own resume it to the same end
    IllegalArgumentException other =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                DecoderFineTuner.run(
                    run(config(DecoderObjective.CROSS_ENTROPY, true), split, true, 1, null)));
    assertTrue(other.getMessage().contains("optimizer=\"adam\""), other.getMessage());
    DecoderFineTuner.Result resumed = DecoderFineTuner.run(run(config, split, true, 2, null));
    assertTrue(expected.weights().contentEquals(resumed.weights()), "final weights differ");
    assertArrayEquals(
        Files.readAllBytes(whole.resolve(RunFolder.STEP_LOG)),
        Files.readAllBytes(split.resolve(RunFolder.STEP_LOG)));
    assertEquals(events(whole), events(split));
  }

  @Test
  void aRunFolderIsNeverOverwrittenAndResumeChecksTheSettings(@TempDir Path tmp)
      throws IOException {
    Path out = tmp.resolve("run");
    DecoderFineTuneConfig ce = config(DecoderObjective.CROSS_ENTROPY, false);
    DecoderFineTuner.run(run(ce, out, false, 1, null));
    IllegalArgumentException again =
        assertThrows(
            IllegalArgumentException.class,
            () -> DecoderFineTuner.run(run(ce, out, false, 1, null)));
    assertTrue(again.getMessage().contains("--resume"), again.getMessage());
    IllegalArgumentException other =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                DecoderFineTuner.run(
                    run(config(DecoderObjective.LANGUAGE_MODEL, false), out, true, 1, null)));
    assertTrue(other.getMessage().contains("objective"), other.getMessage());
  }

  /** metrics.jsonl without the wall-clock field. */
  static List<String> events(Path dir) throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve(RunFolder.METRICS), StandardCharsets.UTF_8)) {
      ObjectNode o = (ObjectNode) JsonFiles.MAPPER.readTree(line);
      o.remove("elapsed_s");
      out.add(JsonFiles.line(o));
    }
    return out;
  }
}
