package io.github.mezo4j.core.mezo;

import io.github.mezo4j.core.noise.Directions;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.core.param.Selector;

/**
 * A model whose weight spans several update chunks, with a bias, a norm weight and a frozen
 * parameter, and a quadratic objective that depends on every element and reduces in fixed blocks.
 */
final class BigModel {
  private BigModel() {}

  static final int W = 20_000;
  static final int REDUCE_BLOCK = 1024;

  static ParameterSet model(DType dtype) {
    return ParameterSet.of(
        Problems.big("encoder.weight", W, 1, dtype),
        Problems.big("encoder.bias", 300, 2, dtype),
        Problems.big("norm.weight", 64, 3, dtype),
        Problems.big("frozen.embedding", 500, 4, dtype));
  }

  /** Everything but the frozen embedding. */
  static ParameterSet trainable(ParameterSet model) {
    return model.select(Selector.all().exclude(Selector.glob("frozen.*")));
  }

  /**
   * {@code sum_i a_i (theta_i - c_i)^2 / 2} with a_i, c_i fixed per element, plus a coupling to the
   * frozen parameter; the batch (an integer) shifts the targets so batches differ.
   */
  static Objective<Integer> objective(ParameterSet model, Workers workers) {
    return (params, batch) -> {
      double sum = 0;
      for (Parameter p : model) {
        sum += blockSum(p, batch, workers);
      }
      return sum;
    };
  }

  /**
   * The same function as {@link #objective} at {@code theta + perturbation}, generated while
   * reading each element ({@code fma(scale, z, theta)}, the {@link PerturbedObjective} contract,
   * with z and its mask as the perturbation's directions define them, element by element); {@code
   * model} is never written.
   */
  static PerturbedObjective<Integer> perturbedObjective(ParameterSet model, Workers workers) {
    return (batch, perturbation) -> {
      double sum = 0;
      for (Parameter p : model) {
        sum += blockSum(p, batch, workers, perturbation);
      }
      return sum;
    };
  }

  private static double blockSum(Parameter p, int batch, Workers workers) {
    return blockSum(p, batch, workers, VirtualPerturbation.none());
  }

  private static double blockSum(
      Parameter p, int batch, Workers workers, VirtualPerturbation perturbation) {
    int n = p.size();
    int blocks = (n + REDUCE_BLOCK - 1) / REDUCE_BLOCK;
    double[] partial = new double[blocks];
    long salt = p.id();
    boolean noisy = perturbation.covers(p);
    float threshold = perturbation.threshold(p);
    workers.parallelFor(
        blocks,
        b -> {
          int from = b * REDUCE_BLOCK;
          int to = Math.min(n, (b + 1) * REDUCE_BLOCK);
          float[] z = new float[to - from];
          if (noisy) {
            perturbation.directions().fill(perturbation.seed(), p.id(), from, z, 0, to - from);
          }
          double s = 0;
          for (int i = from; i < to; i++) {
            double a = 0.5 + ((salt + i) & 7) / 4.0;
            double c = 0.05 * (((salt >>> 3) + 3L * i + batch) % 11 - 5);
            float stored = p.get(i);
            float theta =
                noisy && Directions.inMask(stored, threshold)
                    ? Math.fma(perturbation.scale(), z[i - from], stored)
                    : stored;
            double d = theta - c;
            s += 0.5 * a * d * d;
          }
          partial[b] = s;
        });
    double sum = 0;
    for (double x : partial) {
      sum += x;
    }
    return sum;
  }
}
