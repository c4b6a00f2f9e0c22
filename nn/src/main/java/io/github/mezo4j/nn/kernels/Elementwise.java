package io.github.mezo4j.nn.kernels;

import static io.github.mezo4j.nn.kernels.VectorMath.LANES;
import static io.github.mezo4j.nn.kernels.VectorMath.SPECIES;

import jdk.incubator.vector.FloatVector;

/** Element-wise array arithmetic (residual connections and the like). */
public final class Elementwise {
  private Elementwise() {}

  /** {@code a[i] += b[i]} for i in [0, len). {@code a} and {@code b} may be the same array. */
  public static void addInPlace(float[] a, float[] b, int len) {
    Checks.nonNegative("len", len);
    Checks.length("a", a, len);
    Checks.length("b", b, len);
    int i = 0;
    for (int upper = SPECIES.loopBound(len); i < upper; i += LANES) {
      FloatVector.fromArray(SPECIES, a, i)
          .add(FloatVector.fromArray(SPECIES, b, i))
          .intoArray(a, i);
    }
    for (; i < len; i++) {
      a[i] += b[i];
    }
  }
}
