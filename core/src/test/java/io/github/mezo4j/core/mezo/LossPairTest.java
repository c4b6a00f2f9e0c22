package io.github.mezo4j.core.mezo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.method.Estimator;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.optim.Optimizers;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.ParameterSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link PerturbedObjective#lossPair}: how MezoStep asks for both losses of a two-sided sample. */
class LossPairTest {

  /**
   * Counts calls; its lossPair is its own (two loss calls in the reverse order, as a model might).
   */
  private static final class Paired implements PerturbedObjective<Integer> {
    final PerturbedObjective<Integer> inner;
    final List<Float> pairScales = new ArrayList<>();
    int singleCalls;

    Paired(PerturbedObjective<Integer> inner) {
      this.inner = inner;
    }

    @Override
    public double loss(Integer batch, VirtualPerturbation p) {
      singleCalls++;
      return inner.loss(batch, p);
    }

    @Override
    public double[] lossPair(Integer batch, VirtualPerturbation plus) {
      pairScales.add(plus.scale());
      VirtualPerturbation minus =
          new VirtualPerturbation(plus.perturbed(), plus.seed(), -plus.scale());
      double lm = inner.loss(batch, minus);
      return new double[] {inner.loss(batch, plus), lm};
    }
  }

  private static StepResult step(
      Estimator estimator, PerturbedObjective<Integer> objective, ParameterSet model) {
    return MezoStep.virtual(
            VirtualModeTest.virtualConfig(Optimizers.sgd(0.02), estimator),
            BigModel.trainable(model),
            objective,
            Workers.serial())
        .run(0, Arrays.copyOf(new long[] {11, 12, 13}, estimator.samples()), 3);
  }

  @Test
  void defaultLossPairIsTwoLossCallsPlusThenMinus() {
    ParameterSet model = BigModel.model(DType.F32);
    PerturbedObjective<Integer> f = BigModel.perturbedObjective(model, Workers.serial());
    List<Float> scales = new ArrayList<>();
    PerturbedObjective<Integer> recording =
        (batch, p) -> {
          scales.add(p.scale());
          return f.loss(batch, p);
        };
    VirtualPerturbation plus = new VirtualPerturbation(BigModel.trainable(model), 5, 1e-3f);
    double[] pair = recording.lossPair(2, plus);
    assertEquals(List.of(1e-3f, -1e-3f), scales);
    assertEquals(f.loss(2, plus), pair[0], 0.0);
    assertEquals(
        f.loss(2, new VirtualPerturbation(BigModel.trainable(model), 5, -1e-3f)), pair[1], 0.0);
    assertTrue(pair[0] != pair[1], "the two signs give different losses");
  }

  @Test
  void everyTwoSidedSampleGoesThroughLossPairWithTheSameResults() {
    ParameterSet plainModel = BigModel.model(DType.F32);
    ParameterSet pairedModel = BigModel.model(DType.F32);
    StepResult expected =
        step(
            Estimator.nSpsa(3),
            BigModel.perturbedObjective(plainModel, Workers.serial()),
            plainModel);
    Paired paired = new Paired(BigModel.perturbedObjective(pairedModel, Workers.serial()));
    StepResult got = step(Estimator.nSpsa(3), paired, pairedModel);
    assertEquals(0, paired.singleCalls, "no single loss call for two-sided samples");
    assertEquals(List.of(1e-3f, 1e-3f, 1e-3f), paired.pairScales, "one +eps pair per sample");
    assertArrayEquals(expected.lossPlus(), got.lossPlus());
    assertArrayEquals(expected.lossMinus(), got.lossMinus());
    assertArrayEquals(expected.grads(), got.grads());
    assertTrue(plainModel.contentEquals(pairedModel), "same weights after the step");
  }

  @ParameterizedTest
  @ValueSource(strings = {"oneSided(1)", "normalized(3)"})
  void oneSidedSamplesUseSingleLosses(String spec) {
    ParameterSet model = BigModel.model(DType.F32);
    Paired paired = new Paired(BigModel.perturbedObjective(model, Workers.serial()));
    Estimator est = Estimator.parse(spec);
    assertTrue(step(est, paired, model).applied());
    assertTrue(paired.pairScales.isEmpty(), "one-sided: no pair");
    assertEquals(est.samples() + 1, paired.singleCalls, "L0 and one L+ per sample");
  }

  @Test
  void aMalformedPairIsAClearErrorAndLeavesTheWeights() {
    ParameterSet model = BigModel.model(DType.F32);
    ParameterSet before = model.copy();
    PerturbedObjective<Integer> f = BigModel.perturbedObjective(model, Workers.serial());
    PerturbedObjective<Integer> broken =
        new PerturbedObjective<>() {
          @Override
          public double loss(Integer batch, VirtualPerturbation p) {
            return f.loss(batch, p);
          }

          @Override
          public double[] lossPair(Integer batch, VirtualPerturbation plus) {
            return new double[] {loss(batch, plus)};
          }
        };
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> step(Estimator.twoSided(), broken, model));
    assertTrue(e.getMessage().contains("{L+, L-}"), e.getMessage());
    assertTrue(model.contentEquals(before), "weights untouched");
  }
}
