package io.github.mezo4j.train.head;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.parallel.Workers;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LinearProbeTest {
  /** Three Gaussian clusters in 6 dimensions, more rows than one reduction chunk. */
  private static final int N = 700;

  private static final int DIM = 6;
  private static final List<String> LABELS = List.of("a", "b", "c");

  private static float[] features(int[] labels, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[N * DIM];
    for (int i = 0; i < N; i++) {
      labels[i] = i % 3;
      for (int j = 0; j < DIM; j++) {
        double centre = j == labels[i] ? 1.0 : 0.0;
        x[i * DIM + j] = (float) (centre + 0.6 * gaussian(r));
      }
    }
    return x;
  }

  private static double gaussian(SplittableRandom r) {
    return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
  }

  @Test
  void fitIsAStationaryPointOfThePenalisedLoss() {
    int[] labels = new int[N];
    float[] x = features(labels, 1);
    double l2 = 1e-2;
    LinearProbe.Fit fit =
        LinearProbe.fit(x, labels, DIM, LABELS, new LinearProbe.Options(l2, 2000), Workers.of(2));
    // the gradient of the objective, computed naively at the fitted (f32) weights
    LinearHead h = fit.head();
    float[] w = h.weight().toFloatArray();
    float[] b = h.bias().toFloatArray();
    double[] gw = new double[3 * DIM];
    double[] gb = new double[3];
    for (int i = 0; i < N; i++) {
      double[] p = new double[3];
      double sum = 0;
      for (int c = 0; c < 3; c++) {
        double z = b[c];
        for (int j = 0; j < DIM; j++) {
          z += (double) w[c * DIM + j] * x[i * DIM + j];
        }
        p[c] = Math.exp(z);
        sum += p[c];
      }
      for (int c = 0; c < 3; c++) {
        double d = p[c] / sum - (labels[i] == c ? 1 : 0);
        for (int j = 0; j < DIM; j++) {
          gw[c * DIM + j] += d * x[i * DIM + j] / N;
        }
        gb[c] += d / N;
      }
    }
    double norm = 0;
    for (int c = 0; c < 3; c++) {
      for (int j = 0; j < DIM; j++) {
        double g = gw[c * DIM + j] + l2 * w[c * DIM + j];
        norm += g * g;
      }
      norm += gb[c] * gb[c];
    }
    assertTrue(Math.sqrt(norm) < 1e-4, "gradient norm " + Math.sqrt(norm));
    assertTrue(fit.trainAccuracy() > 0.8, "accuracy " + fit.trainAccuracy());
  }

  @Test
  void sameHeadForAnyThreadCount() {
    int[] labels = new int[N];
    float[] x = features(labels, 2);
    LinearProbe.Options o = new LinearProbe.Options(1e-3, 50);
    LinearHead one = LinearProbe.fit(x, labels, DIM, LABELS, o, Workers.serial()).head();
    LinearHead three = LinearProbe.fit(x, labels, DIM, LABELS, o, Workers.of(3)).head();
    assertArrayEquals(one.weight().toFloatArray(), three.weight().toFloatArray());
    assertArrayEquals(one.bias().toFloatArray(), three.bias().toFloatArray());
  }

  @Test
  void rejectsBadInput() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                LinearProbe.fit(
                    new float[4],
                    new int[] {0, 5},
                    2,
                    List.of("x", "y"),
                    LinearProbe.Options.defaults(),
                    Workers.serial()));
    assertTrue(e.getMessage().contains("label 5 of example 1"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new LinearProbe.Options(0, 10));
    assertEquals(300, LinearProbe.Options.defaults().iterations());
  }
}
