package io.github.mezo4j.nn.kernels;

import static io.github.mezo4j.nn.kernels.TestArrays.assertSameBits;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.BFloat16;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link MatMul#linearMany} and {@link MatMul#linearManyPair} (several layers of one input as one
 * parallel loop, panels packed by whichever task reaches them first) against one {@link
 * MatMul#linear} / {@link MatMul#linearPair} call per layer: the same bits, for any thread count.
 */
class LinearManyTest {
  private static final long SEED = 91;
  private static final float SCALE = 2e-2f;

  /**
   * Layers of widths 70 (not whole panels), 1, 64 and 0, stored f32, bf16, f32 and f32, the first
   * two read with noise and the third plain: every way a layer of a mixed call can differ.
   */
  private static Weights[] weights(SplittableRandom r, int k) {
    int[] widths = {70, 1, 64, 0};
    Weights[] ws = new Weights[widths.length];
    for (int i = 0; i < widths.length; i++) {
      int n = widths[i];
      float[] w = TestArrays.uniform(r, n * k);
      if (i == 1) {
        short[] bits = new short[w.length];
        for (int j = 0; j < w.length; j++) {
          bits[j] = BFloat16.fromFloat(w[j]);
        }
        ws[i] = Weights.bf16(bits, n, k).withNoise(SEED, 100 + i, SCALE);
      } else {
        ws[i] = Weights.f32(w, n, k);
        if (i == 0) {
          ws[i] = ws[i].withNoise(SEED, 100 + i, SCALE);
        }
      }
    }
    return ws;
  }

  /** The {@code -} half's view of a {@code +} view: plain stays plain. */
  private static Weights minus(Weights plus, int i) {
    return plus.isNoisy() ? plus.withNoise(SEED, 100 + i, -SCALE) : plus;
  }

  @Test
  void linearManyEqualsOneLinearPerLayer() {
    SplittableRandom r = new SplittableRandom(3);
    // m = 7: one row block (each task packs its panel); m = 530: three row blocks (panels
    // packed once, by whichever task reaches them first)
    for (int m : new int[] {7, 530}) {
      int k = 21;
      float[] x = TestArrays.uniform(r, m * k);
      Weights[] ws = weights(r, k);
      float[][] biases = new float[ws.length][];
      float[][] expected = new float[ws.length][];
      for (int i = 0; i < ws.length; i++) {
        biases[i] = i == 2 ? null : TestArrays.uniform(r, ws[i].rows());
        expected[i] = new float[m * ws[i].rows()];
        MatMul.linear(Workers.serial(), x, m, k, ws[i], biases[i], ws[i].rows(), expected[i]);
      }
      for (int threads : new int[] {1, 2, 8}) {
        try (Workers w = Workers.of(threads)) {
          for (int repeat = 0; repeat < 3; repeat++) {
            float[][] outs = new float[ws.length][];
            for (int i = 0; i < ws.length; i++) {
              outs[i] = new float[m * ws[i].rows()];
            }
            MatMul.linearMany(w, x, m, k, ws, biases, outs);
            for (int i = 0; i < ws.length; i++) {
              assertSameBits(
                  expected[i], outs[i], "m=%d layer %d, %d threads".formatted(m, i, threads));
            }
          }
        }
      }
    }
  }

  @Test
  void linearManyPairEqualsOneLinearPairPerLayer() {
    SplittableRandom r = new SplittableRandom(4);
    for (int m : new int[] {5, 300}) {
      int k = 19;
      float[] xp = TestArrays.uniform(r, m * k);
      float[] xm = TestArrays.uniform(r, m * k);
      Weights[] ws = weights(r, k);
      int count = ws.length;
      float[][] bp = new float[count][];
      float[][] bm = new float[count][];
      float[][] ep = new float[count][];
      float[][] em = new float[count][];
      for (int i = 0; i < count; i++) {
        int n = ws[i].rows();
        bp[i] = TestArrays.uniform(r, n);
        bm[i] = i == 3 ? null : TestArrays.uniform(r, n);
        ep[i] = new float[m * n];
        em[i] = new float[m * n];
        // the single calls each half stands for
        MatMul.linear(Workers.serial(), xp, m, k, ws[i], bp[i], n, ep[i]);
        MatMul.linear(Workers.serial(), xm, m, k, minus(ws[i], i), bm[i], n, em[i]);
      }
      assertTrue(ep[0].length > 0 && !java.util.Arrays.equals(ep[0], em[0]));
      for (int threads : new int[] {1, 2, 8}) {
        try (Workers w = Workers.of(threads)) {
          float[][] gp = new float[count][];
          float[][] gm = new float[count][];
          for (int i = 0; i < count; i++) {
            gp[i] = new float[m * ws[i].rows()];
            gm[i] = new float[m * ws[i].rows()];
          }
          MatMul.linearManyPair(w, xp, xm, m, k, ws, bp, bm, gp, gm);
          for (int i = 0; i < count; i++) {
            String what = "m=%d layer %d, %d threads".formatted(m, i, threads);
            assertSameBits(ep[i], gp[i], what + " plus");
            assertSameBits(em[i], gm[i], what + " minus");
          }
        }
      }
    }
  }

  @Test
  void rejectsSharedOrMisshapenOutputsNamingThem() {
    int m = 3;
    int k = 4;
    float[] x = new float[m * k];
    Weights a = Weights.f32(new float[2 * k], 2, k);
    Weights b = Weights.f32(new float[5 * k], 5, k);
    float[] outA = new float[m * 2];
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                MatMul.linearMany(
                    Workers.serial(),
                    x,
                    m,
                    k,
                    new Weights[] {a, a},
                    new float[2][],
                    new float[][] {outA, outA}));
    assertTrue(e.getMessage().contains("same output"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                MatMul.linearMany(
                    Workers.serial(),
                    x,
                    m,
                    k,
                    new Weights[] {a, b},
                    new float[2][],
                    new float[][] {outA, new float[m * 4]}));
    assertTrue(e.getMessage().contains("out"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                MatMul.linearMany(
                    Workers.serial(),
                    x,
                    m,
                    k,
                    new Weights[] {a, b},
                    new float[1][],
                    new float[2][]));
    assertTrue(e.getMessage().contains("2 weights"), e.getMessage());
    float[] outB = new float[m * 5];
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                MatMul.linearManyPair(
                    Workers.serial(),
                    x,
                    x.clone(),
                    m,
                    k,
                    new Weights[] {a, b},
                    new float[2][],
                    new float[2][],
                    new float[][] {outA, outB},
                    new float[][] {new float[m * 2], outB}));
    assertTrue(e.getMessage().contains("same output"), e.getMessage());
  }

  @Test
  void linearManyPairRejectsOneOutputsArrayForBothHalves() {
    // the same float[][] for both halves makes each layer's + and - outputs one array: the halves
    // would overwrite each other, as linearPair rejects for outPlus == outMinus
    int m = 3;
    int k = 4;
    float[] x = new float[m * k];
    Weights a = Weights.f32(new float[2 * k], 2, k);
    float[][] outs = {new float[m * 2]};
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                MatMul.linearManyPair(
                    Workers.serial(),
                    x,
                    x.clone(),
                    m,
                    k,
                    new Weights[] {a},
                    new float[1][],
                    new float[1][],
                    outs,
                    outs));
    assertTrue(e.getMessage().contains("same output"), e.getMessage());
  }

  @Test
  void linearManyRejectsAnOutputThatIsAnotherLayersWeights() {
    // layer 0 writing into layer 1's weight storage would race with the packing of layer 1's
    // panels in the same loop: the result would depend on the thread timing
    int m = 2;
    int k = 4;
    float[] x = new float[m * k];
    float[] storage1 = new float[2 * k];
    Weights a = Weights.f32(new float[2 * k], 2, k);
    Weights b = Weights.f32(storage1, 2, k);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                MatMul.linearMany(
                    Workers.serial(),
                    x,
                    m,
                    k,
                    new Weights[] {a, b},
                    new float[2][],
                    new float[][] {storage1, new float[m * 2]}));
    assertTrue(e.getMessage().contains("weight"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                MatMul.linearManyPair(
                    Workers.serial(),
                    x,
                    x.clone(),
                    m,
                    k,
                    new Weights[] {a, b},
                    new float[2][],
                    new float[2][],
                    new float[][] {new float[m * 2], new float[m * 2]},
                    new float[][] {storage1, new float[m * 2]}));
    assertTrue(e.getMessage().contains("weight"), e.getMessage());
  }

  @Test
  void nullArraysAreNamedErrors() {
    float[] x = new float[8];
    Weights[] weights = {Weights.f32(new float[8], 2, 4)};
    float[][] outs = {new float[4]};
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> MatMul.linearMany(Workers.serial(), x, 2, 4, weights, null, outs));
    assertTrue(e.getMessage().startsWith("biases must not be null"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> MatMul.linearMany(Workers.serial(), x, 2, 4, weights, new float[1][], null));
    assertTrue(e.getMessage().startsWith("outputs must not be null"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> MatMul.linearMany(Workers.serial(), x, 2, 4, null, new float[1][], outs));
    assertTrue(e.getMessage().startsWith("weights must not be null"), e.getMessage());
  }
}
