package io.github.mezo4j.core.mezo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.log.StepLog;
import io.github.mezo4j.core.log.StepLogHeader;
import io.github.mezo4j.core.method.Estimator;
import io.github.mezo4j.core.method.PerturbationMode;
import io.github.mezo4j.core.noise.Bf16Rounding;
import io.github.mezo4j.core.noise.Directions;
import io.github.mezo4j.core.noise.MagnitudeMask;
import io.github.mezo4j.core.optim.Optimizers;
import io.github.mezo4j.core.optim.Schedule;
import io.github.mezo4j.core.optim.ZoTransform;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.core.param.Selector;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Base parameters + step log reproduce the trained parameters bit for bit. */
class ReplayTest {
  static final int STEPS = 25;
  static final int NAN_STEP = 7;

  @TempDir Path dir;

  record Setup(
      ZoTransform optimizer,
      Estimator estimator,
      boolean conservative,
      DType dtype,
      PerturbationMode mode,
      Bf16Rounding rounding,
      Directions directions) {
    Setup(ZoTransform optimizer, Estimator estimator, boolean conservative, DType dtype) {
      this(
          optimizer,
          estimator,
          conservative,
          dtype,
          PerturbationMode.IN_PLACE,
          Bf16Rounding.NEAREST,
          Directions.gaussian());
    }

    Setup virtual() {
      return new Setup(
          optimizer,
          estimator,
          conservative,
          dtype,
          PerturbationMode.VIRTUAL,
          rounding,
          directions);
    }

    Setup stochastic() {
      return new Setup(
          optimizer, estimator, conservative, dtype, mode, Bf16Rounding.STOCHASTIC, directions);
    }

    Setup rademacher() {
      return new Setup(
          optimizer,
          estimator,
          conservative,
          dtype,
          mode,
          rounding,
          Directions.of(Directions.Distribution.RADEMACHER).withMask(directions.thresholds()));
    }

    /** Half of encoder.weight masked (its larger half, by the base weights' magnitudes). */
    Setup sparse() {
      return new Setup(
          optimizer,
          estimator,
          conservative,
          dtype,
          mode,
          rounding,
          directions.withMask(
              MagnitudeMask.thresholds(
                  BigModel.model(dtype).select(Selector.glob("encoder.weight")), 0.5)));
    }
  }

  static Setup setup(String name) {
    if (name.endsWith("-sparse")) {
      return setup(name.substring(0, name.length() - "-sparse".length())).sparse();
    }
    if (name.endsWith("-rademacher")) {
      return setup(name.substring(0, name.length() - "-rademacher".length())).rademacher();
    }
    if (name.startsWith("virtual-")) {
      return setup(name.substring("virtual-".length())).virtual();
    }
    if (name.endsWith("-stochastic")) {
      return setup(name.substring(0, name.length() - "-stochastic".length())).stochastic();
    }
    return switch (name) {
      case "sgd" ->
          new Setup(
              Optimizers.chain(
                  Optimizers.weightDecay(0.01),
                  Optimizers.scaleByLearningRate(
                      Schedule.warmup(5, Schedule.cosineDecay(0.02, STEPS, 0.1)))),
              Estimator.twoSided(),
              false,
              DType.F32);
      case "sgd-bf16" -> new Setup(Optimizers.sgd(0.02), Estimator.twoSided(), false, DType.BF16);
      case "adam" ->
          new Setup(
              Optimizers.adamw(Schedule.constant(0.005), 0.01),
              Estimator.nSpsa(2),
              false,
              DType.F32);
      case "momentum" ->
          new Setup(
              Optimizers.sgdMomentum(Schedule.linearDecay(0.01, 0.001, STEPS), 0.9),
              Estimator.oneSided(),
              false,
              DType.F32);
      case "sign" ->
          new Setup(
              Optimizers.signSgd(Schedule.constant(1e-3)), Estimator.twoSided(), false, DType.F32);
      case "conservative" -> new Setup(Optimizers.sgd(0.05), Estimator.twoSided(), true, DType.F32);
      case "normalized" ->
          new Setup(Optimizers.sgd(1e-3), Estimator.normalized(3), false, DType.F32);
      case "normalized-conservative" ->
          new Setup(Optimizers.sgd(1e-3), Estimator.normalized(3), true, DType.F32);
      default -> throw new IllegalArgumentException(name);
    };
  }

  /** Trains {@code model}'s trainable part for STEPS steps (one NaN step) and logs it. */
  static void train(ParameterSet model, Setup s, Path log, Workers workers) throws Exception {
    Objective<Integer> clean = BigModel.objective(model, workers);
    PerturbedObjective<Integer> virtualClean = BigModel.perturbedObjective(model, workers);
    int[] step = {0};
    Objective<Integer> f =
        (params, batch) -> batch == NAN_STEP ? Double.NaN : clean.loss(params, batch);
    PerturbedObjective<Integer> vf =
        (batch, p) -> batch == NAN_STEP ? Double.NaN : virtualClean.loss(batch, p);
    MezoTrainer.Builder<Integer> builder =
        s.mode() == PerturbationMode.VIRTUAL
            ? MezoTrainer.virtualBuilder(vf)
            : MezoTrainer.builder(f);
    try (MezoTrainer<Integer> t =
        builder
            .eps(1e-3)
            .bf16Rounding(s.rounding())
            .optimizer(s.optimizer())
            .estimator(s.estimator())
            .conservative(s.conservative())
            .directions(s.directions())
            .runSeed(1234)
            .workers(workers)
            .stepLog(log)
            .build(BigModel.trainable(model))) {
      for (step[0] = 0; step[0] < STEPS; step[0]++) {
        StepResult r = t.step(step[0]);
        assertEquals(step[0] != NAN_STEP, r.applied());
      }
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "sgd",
        "sgd-bf16",
        "adam",
        "momentum",
        "sign",
        "conservative",
        "sgd-bf16-stochastic",
        "virtual-sgd",
        "virtual-sgd-bf16-stochastic",
        "virtual-adam",
        "virtual-momentum",
        "virtual-conservative",
        "normalized",
        "normalized-conservative",
        "virtual-normalized",
        "virtual-normalized-conservative",
        "sgd-rademacher",
        "normalized-rademacher",
        "virtual-normalized-rademacher",
        "virtual-adam-rademacher",
        "virtual-sgd-sparse",
        "virtual-adam-sparse",
        "virtual-momentum-sparse",
        "virtual-normalized-rademacher-sparse",
        "virtual-sgd-bf16-stochastic-sparse"
      })
  void replayReproducesTrainingBitForBit(String name) throws Exception {
    Setup s = setup(name);
    ParameterSet trained = BigModel.model(s.dtype());
    Path log = dir.resolve(name + ".steplog");
    try (Workers w = Workers.of(2)) {
      train(trained, s, log, w);
    }
    StepLogHeader header = StepLog.read(log).header();
    assertEquals(s.mode(), header.perturbation(), "the header records the mode");
    assertEquals(s.rounding(), header.bf16Rounding(), "the header records the rounding");
    assertEquals(s.directions(), header.directions(), "the header records the directions");
    ParameterSet base = BigModel.model(s.dtype());
    assertFalse(base.contentEquals(trained), "training changed the parameters");
    assertTrue(
        base.get("frozen.embedding").contentEquals(trained.get("frozen.embedding")),
        "the excluded parameter is bit-identical");
    if (s.directions().isMasked()) {
      assertMaskedElementsNeverMoved(base, trained, s.directions());
    }

    for (int threads : new int[] {1, 3}) { // thread counts other than training's
      ParameterSet replayed = BigModel.model(s.dtype());
      Replay.Result r;
      try (Workers w = Workers.of(threads)) {
        r = Replay.apply(log, BigModel.trainable(replayed), w);
      }
      assertEquals(STEPS, r.steps());
      assertEquals(1, r.skippedSteps());
      assertTrue(
          replayed.contentEquals(trained),
          name + ": replay on " + threads + " threads is bit-identical");
    }
  }

  /** Outside the mask of the base weights nothing moved; inside, most elements did. */
  static void assertMaskedElementsNeverMoved(
      ParameterSet base, ParameterSet trained, Directions directions) {
    Parameter b = base.get("encoder.weight");
    Parameter t = trained.get("encoder.weight");
    float threshold = directions.threshold(b);
    int outside = 0;
    int movedInside = 0;
    for (int i = 0; i < b.size(); i++) {
      if (Math.abs(b.get(i)) > threshold) {
        outside++;
        assertEquals(
            Float.floatToRawIntBits(b.get(i)),
            Float.floatToRawIntBits(t.get(i)),
            "masked-out element " + i + " never moves");
      } else if (b.get(i) != t.get(i)) {
        movedInside++;
      }
    }
    // half of the elements, less any that tie with the threshold (bf16 has few distinct values)
    assertTrue(
        outside <= b.size() / 2 && outside > b.size() / 2 - b.size() / 50,
        "sparsity 0.5 masks about half of the elements: " + outside);
    assertTrue(movedInside > b.size() / 4, "most masked-in elements moved: " + movedInside);
  }

  @Test
  void aMaskNeedsTheVirtualModeWithoutTheConservativeRule() {
    Directions masked = Directions.gaussian().withMask(java.util.Map.of("encoder.weight", 0.1f));
    var inPlace =
        assertThrows(
            IllegalArgumentException.class,
            () -> MezoConfig.builder().optimizer(Optimizers.sgd(0.1)).directions(masked).build());
    assertTrue(inPlace.getMessage().contains("VIRTUAL"), inPlace.getMessage());
    var conservative =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                MezoConfig.builder()
                    .optimizer(Optimizers.sgd(0.1))
                    .perturbation(PerturbationMode.VIRTUAL)
                    .conservative(true)
                    .directions(masked)
                    .build());
    assertTrue(conservative.getMessage().contains("conservative"), conservative.getMessage());
  }

  @Test
  void replayingAVirtualLogInPlaceWouldNotReproduceIt() throws Exception {
    // The mode in the header matters: the same records applied with in-place passes differ.
    Setup s = setup("virtual-sgd");
    ParameterSet trained = BigModel.model(DType.F32);
    Path log = dir.resolve("mode.steplog");
    train(trained, s, log, Workers.serial());
    StepLog read = StepLog.read(log);
    ParameterSet inPlace = BigModel.model(DType.F32);
    MezoConfig virtualConfig = Replay.config(read, BigModel.trainable(inPlace), null);
    MezoConfig wrong =
        new MezoConfig(
            virtualConfig.eps(),
            virtualConfig.estimator(),
            virtualConfig.optimizer(),
            false,
            NanPolicy.SKIP);
    MezoStep<Void> step = MezoStep.forReplay(wrong, BigModel.trainable(inPlace), Workers.serial());
    read.records().forEach(step::replay);
    assertFalse(inPlace.contentEquals(trained), "in-place passes leave a different drift");
  }

  @Test
  void replayRefusesOtherParametersAndUnknownOptimizers() throws Exception {
    Setup s = setup("sgd");
    ParameterSet trained = BigModel.model(DType.F32);
    Path log = dir.resolve("check.steplog");
    train(trained, s, log, Workers.serial());
    ParameterSet wrongSelection = BigModel.model(DType.F32).select(Selector.glob("encoder.*"));
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Replay.apply(log, wrongSelection, Workers.serial()));
    assertTrue(e.getMessage().contains(log.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("trainable parameters"), e.getMessage());

    var other =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Replay.apply(
                    log,
                    BigModel.trainable(BigModel.model(DType.F32)),
                    Optimizers.sgd(0.02),
                    Workers.serial()));
    assertTrue(other.getMessage().contains("was written with optimizer"), other.getMessage());
  }

  @Test
  void customMaskNeedsTheOptimizerPassedExplicitly() throws Exception {
    ZoTransform custom =
        Optimizers.chain(
            Optimizers.weightDecay(0.05, Selector.glob("encoder.weight"), "encoder-weight-only"),
            Optimizers.scaleByLearningRate(Schedule.constant(0.01)));
    Setup s = new Setup(custom, Estimator.twoSided(), false, DType.F32);
    ParameterSet trained = BigModel.model(DType.F32);
    Path log = dir.resolve("custom.steplog");
    train(trained, s, log, Workers.serial());
    ParameterSet base = BigModel.model(DType.F32);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Replay.apply(log, BigModel.trainable(base), Workers.serial()));
    assertTrue(e.getMessage().contains("pass the optimizer explicitly"), e.getMessage());
    Replay.apply(log, BigModel.trainable(base), custom, Workers.serial());
    assertTrue(base.contentEquals(trained));
    assertEquals(STEPS, StepLog.read(log).records().size());
  }
}
