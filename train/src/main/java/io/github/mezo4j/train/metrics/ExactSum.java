package io.github.mezo4j.train.metrics;

/**
 * Doubles summed exactly, as 64.63-bit fixed point held in two longs (the whole part, floored, and
 * the fraction in units of 2^-63): integer addition is associative, so a sum split into shards and
 * added back in any order has the same bits as the sum in one piece. That is what lets a
 * distributed run exchange one sum per worker and still equal a single process bit for bit. Each
 * term is first put on the 2^-63 grid, deterministically: non-negative terms from 2^-11 to 2^62
 * exactly, smaller ones and negative ones rounded by less than 2^-52 of their size. NaN and
 * infinities stick: a sum with a NaN (or with both infinities) is NaN, else one with an infinite
 * term, or past 2^62 in size, is infinite.
 *
 * <p>A counted sum is {@code {count, whole, fraction}}: the sufficient statistic of a mean.
 */
public final class ExactSum {
  static final long NAN = Long.MIN_VALUE;
  static final long INFINITE = Long.MAX_VALUE;
  static final long MINUS_INFINITE = Long.MIN_VALUE + 1;

  private static final double LIMIT = 0x1p62;

  private ExactSum() {}

  /** Adds {@code v} to the sum {@code (sum[at], sum[at + 1])}. */
  public static void add(long[] sum, int at, double v) {
    if (Double.isNaN(v)) {
      add(sum, at, NAN, 0);
    } else if (v >= LIMIT) {
      add(sum, at, INFINITE, 0);
    } else if (v <= -LIMIT) {
      add(sum, at, MINUS_INFINITE, 0);
    } else {
      double floor = Math.floor(v);
      // in [0, 1]; exact for v >= 0, since v - floor(v) then drops only whole bits
      double fraction = v - floor;
      add(sum, at, (long) floor, Math.min(Long.MAX_VALUE, (long) Math.scalb(fraction, 63)));
    }
  }

  /** Adds the sum {@code (whole, fraction)} to the sum {@code (sum[at], sum[at + 1])}. */
  static void add(long[] sum, int at, long whole, long fraction) {
    long w = sum[at];
    long marker = marker(w, whole);
    if (marker != 0) {
      sum[at] = marker;
      sum[at + 1] = 0;
      return;
    }
    long f = sum[at + 1] + fraction; // both below 2^63: the carry is the sign bit
    long total = w + whole + (f >>> 63); // each whole part is below 2^62 in size: no overflow
    sum[at] = total >= (long) LIMIT ? INFINITE : total <= -(long) LIMIT ? MINUS_INFINITE : total;
    sum[at + 1] = marker(sum[at], 0) != 0 ? 0 : f & Long.MAX_VALUE;
  }

  // the sticky result of adding whole parts a and b, or 0 when both are numbers
  private static long marker(long a, long b) {
    boolean plus = a == INFINITE || b == INFINITE;
    boolean minus = a == MINUS_INFINITE || b == MINUS_INFINITE;
    if (a == NAN || b == NAN || (plus && minus)) {
      return NAN;
    }
    return plus ? INFINITE : minus ? MINUS_INFINITE : 0;
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
    long marker = marker(whole, 0);
    if (marker == NAN) {
      return Double.NaN;
    }
    if (marker != 0) {
      return marker == INFINITE ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }
    return (double) whole + Math.scalb((double) fraction, -63);
  }
}
