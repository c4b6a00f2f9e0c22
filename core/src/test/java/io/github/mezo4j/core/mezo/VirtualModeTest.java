package io.github.mezo4j.core.mezo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.log.StepLog;
import io.github.mezo4j.core.method.Estimator;
import io.github.mezo4j.core.method.PerturbationMode;
import io.github.mezo4j.core.noise.Perturbation;
import io.github.mezo4j.core.optim.Optimizers;
import io.github.mezo4j.core.optim.Schedule;
import io.github.mezo4j.core.optim.ZoTransform;
import io.github.mezo4j.core.optim.ZoUpdater;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.ParameterSet;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PerturbationMode.VIRTUAL: the estimate never writes the weights; one update pass per step. */
class VirtualModeTest {
  @TempDir Path dir;

  static final ZoTransform ADAM = Optimizers.adam(Schedule.constant(0.01));

  static MezoConfig virtualConfig(ZoTransform optimizer, Estimator estimator) {
    return MezoConfig.builder()
        .eps(1e-3)
        .optimizer(optimizer)
        .estimator(estimator)
        .perturbation(PerturbationMode.VIRTUAL)
        .build();
  }

  @Test
  void theEstimateReadsUntouchedWeightsAndTheStepIsExactlyOneUpdatePass() {
    ParameterSet model = BigModel.model(DType.F32);
    ParameterSet before = model.copy();
    PerturbedObjective<Integer> clean = BigModel.perturbedObjective(model, Workers.serial());
    int[] calls = {0};
    PerturbedObjective<Integer> checking =
        (batch, p) -> {
          calls[0]++;
          assertTrue(model.contentEquals(before), "weights untouched during the estimate");
          return clean.loss(batch, p);
        };
    MezoConfig c = virtualConfig(Optimizers.sgd(0.02), Estimator.nSpsa(2));
    MezoStep<Integer> step =
        MezoStep.virtual(c, BigModel.trainable(model), checking, Workers.of(2));
    StepResult r = step.run(0, new long[] {11, 12}, 3);
    assertEquals(4, calls[0], "two samples, two forward passes each");
    assertTrue(r.applied());

    // The expected weights: the updater's one fused pass, without restore, on the old weights.
    ZoUpdater expected = new ZoUpdater(c.optimizer(), BigModel.trainable(before));
    expected.update(r.seeds(), r.grads(), 0f, Workers.serial());
    assertTrue(model.contentEquals(before), "step = update(seeds, grads) bit for bit");
  }

  @Test
  void aNonFiniteLossLeavesTheWeightsBitIdenticalWhereInPlaceDrifts() {
    ParameterSet virtual = BigModel.model(DType.F32);
    ParameterSet inPlace = BigModel.model(DType.F32);
    ParameterSet base = BigModel.model(DType.F32);
    PerturbedObjective<Integer> v = BigModel.perturbedObjective(virtual, Workers.serial());
    Objective<Integer> ip = BigModel.objective(inPlace, Workers.serial());
    MezoStep<Integer> vs =
        MezoStep.virtual(
            virtualConfig(Optimizers.sgd(0.02), Estimator.twoSided()),
            BigModel.trainable(virtual),
            (b, p) -> p.scale() < 0 ? Double.NaN : v.loss(b, p),
            Workers.serial());
    MezoStep<Integer> is =
        new MezoStep<>(
            MezoConfig.builder().optimizer(Optimizers.sgd(0.02)).build(),
            BigModel.trainable(inPlace),
            new Objective<Integer>() {
              int call;

              @Override
              public double loss(ParameterSet params, Integer batch) {
                return call++ == 1 ? Double.NaN : ip.loss(params, batch);
              }
            },
            Workers.serial());
    assertFalse(vs.run(0, new long[] {5}, 0).applied());
    assertFalse(is.run(0, new long[] {5}, 0).applied());
    assertTrue(virtual.contentEquals(base), "virtual: nothing was written");
    assertFalse(inPlace.contentEquals(base), "in place: +eps, -2 eps, +eps leaves rounding drift");
  }

  @Test
  void trainingIsBitIdenticalOnAnyThreadCount() throws Exception {
    ParameterSet reference = null;
    List<?> referenceRecords = null;
    for (int threads : new int[] {1, 2, 3}) {
      ParameterSet model = BigModel.model(DType.F32);
      Path log = dir.resolve("t" + threads + ".steplog");
      try (Workers w = Workers.of(threads);
          MezoTrainer<Integer> t =
              MezoTrainer.virtualBuilder(BigModel.perturbedObjective(model, w))
                  .optimizer(ADAM)
                  .estimator(Estimator.nSpsa(2))
                  .runSeed(9)
                  .workers(w)
                  .stepLog(log)
                  .build(BigModel.trainable(model))) {
        for (int s = 0; s < 8; s++) {
          t.step(s % 3);
        }
      }
      List<?> records = StepLog.read(log).records();
      if (reference == null) {
        reference = model;
        referenceRecords = records;
      } else {
        assertTrue(model.contentEquals(reference), threads + " threads: same weights");
        assertEquals(referenceRecords, records, threads + " threads: same log");
      }
    }
  }

  @Test
  void virtualAndInPlaceEstimatesAgree() {
    ParameterSet virtual = BigModel.model(DType.F32);
    ParameterSet inPlace = BigModel.model(DType.F32);
    ZoTransform sgd = Optimizers.sgd(1e-3);
    StepResult v =
        MezoStep.virtual(
                virtualConfig(sgd, Estimator.twoSided()),
                BigModel.trainable(virtual),
                BigModel.perturbedObjective(virtual, Workers.serial()),
                Workers.serial())
            .run(0, new long[] {21}, 1);
    StepResult i =
        new MezoStep<>(
                MezoConfig.builder().optimizer(sgd).build(),
                BigModel.trainable(inPlace),
                BigModel.objective(inPlace, Workers.serial()),
                Workers.serial())
            .run(0, new long[] {21}, 1);
    // theta + eps z is fma(eps, z, theta) in both modes; L- differs by the in-place rounding only.
    assertEquals(i.lossPlus()[0], v.lossPlus()[0], 0.0, "L+ is bit-identical");
    double g = i.grads()[0];
    assertTrue(Math.abs(g) > 1, "a real gradient: " + g);
    assertEquals(g, v.grads()[0], 1e-4 * Math.abs(g), "projected gradients agree");
  }

  @Test
  void resumeContinuesAVirtualRunAndRefusesAnInPlaceTrainer() throws Exception {
    ParameterSet straight = BigModel.model(DType.F32);
    try (var t = builder(straight, dir.resolve("straight.steplog"))) {
      for (int s = 0; s < 10; s++) {
        t.step(s % 4);
      }
    }
    ParameterSet first = BigModel.model(DType.F32);
    Path log = dir.resolve("resumed.steplog");
    try (var t = builder(first, log)) {
      for (int s = 0; s < 6; s++) {
        t.step(s % 4);
      }
    }
    ParameterSet resumed = BigModel.model(DType.F32);
    try (var t =
        MezoTrainer.virtualBuilder(BigModel.perturbedObjective(resumed, Workers.serial()))
            .optimizer(ADAM)
            .runSeed(5)
            .workers(Workers.serial())
            .stepLog(log)
            .resume(BigModel.trainable(resumed))) {
      assertEquals(6, t.nextStep());
      while (t.nextStep() < 10) {
        t.step((int) (t.nextStep() % 4));
      }
    }
    assertTrue(resumed.contentEquals(straight), "resumed virtual run = uninterrupted run");

    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                MezoTrainer.builder(BigModel.objective(resumed, Workers.serial()))
                    .optimizer(ADAM)
                    .runSeed(5)
                    .stepLog(log)
                    .resume(BigModel.trainable(BigModel.model(DType.F32))));
    assertTrue(e.getMessage().contains("perturbation=virtual"), e.getMessage());
    assertTrue(e.getMessage().contains("perturbation=in-place"), e.getMessage());
  }

  private static MezoTrainer<Integer> builder(ParameterSet model, Path log) throws Exception {
    return MezoTrainer.virtualBuilder(BigModel.perturbedObjective(model, Workers.serial()))
        .optimizer(ADAM)
        .runSeed(5)
        .workers(Workers.serial())
        .stepLog(log)
        .build(BigModel.trainable(model));
  }

  @Test
  void functionalApiWritesOnlyTheUpdate() {
    ParameterSet model = BigModel.model(DType.F32);
    ParameterSet before = model.copy();
    ParameterSet trainable = BigModel.trainable(model);
    PerturbedObjective<Integer> f = BigModel.perturbedObjective(model, Workers.serial());
    double g = Mezo.virtualGrad(f).apply(trainable, 1e-3, 8, 2, Workers.serial());
    assertTrue(model.contentEquals(before), "virtualGrad writes nothing");
    ValueAndGrad vg = Mezo.virtualValueAndGrad(f).apply(trainable, 1e-3, 8, 2, Workers.serial());
    assertEquals(g, vg.grad(), 0.0);
    assertEquals((vg.lossPlus() + vg.lossMinus()) / 2, vg.value(), 0.0);
    ParameterSet inPlace = BigModel.model(DType.F32);
    double gi =
        Mezo.grad(BigModel.objective(inPlace, Workers.serial()))
            .apply(BigModel.trainable(inPlace), 1e-3, 8, 2, Workers.serial());
    assertEquals(gi, g, 1e-4 * Math.abs(gi), "the same estimate as in place");

    ValueAndGrad s = Mezo.virtualSgdStep(f).apply(trainable, 1e-3, 0.01, 8, 2, Workers.serial());
    assertEquals(g, s.grad(), 0.0);
    Perturbation.addScaledNoise(
        BigModel.trainable(before), 8, (float) (-0.01 * g), Workers.serial());
    assertTrue(model.contentEquals(before), "one pass theta = fma(-lr g, z, theta)");
  }

  @Test
  void aStepRefusesAnObjectiveOfTheOtherMode() {
    ParameterSet model = BigModel.model(DType.F32);
    MezoConfig virtual = virtualConfig(Optimizers.sgd(0.01), Estimator.twoSided());
    MezoConfig inPlace = MezoConfig.builder().optimizer(Optimizers.sgd(0.01)).build();
    var a =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new MezoStep<>(
                    virtual,
                    BigModel.trainable(model),
                    BigModel.objective(model, Workers.serial()),
                    Workers.serial()));
    assertTrue(a.getMessage().contains("IN_PLACE"), a.getMessage());
    var b =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                MezoStep.virtual(
                    inPlace,
                    BigModel.trainable(model),
                    BigModel.perturbedObjective(model, Workers.serial()),
                    Workers.serial()));
    assertTrue(b.getMessage().contains("VIRTUAL"), b.getMessage());
  }
}
