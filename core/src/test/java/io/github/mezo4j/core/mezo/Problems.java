package io.github.mezo4j.core.mezo;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import java.util.SplittableRandom;

/** Small real objectives for the tests, reducing in a fixed order so results are reproducible. */
final class Problems {
  private Problems() {}

  /** Rows per reduction block: partial sums are per block and added in block order. */
  static final int BLOCK = 32;

  /** A linear model {@code x . w + b} over parameters "w" [d] and "b" [1]. */
  static ParameterSet linearModel(int d, long seed, double scale) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] w = new float[d];
    for (int i = 0; i < d; i++) {
      w[i] = (float) (scale * r.nextGaussian());
    }
    return ParameterSet.of(
        Parameter.f32("w", new int[] {d}, w),
        Parameter.f32("b", new int[] {1}, new float[] {(float) (scale * r.nextGaussian())}));
  }

  /** A data set: rows of features, targets (real or 0/1), and the true weights that made them. */
  record Data(float[][] x, float[] y, float[] trueW, float trueB) {
    int rows() {
      return x.length;
    }
  }

  /** Gaussian features, {@code y = x . w* + b*} (no noise). */
  static Data regression(int rows, int d, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] w = gaussian(r, d);
    float b = (float) r.nextGaussian();
    float[][] x = new float[rows][];
    float[] y = new float[rows];
    for (int i = 0; i < rows; i++) {
      x[i] = gaussian(r, d);
      y[i] = dot(x[i], w) + b;
    }
    return new Data(x, y, w, b);
  }

  /** Gaussian features, label 1 with probability sigmoid(margin * (x . w* + b*)). */
  static Data classification(int rows, int d, double margin, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] w = gaussian(r, d);
    float b = (float) (0.5 * r.nextGaussian());
    float[][] x = new float[rows][];
    float[] y = new float[rows];
    for (int i = 0; i < rows; i++) {
      x[i] = gaussian(r, d);
      double p = 1 / (1 + Math.exp(-margin * (dot(x[i], w) + b)));
      y[i] = r.nextDouble() < p ? 1 : 0;
    }
    return new Data(x, y, w, b);
  }

  /** Mean squared error / 2 of the linear model, reduced block by block. */
  static Objective<Data> leastSquares(Workers workers) {
    return (params, data) -> reduce(params, data, workers, (z, y) -> 0.5 * (z - y) * (z - y));
  }

  /** Mean binary cross-entropy of sigmoid(x . w + b). */
  static Objective<Data> logistic(Workers workers) {
    return (params, data) ->
        reduce(
            params,
            data,
            workers,
            (z, y) -> Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z))));
  }

  /** Minus the accuracy of the rule {@code x . w + b > 0}: piecewise constant. */
  static Objective<Data> negativeAccuracy(Workers workers) {
    return (params, data) ->
        reduce(params, data, workers, (z, y) -> ((z > 0 ? 1 : 0) == y) ? -1.0 : 0.0);
  }

  interface RowLoss {
    double of(double prediction, double target);
  }

  static double reduce(ParameterSet params, Data data, Workers workers, RowLoss loss) {
    float[] w = params.get("w").toFloatArray();
    float b = params.get("b").get(0);
    int blocks = (data.rows() + BLOCK - 1) / BLOCK;
    double[] partial = new double[blocks];
    workers.parallelFor(
        blocks,
        k -> {
          double s = 0;
          for (int i = k * BLOCK; i < Math.min(data.rows(), (k + 1) * BLOCK); i++) {
            s += loss.of(dot(data.x()[i], w) + b, data.y()[i]);
          }
          partial[k] = s;
        });
    double sum = 0;
    for (double p : partial) {
      sum += p;
    }
    return sum / data.rows();
  }

  static float dot(float[] a, float[] b) {
    float s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  static float[] gaussian(SplittableRandom r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  /** A large f32 parameter (spanning several update chunks) with Gaussian values. */
  static Parameter big(String name, int n, long seed, DType dtype) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (0.1 * r.nextGaussian());
    }
    return Parameter.of(name, dtype, new int[] {n}, v);
  }
}
