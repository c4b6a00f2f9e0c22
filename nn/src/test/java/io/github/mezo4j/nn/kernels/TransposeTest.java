package io.github.mezo4j.nn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class TransposeTest {

  @Test
  void tile16TransposesAndTouchesNothingElse() {
    Assumptions.assumeTrue(
        Transpose.SUPPORTED,
        "SKIPPED: 16x16 register transpose needs 512-bit vectors; this CPU prefers "
            + VectorMath.LANES
            + " floats (the scalar packing path is tested by MatMulTest)");
    int srcStride = 37;
    int dstStride = 48;
    float[] src = new float[20 * srcStride];
    for (int i = 0; i < src.length; i++) {
      src[i] = i;
    }
    float[] dst = new float[20 * dstStride];
    java.util.Arrays.fill(dst, -1f);
    Transpose.tile16(src, 3 * srcStride + 5, srcStride, dst, 2 * dstStride + 7, dstStride);
    for (int row = 0; row < 20; row++) {
      for (int col = 0; col < dstStride; col++) {
        int c = row - 2;
        int r = col - 7;
        float expected =
            c >= 0 && c < 16 && r >= 0 && r < 16 ? src[(3 + r) * srcStride + 5 + c] : -1f;
        assertEquals(expected, dst[row * dstStride + col], "dst[" + row + ", " + col + "]");
      }
    }
  }
}
