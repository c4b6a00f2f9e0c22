package io.github.mezo4j.train.head;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.Parameter;
import java.util.Arrays;
import java.util.List;

/**
 * Linear probing: fits a {@link LinearHead} alone on frozen sentence features, by multinomial
 * logistic regression with an L2 penalty on the weights (not the bias).
 *
 * <p>The fit is deterministic: accelerated gradient descent (FISTA's momentum sequence) for a fixed
 * number of iterations from zeros, with step {@code 1/L} where {@code L = 0.5 * lambda_max(X^T X /
 * n) + l2} bounds the curvature of the softmax loss (Böhning's bound), {@code lambda_max} taken by
 * a fixed number of power iterations. Every sum over examples runs in fixed chunks reduced in chunk
 * order, so the head is bit-identical for any number of threads.
 *
 * <pre>{@code
 * LinearProbe.Fit fit = LinearProbe.fit(features, labels, dim, labelNames,
 *     LinearProbe.Options.defaults(), workers);
 * LinearHead head = fit.head();
 * }</pre>
 */
public final class LinearProbe {
  private static final int CHUNK = 256;
  private static final int POWER_ITERATIONS = 30;

  private LinearProbe() {}

  /**
   * Settings of the fit.
   *
   * @param l2 the L2 penalty {@code (l2 / 2) ||W||^2} added to the mean cross-entropy
   * @param iterations gradient steps
   */
  public record Options(double l2, int iterations) {
    /** Rejects a non-positive or infinite l2 and fewer than one iteration. */
    public Options {
      if (!(l2 > 0) || Double.isInfinite(l2) || iterations < 1) {
        throw new IllegalArgumentException(
            "linear probing needs l2 > 0 and iterations >= 1, got %s and %d"
                .formatted(l2, iterations));
      }
    }

    /** l2 1e-3, 300 iterations: converged for unit-norm sentence embeddings. */
    public static Options defaults() {
      return new Options(1e-3, 300);
    }
  }

  /**
   * The fitted head and how well it fits.
   *
   * @param head the head, f32 weights
   * @param loss the penalised objective at the fitted weights (double precision)
   * @param trainAccuracy argmax accuracy on the features it was fitted on
   */
  public record Fit(LinearHead head, double loss, double trainAccuracy) {}

  /**
   * Fits a head to {@code features [n, dim]} (row-major) with gold {@code labels}.
   *
   * @param labelNames one name per class; labels must lie in {@code [0, labelNames.size())}
   */
  public static Fit fit(
      float[] features,
      int[] labels,
      int dim,
      List<String> labelNames,
      Options options,
      Workers workers) {
    int n = labels.length;
    int k = labelNames.size();
    if (n == 0 || dim < 1 || features.length != (long) n * dim) {
      throw new IllegalArgumentException(
          "features hold %d floats; expected n*dim = %d*%d with n >= 1"
              .formatted(features.length, n, dim));
    }
    for (int i = 0; i < n; i++) {
      if (labels[i] < 0 || labels[i] >= k) {
        throw new IllegalArgumentException(
            "label %d of example %d is outside [0, %d)".formatted(labels[i], i, k));
      }
    }
    Problem p = new Problem(features, labels, n, dim, k, options.l2(), workers);
    double step = 1.0 / (0.5 * 1.05 * p.largestEigenvalue() + options.l2());
    int size = k * (dim + 1);
    double[] theta = new double[size];
    double[] previous = new double[size];
    double[] y = new double[size];
    double[] grad = new double[size];
    double t = 1;
    for (int it = 0; it < options.iterations(); it++) {
      p.lossAndGradient(y, grad);
      System.arraycopy(theta, 0, previous, 0, size);
      for (int i = 0; i < size; i++) {
        theta[i] = y[i] - step * grad[i];
      }
      double tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
      double momentum = (t - 1) / tNext;
      for (int i = 0; i < size; i++) {
        y[i] = theta[i] + momentum * (theta[i] - previous[i]);
      }
      t = tNext;
    }
    float[] w = new float[k * dim];
    float[] b = new float[k];
    for (int c = 0; c < k; c++) {
      for (int j = 0; j < dim; j++) {
        w[c * dim + j] = (float) theta[c * (dim + 1) + j];
      }
      b[c] = (float) theta[c * (dim + 1) + dim];
    }
    LinearHead head =
        new LinearHead(
            Parameter.f32(LinearHead.WEIGHT, new int[] {k, dim}, w),
            Parameter.f32(LinearHead.BIAS, new int[] {k}, b),
            labelNames);
    double loss = p.lossAndGradient(theta, new double[size]);
    return new Fit(head, loss, p.accuracy(theta));
  }

  /** The penalised mean cross-entropy over chunked examples; theta is [k, dim + 1] (bias last). */
  private record Problem(
      float[] x, int[] labels, int n, int dim, int k, double l2, Workers workers) {
    int chunks() {
      return (n + CHUNK - 1) / CHUNK;
    }

    double lossAndGradient(double[] theta, double[] grad) {
      int stride = dim + 1;
      int size = k * stride;
      double[][] partialGrad = new double[chunks()][];
      double[] partialLoss = new double[chunks()];
      workers.parallelFor(
          chunks(),
          chunk -> {
            double[] g = new double[size];
            double[] logits = new double[k];
            double loss = 0;
            for (int i = chunk * CHUNK; i < Math.min(n, (chunk + 1) * CHUNK); i++) {
              double max = Double.NEGATIVE_INFINITY;
              for (int c = 0; c < k; c++) {
                double z = theta[c * stride + dim];
                for (int j = 0; j < dim; j++) {
                  z += theta[c * stride + j] * x[i * dim + j];
                }
                logits[c] = z;
                max = Math.max(max, z);
              }
              double sum = 0;
              for (int c = 0; c < k; c++) {
                logits[c] = Math.exp(logits[c] - max);
                sum += logits[c];
              }
              loss += Math.log(sum) - Math.log(logits[labels[i]]);
              for (int c = 0; c < k; c++) {
                double r = logits[c] / sum - (c == labels[i] ? 1 : 0);
                for (int j = 0; j < dim; j++) {
                  g[c * stride + j] += r * x[i * dim + j];
                }
                g[c * stride + dim] += r;
              }
            }
            partialGrad[chunk] = g;
            partialLoss[chunk] = loss;
          });
      Arrays.fill(grad, 0);
      double loss = 0;
      for (int chunk = 0; chunk < partialGrad.length; chunk++) {
        loss += partialLoss[chunk];
        for (int i = 0; i < size; i++) {
          grad[i] += partialGrad[chunk][i];
        }
      }
      loss /= n;
      double penalty = 0;
      for (int c = 0; c < k; c++) {
        for (int j = 0; j < dim; j++) {
          double w = theta[c * stride + j];
          grad[c * stride + j] = grad[c * stride + j] / n + l2 * w;
          penalty += w * w;
        }
        grad[c * stride + dim] /= n;
      }
      return loss + 0.5 * l2 * penalty;
    }

    /** lambda_max of (1/n) sum [x,1][x,1]^T by power iteration from the all-ones vector. */
    double largestEigenvalue() {
      int stride = dim + 1;
      double[] v = new double[stride];
      Arrays.fill(v, 1 / Math.sqrt(stride));
      double lambda = 0;
      for (int it = 0; it < POWER_ITERATIONS; it++) {
        double[] vv = v;
        double[][] partial = new double[chunks()][];
        workers.parallelFor(
            chunks(),
            chunk -> {
              double[] acc = new double[stride];
              for (int i = chunk * CHUNK; i < Math.min(n, (chunk + 1) * CHUNK); i++) {
                double dot = vv[dim];
                for (int j = 0; j < dim; j++) {
                  dot += x[i * dim + j] * vv[j];
                }
                for (int j = 0; j < dim; j++) {
                  acc[j] += dot * x[i * dim + j];
                }
                acc[dim] += dot;
              }
              partial[chunk] = acc;
            });
        double[] next = new double[stride];
        for (double[] acc : partial) {
          for (int j = 0; j < stride; j++) {
            next[j] += acc[j] / n;
          }
        }
        double norm = 0;
        for (double d : next) {
          norm += d * d;
        }
        norm = Math.sqrt(norm);
        if (norm == 0) {
          return 0; // all features and the bias input are zero: impossible, but safe
        }
        lambda = norm;
        for (int j = 0; j < stride; j++) {
          v[j] = next[j] / norm;
        }
      }
      return lambda;
    }

    double accuracy(double[] theta) {
      int stride = dim + 1;
      int right = 0;
      for (int i = 0; i < n; i++) {
        int best = 0;
        double bestZ = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
          double z = theta[c * stride + dim];
          for (int j = 0; j < dim; j++) {
            z += theta[c * stride + j] * x[i * dim + j];
          }
          if (z > bestZ) {
            bestZ = z;
            best = c;
          }
        }
        right += best == labels[i] ? 1 : 0;
      }
      return (double) right / n;
    }
  }
}
