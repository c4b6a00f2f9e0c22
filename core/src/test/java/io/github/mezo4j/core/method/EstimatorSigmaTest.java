package io.github.mezo4j.core.method;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The normalized estimator's sigma: a population standard deviation, exactly 0 for equal losses.
 */
class EstimatorSigmaTest {
  @Test
  void sigmaOfEqualValuesIsExactlyZero() {
    double x = 0.1 + 0.2;
    assertEquals(0.0, Estimator.standardDeviation(new double[] {x, x, x}), 0.0);
    assertEquals(0.5, Estimator.standardDeviation(new double[] {1, 2}), 1e-15);
    assertEquals(Math.sqrt(2.0 / 3), Estimator.standardDeviation(new double[] {3, 1, 2}), 1e-15);
  }
}
