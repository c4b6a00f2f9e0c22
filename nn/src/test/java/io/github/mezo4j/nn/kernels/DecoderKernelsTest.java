package io.github.mezo4j.nn.kernels;

import static io.github.mezo4j.nn.kernels.TestArrays.assertClose;
import static io.github.mezo4j.nn.kernels.TestArrays.assertSameBits;
import static io.github.mezo4j.nn.kernels.TestArrays.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.mezo4j.core.parallel.Workers;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The decoder kernels against naive double-precision loops written from their definitions. */
class DecoderKernelsTest {
  private final SplittableRandom random = new SplittableRandom(5);

  @Test
  void rmsNormMatchesDefinition() {
    for (int cols : new int[] {1, 8, 33, 64}) {
      int rows = 19;
      float[] x = uniform(random, rows * cols, -3, 3);
      float[] weight = uniform(random, cols, 0.5, 1.5);
      double[] expected = new double[rows * cols];
      for (int r = 0; r < rows; r++) {
        double ss = 0;
        for (int c = 0; c < cols; c++) {
          ss += (double) x[r * cols + c] * x[r * cols + c];
        }
        double inv = 1 / Math.sqrt(ss / cols + 1e-5);
        for (int c = 0; c < cols; c++) {
          expected[r * cols + c] = x[r * cols + c] * inv * weight[c];
        }
      }
      float[] out = new float[rows * cols];
      RmsNorm.apply(Workers.serial(), x, rows, cols, weight, 1e-5f, out);
      assertClose(expected, out, 1e-6, 1e-5, "rmsnorm cols=" + cols);
      float[] parallel = x.clone();
      try (Workers w = Workers.of(3)) {
        RmsNorm.apply(w, parallel, rows, cols, weight, 1e-5f, parallel); // in place
      }
      assertSameBits(out, parallel, "in place, 3 threads");
    }
    assertThrows(
        IllegalArgumentException.class,
        () ->
            RmsNorm.apply(Workers.serial(), new float[4], 2, 2, new float[1], 1e-5f, new float[4]));
  }

  /** Rotation of pair (a, b) by angle pos * theta^(-2i/d), in double. */
  private static double[] rotateReference(
      float[] x, int rows, int heads, int d, int[] pos, double theta, boolean interleaved) {
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i];
    }
    for (int r = 0; r < rows; r++) {
      for (int h = 0; h < heads; h++) {
        int base = (r * heads + h) * d;
        for (int i = 0; i < d / 2; i++) {
          double angle = pos[r] / Math.pow(theta, 2.0 * i / d);
          int a = interleaved ? base + 2 * i : base + i;
          int b = interleaved ? base + 2 * i + 1 : base + i + d / 2;
          out[a] = x[a] * Math.cos(angle) - x[b] * Math.sin(angle);
          out[b] = x[a] * Math.sin(angle) + x[b] * Math.cos(angle);
        }
      }
    }
    return out;
  }

  @Test
  void rotaryEmbeddingMatchesDefinitionInBothLayouts() {
    int rows = 6;
    int heads = 3;
    int d = 8;
    int[] pos = {0, 1, 2, 7, 100, 511};
    for (RotaryEmbedding.Layout layout : RotaryEmbedding.Layout.values()) {
      float[] x = uniform(random, rows * heads * d);
      double[] expected =
          rotateReference(
              x, rows, heads, d, pos, 10000, layout == RotaryEmbedding.Layout.INTERLEAVED);
      RotaryEmbedding.apply(x, rows, heads, d, pos, 10000, layout);
      assertClose(expected, x, 1e-6, 1e-5, layout.name());
    }
  }

  @Test
  void permutingRowsTurnsInterleavedRopeIntoRotateHalf() {
    // q = W x; permuting W's rows by the map and rotating halves must give the permuted result of
    // rotating interleaved pairs of the original q: the llama2.c -> Hugging Face conversion.
    int heads = 2;
    int d = 8;
    int[] pos = {3};
    float[] q = uniform(random, heads * d);
    int[] source = RotaryEmbedding.interleavedToRotateHalf(heads, d);
    float[] permuted = new float[q.length];
    for (int r = 0; r < q.length; r++) {
      permuted[r] = q[source[r]];
    }
    RotaryEmbedding.apply(q, 1, heads, d, pos, 10000, RotaryEmbedding.Layout.INTERLEAVED);
    RotaryEmbedding.apply(permuted, 1, heads, d, pos, 10000, RotaryEmbedding.Layout.ROTATE_HALF);
    for (int r = 0; r < q.length; r++) {
      assertEquals(q[source[r]], permuted[r], 1e-6, "row " + r);
    }
    // and the map is the one of transformers' permute(): w.view(h, d/2, 2, in).transpose(1, 2)
    assertEquals(0, source[0]);
    assertEquals(2, source[1]);
    assertEquals(1, source[4]);
    assertEquals(8 + 7, source[15]);
  }

  @Test
  void causalAttentionMatchesNaiveWithGroupsPaddingAndCache() {
    int batch = 2;
    int heads = 4;
    int kvHeads = 2;
    int d = 5;
    int capacity = 9;
    int past = 3;
    int seq = 4;
    float[] keys = uniform(random, batch * capacity * kvHeads * d);
    float[] values = uniform(random, batch * capacity * kvHeads * d);
    float[] q = uniform(random, batch * seq * heads * d);
    boolean[] valid = new boolean[batch * capacity];
    for (int j = 0; j < past + seq; j++) {
      valid[j] = true; // row 0: all real
      valid[capacity + j] = j >= 2 && j != 5; // row 1: left padding, and a hole
    }
    float scale = 0.37f;
    float[] out = new float[q.length];
    CausalAttention.apply(
        Workers.serial(),
        q,
        batch,
        seq,
        heads,
        kvHeads,
        d,
        keys,
        values,
        valid,
        capacity,
        past,
        scale,
        out);
    double[] expected = new double[q.length];
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < heads; h++) {
        int kh = h / (heads / kvHeads);
        for (int t = 0; t < seq; t++) {
          int slot = past + t;
          double[] s = new double[slot + 1];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j <= slot; j++) {
            if (!valid[b * capacity + j]) {
              s[j] = Double.NEGATIVE_INFINITY;
              continue;
            }
            double dot = 0;
            for (int k = 0; k < d; k++) {
              dot +=
                  (double) q[((b * seq + t) * heads + h) * d + k]
                      * keys[((b * capacity + j) * kvHeads + kh) * d + k];
            }
            s[j] = dot * scale;
            max = Math.max(max, s[j]);
          }
          double sum = 0;
          for (int j = 0; j <= slot; j++) {
            s[j] = valid[b * capacity + j] ? Math.exp(s[j] - max) : 0;
            sum += s[j];
          }
          for (int k = 0; k < d; k++) {
            double acc = 0;
            for (int j = 0; j <= slot; j++) {
              acc += s[j] / sum * values[((b * capacity + j) * kvHeads + kh) * d + k];
            }
            expected[((b * seq + t) * heads + h) * d + k] = acc;
          }
        }
      }
    }
    assertClose(expected, out, 1e-6, 1e-5, "attention");
    float[] threaded = new float[q.length];
    try (Workers w = Workers.of(3)) {
      CausalAttention.apply(
          w, q, batch, seq, heads, kvHeads, d, keys, values, valid, capacity, past, scale,
          threaded);
    }
    assertSameBits(out, threaded, "3 threads");
  }

  @Test
  void causalAttentionRejectsOverflowingTheCache() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                CausalAttention.apply(
                    Workers.serial(),
                    new float[8],
                    1,
                    2,
                    1,
                    1,
                    4,
                    new float[8],
                    new float[8],
                    new boolean[2],
                    2,
                    1,
                    1f,
                    new float[8]));
    assertEquals("past + seq = 3 exceeds the cache capacity 2", e.getMessage());
  }

  @Test
  void activationsMatchTheirFormulas() {
    float[] x = uniform(random, 1000, -6, 6);
    float[] up = uniform(random, 1000, -2, 2);
    double[] relu = new double[x.length];
    double[] gelu = new double[x.length];
    double[] swiglu = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      double v = x[i];
      relu[i] = Math.max(v, 0);
      gelu[i] = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
      swiglu[i] = v / (1 + Math.exp(-v)) * up[i];
    }
    float[] a = x.clone();
    DecoderActivations.reluInPlace(Workers.serial(), a, a.length);
    assertClose(relu, a, 0, 0, "relu");
    float[] g = x.clone();
    DecoderActivations.geluTanhInPlace(Workers.serial(), g, g.length);
    assertClose(gelu, g, 1e-6, 1e-5, "gelu tanh");
    float[] s = x.clone();
    DecoderActivations.swiGluInPlace(Workers.serial(), s, up, s.length);
    assertClose(swiglu, s, 1e-6, 1e-5, "swiglu");
  }

  @Test
  void logSoftmaxMatchesDefinitionAndSurvivesLargeLogits() {
    float[] x = uniform(random, 300, -50, 50);
    x[7] = 1000f; // exp(1000) overflows without the max shift
    double max = 1000;
    double sum = 0;
    for (float v : x) {
      sum += Math.exp(v - max);
    }
    double lse = max + Math.log(sum);
    float[] row = new float[x.length];
    LogSoftmax.row(x, 0, x.length, row, 0);
    for (int j = 0; j < x.length; j++) {
      assertEquals(x[j] - lse, row[j], 1e-3, "entry " + j);
      assertEquals(x[j] - lse, LogSoftmax.at(x, 0, x.length, j), 1e-3);
    }
    assertEquals(0.0, LogSoftmax.at(x, 0, x.length, 7), 1e-6);
    assertThrows(IllegalArgumentException.class, () -> LogSoftmax.at(x, 0, x.length, 300));
  }
}
