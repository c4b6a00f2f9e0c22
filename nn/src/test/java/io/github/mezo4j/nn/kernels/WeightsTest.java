package io.github.mezo4j.nn.kernels;

import static io.github.mezo4j.nn.kernels.TestArrays.assertSameBits;
import static io.github.mezo4j.nn.kernels.TestArrays.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.noise.Perturbation;
import io.github.mezo4j.core.noise.VirtualPerturbation;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.BFloat16;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class WeightsTest {

  @Test
  void noisyReadsAreTheBitsOfAnInPlacePerturbation() {
    SplittableRandom random = new SplittableRandom(1);
    int rows = 7;
    int cols = 45; // rows start off Philox block boundaries, so heads and tails are exercised
    float[] w = uniform(random, rows * cols);
    float[] stored = w.clone();
    Weights view = Weights.f32(w, rows, cols).withNoise(99, 1234, 1e-2f);
    float[] inPlace = w.clone();
    Perturbation.addScaledNoise(inPlace, 0, inPlace.length, 99, 1234, 1e-2f);
    float[] all = new float[rows * cols];
    view.readAll(all);
    assertSameBits(inPlace, all, "readAll");
    float[] part = new float[10];
    view.read(3, 17, part, 2, 8);
    for (int i = 0; i < 8; i++) {
      assertEquals(inPlace[3 * cols + 17 + i], part[2 + i], "read(3, 17 + " + i + ")");
    }
    assertEquals(inPlace[5 * cols + 44], view.get(5, 44));
    assertSameBits(stored, w, "storage untouched");
  }

  @Test
  void bf16IsWidenedExactlyAndPerturbedInF32() {
    SplittableRandom random = new SplittableRandom(2);
    int rows = 5;
    int cols = 33;
    float[] values = uniform(random, rows * cols);
    Parameter p = Parameter.of("w", DType.BF16, new int[] {rows, cols}, values);
    float[] widened = p.toFloatArray();
    float[] plain = new float[rows * cols];
    Weights.of(p).readAll(plain);
    assertSameBits(widened, plain, "bf16 widened");
    for (int i = 0; i < widened.length; i++) {
      assertEquals(BFloat16.toFloat(p.bf16Data()[i]), plain[i]);
    }
    // noise is added in f32 to the widened value, not rounded back to bf16
    float[] expected = widened.clone();
    Perturbation.addScaledNoise(expected, 0, expected.length, 5, p.id(), -3e-3f);
    float[] noisy = new float[rows * cols];
    VirtualPerturbation vp = new VirtualPerturbation(ParameterSet.of(p), 5, -3e-3f);
    Weights.of(p, vp).readAll(noisy);
    assertSameBits(expected, noisy, "bf16 + noise");
  }

  @Test
  void runsOfRowsReadAsEachRowDoes() {
    // readRows / readRowsPair (one call per packed panel) against readRow / readRowPair per row,
    // f32 and bf16, with and without noise; cols = 45 puts rows off Philox block boundaries.
    SplittableRandom random = new SplittableRandom(7);
    int rows = 11;
    int cols = 45;
    float[] values = uniform(random, rows * cols);
    Parameter bf = Parameter.of("w", DType.BF16, new int[] {rows, cols}, values);
    Weights[] views = {
      Weights.f32(values, rows, cols),
      Weights.f32(values, rows, cols).withNoise(3, 17, 2e-2f),
      Weights.of(bf),
      Weights.of(bf).withNoise(3, 17, -2e-2f)
    };
    for (Weights view : views) {
      for (int r0 = 0; r0 < rows; r0 += 3) {
        int count = Math.min(5, rows - r0);
        float[] each = new float[count * cols];
        float[] eachMinus = new float[count * cols];
        for (int r = 0; r < count; r++) {
          view.readRowPair(r0 + r, each, r * cols, eachMinus, r * cols);
        }
        float[] run = new float[count * cols + 4];
        view.readRows(r0, count, run, 4);
        float[] plus = new float[count * cols];
        float[] minus = new float[count * cols + 1];
        view.readRowsPair(r0, count, plus, 0, minus, 1);
        for (int i = 0; i < count * cols; i++) {
          String at = view + " rows " + r0 + "+" + count + " element " + i;
          assertEquals(Float.floatToRawIntBits(each[i]), Float.floatToRawIntBits(run[4 + i]), at);
          assertEquals(Float.floatToRawIntBits(each[i]), Float.floatToRawIntBits(plus[i]), at);
          assertEquals(
              Float.floatToRawIntBits(eachMinus[i]), Float.floatToRawIntBits(minus[1 + i]), at);
        }
      }
    }
    assertThrows(IndexOutOfBoundsException.class, () -> views[1].readRows(8, 4, new float[200], 0));
    float[] shared = new float[200];
    assertThrows(
        IllegalArgumentException.class, () -> views[1].readRowsPair(0, 2, shared, 0, shared, 10));
  }

  @Test
  void perturbationAppliesOnlyToTheParametersItCovers() {
    Parameter a = Parameter.f32("a", new int[] {4}, new float[] {1, 2, 3, 4});
    Parameter b = Parameter.f32("b", new int[] {4}, new float[] {1, 2, 3, 4});
    Parameter sameNameOtherStorage = Parameter.f32("a", new int[] {4}, new float[] {1, 2, 3, 4});
    VirtualPerturbation vp = new VirtualPerturbation(ParameterSet.of(a), 7, 0.5f);
    assertTrue(Weights.of(a, vp).isNoisy());
    assertFalse(Weights.of(b, vp).isNoisy());
    assertFalse(Weights.of(sameNameOtherStorage, vp).isNoisy());
    assertFalse(Weights.of(a, VirtualPerturbation.none()).isNoisy());
    assertEquals(1, Weights.of(a).rows());
    assertEquals(4, Weights.of(a).cols());
  }

  @Test
  void rejectsBadShapesAndRanks() {
    var e1 = assertThrows(IllegalArgumentException.class, () -> Weights.f32(new float[5], 2, 3));
    assertTrue(e1.getMessage().contains("6") && e1.getMessage().contains("5"), e1.getMessage());
    Parameter cube = Parameter.zeros("cube", DType.F32, 2, 2, 2);
    var e2 = assertThrows(IllegalArgumentException.class, () -> Weights.of(cube));
    assertTrue(e2.getMessage().contains("cube") && e2.getMessage().contains("3"));
    var e3 =
        assertThrows(
            IllegalArgumentException.class,
            () -> Weights.f32(new float[4], 2, 2).withNoise(1, 2, Float.NaN));
    assertTrue(e3.getMessage().contains("NaN"), e3.getMessage());
  }

  /** The documented semantics of MatMul: one fma chain per output, + bias. */
  static float[] fmaChain(float[] x, int m, int k, float[] w, float[] bias, int n) {
    float[] out = new float[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        float acc = 0f;
        for (int p = 0; p < k; p++) {
          acc = Math.fma(x[i * k + p], w[j * k + p], acc);
        }
        out[i * n + j] = acc + (bias == null ? 0f : bias[j]);
      }
    }
    return out;
  }

  @Test
  void matMulOverNoisyAndBf16ViewsEqualsTheNaiveLoopOnTheValuesRead() {
    SplittableRandom random = new SplittableRandom(3);
    // one row block (panel packed per task) and several (whole matrix packed once), odd sizes
    int[][] shapes = {{5, 37, 53}, {MatMul.ROWS_PER_TASK + 3, 70, MatMul.NR + 7}};
    for (int[] s : shapes) {
      int m = s[0];
      int k = s[1];
      int n = s[2];
      float[] x = uniform(random, m * k);
      float[] bias = uniform(random, n);
      for (DType dtype : DType.values()) {
        Parameter p = Parameter.of("layer.weight", dtype, new int[] {n, k}, uniform(random, n * k));
        Parameter stored = p.copy();
        float[] perturbed = p.toFloatArray();
        Perturbation.addScaledNoise(perturbed, 0, perturbed.length, 11, p.id(), 0.25f);
        float[] expected = fmaChain(x, m, k, perturbed, bias, n);
        VirtualPerturbation vp = new VirtualPerturbation(ParameterSet.of(p), 11, 0.25f);
        for (int threads : new int[] {1, 2, 8}) {
          float[] out = new float[m * n];
          try (Workers w = Workers.of(threads)) {
            MatMul.linear(w, x, m, k, Weights.of(p, vp), bias, n, out);
          }
          assertSameBits(expected, out, dtype + " m=" + m + " threads=" + threads);
        }
        assertTrue(p.contentEquals(stored), "weights unchanged");
      }
    }
  }

  @Test
  void geluAndResidualEpiloguesEqualTheUnfusedSteps() {
    SplittableRandom random = new SplittableRandom(4);
    int[][] shapes = {{9, 31, 50}, {MatMul.ROWS_PER_TASK + 9, 20, 2 * MatMul.NR + 1}};
    for (int[] s : shapes) {
      int m = s[0];
      int k = s[1];
      int n = s[2];
      float[] x = uniform(random, m * k, -3, 3);
      float[] w = uniform(random, n * k);
      float[] bias = uniform(random, n);
      float[] plain = fmaChain(x, m, k, w, bias, n);
      Weights view = Weights.f32(w, n, k);

      float[] gelu = new float[m * n];
      MatMul.linearGelu(Workers.serial(), x, m, k, view, bias, n, gelu);
      float[] expectedGelu = new float[m * n];
      for (int i = 0; i < plain.length; i++) {
        expectedGelu[i] = Activations.gelu(plain[i]);
      }
      assertSameBits(expectedGelu, gelu, "gelu m=" + m);

      float[] residual = uniform(random, m * n);
      float[] expectedSum = new float[m * n];
      for (int i = 0; i < plain.length; i++) {
        expectedSum[i] = plain[i] + residual[i];
      }
      float[] sum = new float[m * n];
      MatMul.linearResidual(Workers.serial(), x, m, k, view, bias, n, residual, sum);
      assertSameBits(expectedSum, sum, "residual m=" + m);
      try (Workers two = Workers.of(2)) {
        // in place over the residual, as the encoder uses it
        MatMul.linearResidual(two, x, m, k, view, bias, n, residual, residual);
      }
      assertArrayEquals(expectedSum, residual, "residual in place m=" + m);
    }
  }
}
