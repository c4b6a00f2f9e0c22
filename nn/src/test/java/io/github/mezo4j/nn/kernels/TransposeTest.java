package io.github.mezo4j.nn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class TransposeTest {

  @Test
  void tile8TransposesAndTouchesNothingElse() {
    Assumptions.assumeTrue(
        Transpose.SUPPORTED,
        "SKIPPED: 8x8 register transpose needs 256-bit vectors; this CPU prefers "
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
    Transpose.tile8(src, 3 * srcStride + 5, srcStride, dst, 2 * dstStride + 7, dstStride);
    for (int row = 0; row < 20; row++) {
      for (int col = 0; col < dstStride; col++) {
        int c = row - 2;
        int r = col - 7;
        float expected =
            c >= 0 && c < 8 && r >= 0 && r < 8 ? src[(3 + r) * srcStride + 5 + c] : -1f;
        assertEquals(expected, dst[row * dstStride + col], "dst[" + row + ", " + col + "]");
      }
    }
  }
}
