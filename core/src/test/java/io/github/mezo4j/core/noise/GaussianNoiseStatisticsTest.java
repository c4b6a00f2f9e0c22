package io.github.mezo4j.core.noise;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Statistical checks of z on 2^20 = 1,048,576 samples per case. All inputs are fixed, so each check
 * is deterministic; the bounds are the usual 5-sigma (or 0.1% critical) values for a true N(0, 1)
 * sample of this size, so a pass says the generator is indistinguishable from N(0, 1) at this
 * sample size in these respects.
 */
class GaussianNoiseStatisticsTest {
  private static final int N = 1 << 20;

  private static float[] sample(long seed, long stream, long start) {
    float[] z = new float[N];
    GaussianNoise.fill(seed, stream, start, z, 0, N);
    return z;
  }

  @ParameterizedTest(name = "seed={0} stream={1} start={2}")
  @CsvSource({"0, 0, 0", "1, 7, 0", "-1, -1, 123456789", "2024, 3141592653589793, 1000003"})
  void momentsMatchStandardNormal(long seed, long stream, long start) {
    float[] z = sample(seed, stream, start);
    double mean = 0;
    for (float v : z) {
      mean += v;
    }
    mean /= N;
    double m2 = 0;
    double m3 = 0;
    double m4 = 0;
    for (float v : z) {
      double d = v - mean;
      m2 += d * d;
      m3 += d * d * d;
      m4 += d * d * d * d;
    }
    m2 /= N;
    m3 /= N;
    m4 /= N;
    double skew = m3 / Math.pow(m2, 1.5);
    double kurtosis = m4 / (m2 * m2);
    // Standard errors for N(0,1): mean 1/sqrt(n), variance sqrt(2/n), skewness sqrt(6/n),
    // kurtosis sqrt(24/n).
    check("mean", mean, 0, 5 / Math.sqrt(N));
    check("variance", m2, 1, 5 * Math.sqrt(2.0 / N));
    check("skewness", skew, 0, 5 * Math.sqrt(6.0 / N));
    check("kurtosis", kurtosis, 3, 5 * Math.sqrt(24.0 / N));
  }

  @ParameterizedTest(name = "seed={0} stream={1}")
  @CsvSource({"0, 0", "11, 12", "-5, 99"})
  void kolmogorovSmirnovAgainstNormalCdf(long seed, long stream) {
    double[] x = new double[N];
    float[] z = sample(seed, stream, 0);
    for (int i = 0; i < N; i++) {
      x[i] = z[i];
    }
    Arrays.sort(x);
    double d = 0;
    for (int i = 0; i < N; i++) {
      double cdf = normalCdf(x[i]);
      d = Math.max(d, Math.max(cdf - (double) i / N, (double) (i + 1) / N - cdf));
    }
    // Kolmogorov distribution: P(sqrt(n) D > 1.9495) = 0.001.
    double critical = 1.9495 / Math.sqrt(N);
    System.out.printf(
        "KS seed=%d stream=%d: D=%.6f (critical %.6f at 0.1%%)%n", seed, stream, d, critical);
    assertTrue(d < critical, "KS statistic " + d + " >= " + critical);
  }

  @ParameterizedTest(name = "seed={0} stream={1}")
  @CsvSource({"3, 4", "123, -456"})
  void chiSquaredOnBinsIncludingTails(long seed, long stream) {
    // 32 bins of width 0.25 on [-4, 4] plus the two tails: 34 bins, 33 degrees of freedom.
    float[] z = sample(seed, stream, 0);
    int bins = 34;
    long[] counts = new long[bins];
    for (float v : z) {
      int b = v < -4 ? 0 : v >= 4 ? bins - 1 : 1 + (int) Math.floor((v + 4) / 0.25);
      counts[b]++;
    }
    double chi2 = 0;
    for (int b = 0; b < bins; b++) {
      double lo = b == 0 ? Double.NEGATIVE_INFINITY : -4 + 0.25 * (b - 1);
      double hi = b == bins - 1 ? Double.POSITIVE_INFINITY : -4 + 0.25 * b;
      double expected = N * (normalCdf(hi) - normalCdf(lo));
      chi2 += (counts[b] - expected) * (counts[b] - expected) / expected;
    }
    // chi-squared with 33 degrees of freedom: P(X > 63.87) = 0.001.
    System.out.printf(
        "chi2 seed=%d stream=%d: %.2f (critical 63.87 at 0.1%%)%n", seed, stream, chi2);
    assertTrue(chi2 < 63.87, "chi-squared " + chi2);
  }

  @ParameterizedTest(name = "seed={0}")
  @CsvSource({"0", "77", "-1"})
  void neighbouringSeedsStreamsAndIndicesAreUncorrelated(long seed) {
    long stream = 5;
    float[] z = sample(seed, stream, 0);
    double bound = 5 / Math.sqrt(N);
    check("corr(seed, seed+1)", correlation(z, sample(seed + 1, stream, 0), 0), 0, bound);
    check("corr(stream, stream+1)", correlation(z, sample(seed, stream + 1, 0), 0), 0, bound);
    for (int lag = 1; lag <= 8; lag++) {
      check("corr(i, i+" + lag + ")", correlation(z, z, lag), 0, 5 / Math.sqrt(N - lag));
    }
    // Box-Muller pairs share a radius: their squares must still be uncorrelated.
    float[] squares = new float[N];
    for (int i = 0; i < N; i++) {
      squares[i] = z[i] * z[i];
    }
    check("corr(z_i^2, z_i+1^2)", correlation(squares, squares, 1), 0, 5 / Math.sqrt(N - 1));
  }

  private static double correlation(float[] a, float[] b, int lag) {
    int n = a.length - lag;
    double ma = 0;
    double mb = 0;
    for (int i = 0; i < n; i++) {
      ma += a[i];
      mb += b[i + lag];
    }
    ma /= n;
    mb /= n;
    double sab = 0;
    double saa = 0;
    double sbb = 0;
    for (int i = 0; i < n; i++) {
      double da = a[i] - ma;
      double db = b[i + lag] - mb;
      sab += da * db;
      saa += da * da;
      sbb += db * db;
    }
    return sab / Math.sqrt(saa * sbb);
  }

  private static void check(String what, double value, double expected, double tolerance) {
    assertTrue(
        Math.abs(value - expected) < tolerance,
        what + " = " + value + ", expected " + expected + " +- " + tolerance);
  }

  /**
   * Standard normal CDF by Marsaglia's series (J. Stat. Software 11(4), 2004): Phi(x) = 1/2 +
   * phi(x) (x + x^3/3 + x^5/(3*5) + ...), accurate to ~1e-15 for |x| < 8.
   */
  static double normalCdf(double x) {
    if (x == Double.NEGATIVE_INFINITY) {
      return 0;
    }
    if (x == Double.POSITIVE_INFINITY) {
      return 1;
    }
    if (x < -8) {
      return 0;
    }
    if (x > 8) {
      return 1;
    }
    double sum = x;
    double term = x;
    double x2 = x * x;
    for (int k = 3; sum + term != sum || k < 6; k += 2) {
      term *= x2 / k;
      sum += term;
    }
    return 0.5 + sum * Math.exp(-0.5 * x2 - 0.91893853320467274178);
  }
}
