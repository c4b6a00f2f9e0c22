package io.github.mezo4j.train.metrics;

/**
 * Non-negative doubles summed exactly, as 64.63-bit fixed point held in two longs (the whole part
 * and the fraction in units of 2^-63): integer addition is associative, so a sum split into shards
 * and added back in any order has the same bits as the sum in one piece. That is what lets a
 * distributed run exchange one sum per worker and still equal a single process bit for bit. Every
 * double from 2^-11 to 2^62 enters exactly; smaller ones are rounded down to a multiple of 2^-63
 * (below 1e-19, far under the precision of an f32 score). NaN and values of 2^62 or more are kept
 * as sticky markers: a sum with a NaN is NaN, else one with an infinite term is infinite.
 *
 * <p>A counted sum is {@code {count, whole, fraction}}: the sufficient statistic of a mean.
 */
public final class ExactSum {
  /** The whole part of a sum that met a NaN (or a negative term, which has no exact form here). */
  static final long NAN = Long.MIN_VALUE;

  /** The whole part of a sum that met +inf or a term of 2^62 or more, or overflowed. */
  static final long INFINITE = Long.MAX_VALUE;

  private static final double LIMIT = 0x1p62;

  private ExactSum() {}

  /** Adds {@code v} (at least 0) to the sum {@code (sum[at], sum[at + 1])}. */
  public static void add(long[] sum, int at, double v) {
    if (!(v >= 0)) {
      add(sum, at, NAN, 0);
    } else if (v >= LIMIT) {
      add(sum, at, INFINITE, 0);
    } else {
      long whole = (long) v; // v < 2^62: exact floor, and v - whole is exact too
      add(sum, at, whole, (long) Math.scalb(v - whole, 63));
    }
  }

  /** Adds the sum {@code (whole, fraction)} to the sum {@code (sum[at], sum[at + 1])}. */
  static void add(long[] sum, int at, long whole, long fraction) {
    long w = sum[at];
    if (w == NAN || whole == NAN) {
      sum[at] = NAN;
      sum[at + 1] = 0;
      return;
    }
    if (w == INFINITE || whole == INFINITE) {
      sum[at] = INFINITE;
      sum[at + 1] = 0;
      return;
    }
    long f = sum[at + 1] + fraction; // both below 2^63: the carry is the sign bit
    long carry = f >>> 63;
    long total = w + whole + carry; // each whole part is below 2^62: no overflow
    sum[at] = total >= (long) LIMIT ? INFINITE : total;
    sum[at + 1] = sum[at] == INFINITE ? 0 : f & Long.MAX_VALUE;
  }

  /**
   * The counted sum of two disjoint parts.
   *
   * @throws IllegalArgumentException if either is not a counted sum (three numbers)
   */
  public static long[] addCounted(long[] a, long[] b) {
    if (a.length != 3 || b.length != 3) {
      throw new IllegalArgumentException(
          "counted sums are {count, whole, fraction}, got %d and %d numbers"
              .formatted(a.length, b.length));
    }
    long[] out = a.clone();
    out[0] = Math.addExact(a[0], b[0]);
    add(out, 1, b[1], b[2]);
    return out;
  }

  /** The total of a counted sum. */
  public static double total(long[] counted) {
    return value(counted[1], counted[2]);
  }

  /** The mean of a counted sum: its total over its count. */
  public static double mean(long[] counted) {
    return total(counted) / counted[0];
  }

  /** The sum {@code (whole, fraction)} as a double: a function of the exact sum alone. */
  static double value(long whole, long fraction) {
    if (whole == NAN) {
      return Double.NaN;
    }
    if (whole == INFINITE) {
      return Double.POSITIVE_INFINITY;
    }
    return (double) whole + Math.scalb((double) fraction, -63);
  }
}
