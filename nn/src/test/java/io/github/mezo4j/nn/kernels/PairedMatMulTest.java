package io.github.mezo4j.nn.kernels;

import static io.github.mezo4j.nn.kernels.TestArrays.assertSameBits;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.BFloat16;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Paired reads and matrix multiplies against two single ones: each half of {@link Weights#readPair}
 * and {@link MatMul#linearPair} must carry the bits of the single call with scale {@code +s} or
 * {@code -s}.
 */
class PairedMatMulTest {
  private static final long SEED = 77;
  private static final long STREAM = 4242;
  private static final float SCALE = 3e-2f;

  private static short[] bf16(float[] values) {
    short[] bits = new short[values.length];
    for (int i = 0; i < bits.length; i++) {
      bits[i] = BFloat16.fromFloat(values[i]);
    }
    return bits;
  }

  @Test
  void readPairEqualsReadsWithPlusAndMinusScale() {
    SplittableRandom r = new SplittableRandom(1);
    int rows = 5;
    int cols = 37; // not a multiple of the vector width nor of 4 (one Philox block)
    float[] w = TestArrays.uniform(r, rows * cols);
    for (Weights base :
        new Weights[] {Weights.f32(w, rows, cols), Weights.bf16(bf16(w), rows, cols)}) {
      Weights plus = base.withNoise(SEED, STREAM, SCALE);
      Weights minus = base.withNoise(SEED, STREAM, -SCALE);
      for (int from : new int[] {0, 3, 13}) {
        int len = cols - from - 2;
        float[] p = new float[len + 1];
        float[] m = new float[len + 2];
        float[] ep = new float[len];
        float[] em = new float[len];
        plus.readPair(2, from, p, 1, m, 2, len);
        plus.read(2, from, ep, 0, len);
        minus.read(2, from, em, 0, len);
        String what = base.dtype() + " from " + from;
        assertSameBits(ep, Arrays.copyOfRange(p, 1, len + 1), what + " plus");
        assertSameBits(em, Arrays.copyOfRange(m, 2, len + 2), what + " minus");
        assertFalse(Arrays.equals(ep, em), what + ": the noise changed nothing");
      }
      // without noise both halves are the stored values
      float[] p = new float[cols];
      float[] m = new float[cols];
      float[] e = new float[cols];
      base.readRowPair(4, p, 0, m, 0);
      base.readRow(4, e, 0);
      assertSameBits(e, p, base.dtype() + " plain plus");
      assertSameBits(e, m, base.dtype() + " plain minus");
    }
  }

  @Test
  void eachHalfOfAPairedMultiplyIsBitIdenticalToTheSingleOne() {
    SplittableRandom r = new SplittableRandom(2);
    // m = 7: one row block, tail rows; m = 530: three row blocks (packed once per call)
    int[][] shapes = {{7, 19, 45}, {530, 33, 70}, {1, 8, 3}};
    for (int[] s : shapes) {
      int m = s[0];
      int k = s[1];
      int n = s[2];
      float[] xp = TestArrays.uniform(r, m * k);
      float[] xm = TestArrays.uniform(r, m * k);
      float[] bp = TestArrays.uniform(r, n);
      float[] bm = TestArrays.uniform(r, n);
      float[] rp = TestArrays.uniform(r, m * n);
      float[] rm = TestArrays.uniform(r, m * n);
      float[] w = TestArrays.uniform(r, n * k);
      Weights[] bases = {Weights.f32(w, n, k), Weights.bf16(bf16(w), n, k)};
      for (Weights base : bases) {
        for (float scale : new float[] {SCALE, 0f}) {
          Weights plus = base.withNoise(SEED, STREAM, scale);
          Weights minus = base.withNoise(SEED, STREAM, -scale);
          for (int threads : new int[] {1, 2, 8}) {
            try (Workers wk = Workers.of(threads)) {
              String what =
                  "[%d,%d,%d] %s scale %s, %d threads"
                      .formatted(m, k, n, base.dtype(), scale, threads);
              for (int epilogue = 0; epilogue < 3; epilogue++) {
                float[] ep = new float[m * n];
                float[] em = new float[m * n];
                float[] gp = new float[m * n];
                float[] gm = new float[m * n];
                switch (epilogue) {
                  case 0 -> {
                    MatMul.linear(wk, xp, m, k, plus, bp, n, ep);
                    MatMul.linear(wk, xm, m, k, minus, bm, n, em);
                    MatMul.linearPair(wk, xp, xm, m, k, plus, bp, bm, n, gp, gm);
                  }
                  case 1 -> {
                    MatMul.linearGelu(wk, xp, m, k, plus, null, n, ep);
                    MatMul.linearGelu(wk, xm, m, k, minus, bm, n, em);
                    MatMul.linearGeluPair(wk, xp, xm, m, k, plus, null, bm, n, gp, gm);
                  }
                  default -> {
                    ep = rp.clone();
                    em = rm.clone();
                    gp = rp.clone();
                    gm = rm.clone();
                    MatMul.linearResidual(wk, xp, m, k, plus, bp, n, ep, ep);
                    MatMul.linearResidual(wk, xm, m, k, minus, bm, n, em, em);
                    MatMul.linearResidualPair(wk, xp, xm, m, k, plus, bp, bm, n, gp, gm, gp, gm);
                  }
                }
                assertSameBits(ep, gp, what + " epilogue " + epilogue + " plus");
                assertSameBits(em, gm, what + " epilogue " + epilogue + " minus");
              }
            }
          }
        }
      }
    }
  }

  @Test
  void readPairRejectsOverlappingRanges() {
    Weights w = Weights.f32(new float[12], 2, 6).withNoise(SEED, STREAM, SCALE);
    float[] buf = new float[12];
    assertThrows(IllegalArgumentException.class, () -> w.readPair(0, 0, buf, 0, buf, 3, 6));
    w.readPair(0, 0, buf, 0, buf, 6, 6); // adjacent halves of one buffer are fine
  }

  @Test
  void rejectsSharedOutputs() {
    float[] x = new float[6];
    float[] out = new float[4];
    Weights w = Weights.f32(new float[6], 2, 3);
    assertThrows(
        IllegalArgumentException.class,
        () -> MatMul.linearPair(Workers.serial(), x, x.clone(), 2, 3, w, null, null, 2, out, out));
  }
}
