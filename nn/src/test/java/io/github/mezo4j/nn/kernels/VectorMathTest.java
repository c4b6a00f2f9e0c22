package io.github.mezo4j.nn.kernels;

import static io.github.mezo4j.nn.kernels.TestArrays.assertSameBits;
import static io.github.mezo4j.nn.kernels.TestArrays.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class VectorMathTest {

  @Test
  void expWithinTwoUlps() {
    for (float a = -87f; a <= 88f; a += 1.3e-3f) {
      double ref = Math.exp(a);
      double ulp = Math.ulp((float) ref);
      assertEquals(ref, VectorMath.exp(a), 2 * ulp, "exp(" + a + ")");
    }
    assertEquals(1f, VectorMath.exp(0f));
    assertEquals(0f, VectorMath.exp(Float.NEGATIVE_INFINITY));
    assertEquals(0f, VectorMath.exp(-1000f));
    assertTrue(Float.isNaN(VectorMath.exp(Float.NaN)));
  }

  @Test
  void expVectorAndScalarGiveTheSameBits() {
    SplittableRandom random = new SplittableRandom(9);
    float[] a = uniform(random, 32 * VectorMath.LANES, -100, 88);
    a[0] = Float.NEGATIVE_INFINITY;
    a[1] = Float.NaN;
    a[2] = 0f;
    a[3] = -88f;
    float[] vector = new float[a.length];
    float[] scalar = new float[a.length];
    for (int i = 0; i < a.length; i += VectorMath.LANES) {
      VectorMath.exp(FloatVector.fromArray(VectorMath.SPECIES, a, i)).intoArray(vector, i);
    }
    for (int i = 0; i < a.length; i++) {
      scalar[i] = VectorMath.exp(a[i]);
    }
    assertSameBits(scalar, vector, "exp");
  }

  @Test
  void laneReductions() {
    SplittableRandom random = new SplittableRandom(10);
    float[] a = uniform(random, VectorMath.LANES);
    FloatVector v = FloatVector.fromArray(VectorMath.SPECIES, a, 0);
    double sum = 0;
    float max = Float.NEGATIVE_INFINITY;
    for (float f : a) {
      sum += f;
      max = Math.max(max, f);
    }
    assertEquals(sum, VectorMath.sumLanes(v), 1e-6);
    assertEquals(max, VectorMath.maxLanes(v));
    // exactly representable integers: any summation order is exact, so the tree must be complete
    float[] ints = new float[VectorMath.LANES];
    for (int i = 0; i < ints.length; i++) {
      ints[i] = 1 << i;
    }
    assertEquals(
        (float) ((1L << VectorMath.LANES) - 1),
        VectorMath.sumLanes(FloatVector.fromArray(VectorMath.SPECIES, ints, 0)));
  }
}
