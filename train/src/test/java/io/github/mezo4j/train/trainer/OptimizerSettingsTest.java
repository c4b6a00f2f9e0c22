package io.github.mezo4j.train.trainer;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.method.Estimator;
import io.github.mezo4j.core.optim.OptimizerSpec;
import io.github.mezo4j.core.optim.Optimizers;
import io.github.mezo4j.core.optim.Schedule;
import io.github.mezo4j.core.optim.ZoTransform;
import io.github.mezo4j.train.TinyTask;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.decoder.CandidateScore;
import io.github.mezo4j.train.decoder.DecoderFineTuneConfig;
import io.github.mezo4j.train.decoder.DecoderObjective;
import io.github.mezo4j.train.metrics.DevMetric;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The optimizer settings of fine-tuning runs: what core objects they build, their JSON in run.json
 * and how resume compares them, runs recorded before they existed included.
 */
class OptimizerSettingsTest {
  private static final OptimizerSettings ADAM =
      new OptimizerSettings("adam", "cosine", 3, 0.01, 0.9, "one-sided", 2, false);

  private static final List<OptimizerSettings> EXAMPLES =
      List.of(
          OptimizerSettings.DEFAULT,
          ADAM,
          new OptimizerSettings("momentum", "linear", 0, 0, 0.5, "two-sided", 4, false),
          new OptimizerSettings("sign", "constant", 2, 0, 0.9, "two-sided", 1, true),
          new OptimizerSettings("sgd", "linear", 0, 0, 0.9, "one-sided", 1, true));

  @Test
  void theDefaultsAreMezosAndBuildTheTransformOldRunsLogged() {
    OptimizerSettings d = OptimizerSettings.DEFAULT;
    assertEquals(
        Optimizers.sgd(Schedule.constant(1.5e-4)).spec(), d.transform(1.5e-4, 1000).spec());
    assertEquals(Estimator.twoSided(), d.estimator());
    assertFalse(d.conservative());
    // a config written before the settings existed reads as the defaults
    assertEquals(d, OptimizerSettings.fromJson(JsonFiles.object()));
  }

  @Test
  void transformsChainOptimizerDecayAndScheduleAndReplayCanRebuildThem() {
    assertEquals(
        "chain(scaleByAdam(0.9,0.999,1.0E-8),weightDecay(0.01),"
            + "scaleByLearningRate(warmup(3,cosineDecay(0.001,17,0.0))))",
        ADAM.transform(1e-3, 20).spec());
    // adam with weight decay is core's AdamW, up to the schedule
    assertEquals(
        Optimizers.adamw(Schedule.warmup(3, Schedule.cosineDecay(1e-3, 17, 0.0)), 0.01).spec(),
        ADAM.transform(1e-3, 20).spec());
    assertEquals(
        "chain(momentum(0.5),scaleByLearningRate(linearDecay(0.01,0.0,10)))",
        EXAMPLES.get(2).transform(1e-2, 10).spec());
    assertEquals(
        "chain(sign(),scaleByLearningRate(warmup(2,constant(0.01))))",
        EXAMPLES.get(3).transform(1e-2, 10).spec());
    for (OptimizerSettings s : EXAMPLES) {
      ZoTransform t = s.transform(2e-4, 30);
      assertEquals(t.spec(), OptimizerSpec.parse(t.spec()).spec(), s.toString());
    }
    // the decay ends at 0 after the last step; the last step itself still moves
    Schedule cosine = ADAM.schedule(1e-3, 20);
    assertEquals(1e-3 / 3, cosine.value(0), 1e-18);
    assertEquals(1e-3, cosine.value(3), 0);
    assertTrue(cosine.value(19) > 0);
    assertEquals(0, cosine.value(20), 1e-18);
    assertEquals(0, EXAMPLES.get(2).schedule(1.0, 10).value(10));
  }

  @Test
  void estimatorNamesMapToCoreEstimators() {
    assertEquals(List.of("two-sided", "one-sided", "fzoo"), OptimizerSettings.estimatorNames());
    assertEquals(Estimator.normalized(4), OptimizerSettings.estimator("fzoo", 4));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> OptimizerSettings.estimator("fzoo", 1))
            .getMessage()
            .startsWith(
                "--samples 1 with --estimator fzoo: the normalized estimator needs n >= 2"));
    assertEquals(Estimator.oneSided(2), OptimizerSettings.estimator("one-sided", 2));
    assertEquals(Estimator.nSpsa(4), OptimizerSettings.estimator("two-sided", 4));
    assertEquals(Estimator.oneSided(2), ADAM.estimator());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> OptimizerSettings.estimator("three-sided", 1));
    assertEquals(
        "--estimator 'three-sided': expected two-sided, one-sided or fzoo", e.getMessage());
    assertTrue(
        assertThrows(
                IllegalArgumentException.class, () -> OptimizerSettings.estimator("one-sided", 0))
            .getMessage()
            .startsWith("--samples must be >= 1"));
  }

  @Test
  void badValuesNameTheirOption() {
    assertMessage(
        "--optimizer 'rmsprop': expected sgd, momentum, adam or sign",
        () -> new OptimizerSettings("rmsprop", "constant", 0, 0, 0.9, "two-sided", 1, false));
    assertMessage(
        "--schedule 'step': expected constant, linear or cosine",
        () -> new OptimizerSettings("sgd", "step", 0, 0, 0.9, "two-sided", 1, false));
    assertMessage(
        "--warmup must be >= 0 steps, got -1",
        () -> new OptimizerSettings("sgd", "constant", -1, 0, 0.9, "two-sided", 1, false));
    assertMessage(
        "--weight-decay must be a finite number >= 0, got NaN",
        () -> new OptimizerSettings("sgd", "constant", 0, Double.NaN, 0.9, "two-sided", 1, false));
    assertMessage(
        "--momentum must be in [0, 1), got 1.0",
        () -> new OptimizerSettings("momentum", "constant", 0, 0, 1.0, "two-sided", 1, false));
    // the beta only matters to momentum: other optimizers hold the default, whatever was given
    assertEquals(
        OptimizerSettings.DEFAULT,
        new OptimizerSettings("sgd", "constant", 0, 0, 5.0, "two-sided", 1, false));
    assertMessage(
        "--warmup 30 is longer than the run (--steps 20)",
        () ->
            new OptimizerSettings("sgd", "constant", 30, 0, 0.9, "two-sided", 1, false)
                .check(1e-3, 20));
  }

  @Test
  void theConservativeRuleIsRefusedWhereCoreRefusesIt() {
    for (OptimizerSettings s :
        List.of(
            new OptimizerSettings("adam", "constant", 0, 0, 0.9, "two-sided", 1, true),
            new OptimizerSettings("momentum", "constant", 0, 0, 0.9, "two-sided", 1, true),
            new OptimizerSettings("sgd", "constant", 0, 0.1, 0.9, "two-sided", 1, true))) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> s.check(1e-3, 10));
      assertTrue(
          e.getMessage().startsWith("--conservative does not work with --optimizer "),
          e.getMessage());
      // core's own reason, with the transform it saw
      assertTrue(e.getMessage().contains("the conservative rule needs an optimizer without state"));
      assertTrue(e.getMessage().contains(s.transform(1e-3, 10).spec()), e.getMessage());
    }
    assertDoesNotThrow(() -> EXAMPLES.get(3).check(1e-3, 10));
    assertDoesNotThrow(() -> EXAMPLES.get(4).check(1e-3, 10));
  }

  @Test
  void jsonRoundTripsInsideTheRunConfigs() {
    for (OptimizerSettings s : EXAMPLES) {
      ObjectNode json = s.toJson();
      assertEquals(s, OptimizerSettings.fromJson(json));
      assertEquals(s, OptimizerSettings.fromJson(JsonFiles.MAPPER.valueToTree(json)));
      assertEquals(s.optimizer().equals("momentum"), json.has("momentum"), json.toString());

      FineTuneConfig c = encoder(s, 20);
      assertEquals(s, c.run().optim());
      assertEquals(s, OptimizerSettings.fromJson(reread(c.toJson())));
      assertDoesNotThrow(() -> c.checkResumable(reread(c.toJson()), "run.json"));
      DecoderFineTuneConfig dc = decoder(s, 20);
      assertEquals(s, OptimizerSettings.fromJson(reread(dc.toJson())));
      assertDoesNotThrow(() -> dc.checkResumable(reread(dc.toJson()), "run.json"));
    }
    ObjectNode j = encoder(ADAM, 20).toJson();
    assertEquals("adam", j.get("optimizer").asText());
    assertEquals("cosine", j.get("schedule").asText());
    assertEquals(3, j.get("warmup").asInt());
    assertEquals(0.01, j.get("weight_decay").asDouble());
    assertEquals("one-sided", j.get("estimator").asText());
    assertEquals(2, j.get("samples").asInt());
    assertFalse(j.get("conservative").asBoolean());
  }

  @Test
  void aConfigRecordedBeforeTheSettingsExistedResumesWithTheDefaultsOnly() {
    for (boolean isDecoder : new boolean[] {false, true}) {
      ObjectNode old =
          isDecoder
              ? decoder(OptimizerSettings.DEFAULT, 20).toJson()
              : encoder(OptimizerSettings.DEFAULT, 20).toJson();
      OptimizerSettings.DEFAULT.toJson().properties().forEach(e -> old.remove(e.getKey()));
      assertDoesNotThrow(
          () -> check(isDecoder, OptimizerSettings.DEFAULT, 30, old), "old run, old settings");
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> check(isDecoder, ADAM, 20, old));
      assertEquals(
          "cannot resume: run.json was started with optimizer=\"sgd\", but this run has"
              + " optimizer=\"adam\"",
          e.getMessage());
      OptimizerSettings oneSided =
          new OptimizerSettings("sgd", "constant", 0, 0, 0.9, "one-sided", 1, false);
      assertTrue(
          assertThrows(IllegalArgumentException.class, () -> check(isDecoder, oneSided, 20, old))
              .getMessage()
              .contains("estimator=\"two-sided\""));
    }
  }

  @Test
  void resumeRefusesOtherSettingsAndADecayingRunOfAnotherLength() {
    ObjectNode recorded = reread(encoder(ADAM, 20).toJson());
    OptimizerSettings moreSamples =
        new OptimizerSettings("adam", "cosine", 3, 0.01, 0.9, "one-sided", 3, false);
    assertMessage(
        "cannot resume: run.json was started with samples=2, but this run has samples=3",
        () -> encoder(moreSamples, 20).checkResumable(recorded, "run.json"));
    IllegalArgumentException longer =
        assertThrows(
            IllegalArgumentException.class,
            () -> encoder(ADAM, 40).checkResumable(recorded, "run.json"));
    assertTrue(longer.getMessage().contains("schedule=cosine"), longer.getMessage());
    assertTrue(longer.getMessage().contains("--steps 20"), longer.getMessage());
    // a constant schedule (warm-up or not) lets a run go on
    OptimizerSettings warm =
        new OptimizerSettings("momentum", "constant", 5, 0, 0.8, "two-sided", 1, false);
    assertDoesNotThrow(
        () -> encoder(warm, 40).checkResumable(reread(encoder(warm, 20).toJson()), "run.json"));
    OptimizerSettings otherBeta =
        new OptimizerSettings("momentum", "constant", 5, 0, 0.7, "two-sided", 1, false);
    assertMessage(
        "cannot resume: run.json was started with momentum=0.8, but this run has momentum=0.7",
        () ->
            encoder(otherBeta, 20).checkResumable(reread(encoder(warm, 20).toJson()), "run.json"));
  }

  private static void check(boolean isDecoder, OptimizerSettings s, int steps, ObjectNode old) {
    if (isDecoder) {
      decoder(s, steps).checkResumable(old, "run.json");
    } else {
      encoder(s, steps).checkResumable(old, "run.json");
    }
  }

  private static FineTuneConfig encoder(OptimizerSettings s, int steps) {
    return TinyTask.config("prompt", "all", steps, 5, false, s);
  }

  private static DecoderFineTuneConfig decoder(OptimizerSettings s, int steps) {
    return new DecoderFineTuneConfig(
        new RunSettings(
            "sst2",
            "stories260K.bin",
            TrainParams.parse("all"),
            DevMetric.ACCURACY,
            steps,
            1e-4,
            1e-3,
            4,
            5,
            4,
            false,
            Map.of("source", "test"),
            "f32",
            s),
        null,
        DecoderObjective.CROSS_ENTROPY,
        CandidateScore.MEAN);
  }

  /** As run.json holds it: written and read back. */
  private static ObjectNode reread(ObjectNode o) {
    try {
      return (ObjectNode) JsonFiles.MAPPER.readTree(JsonFiles.line(o));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static void assertMessage(String expected, Runnable r) {
    assertEquals(expected, assertThrows(IllegalArgumentException.class, r::run).getMessage());
  }
}
