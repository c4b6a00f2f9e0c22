package io.github.mezo4j.nn.kernels;

import static io.github.mezo4j.nn.kernels.TestArrays.assertSameBits;
import static io.github.mezo4j.nn.kernels.TestArrays.uniform;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.mezo4j.core.parallel.Workers;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AttentionTest {

  /** Naive attention in double, straight from the definition. */
  static double[] reference(
      float[] q, float[] k, float[] v, int batch, int seq, int heads, int dim, int[] mask) {
    int hidden = heads * dim;
    double[] out = new double[batch * seq * hidden];
    double scale = 1 / Math.sqrt(dim);
    for (int b = 0; b < batch; b++) {
      for (int h = 0; h < heads; h++) {
        for (int i = 0; i < seq; i++) {
          double[] s = new double[seq];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < seq; j++) {
            if (mask[b * seq + j] == 0) {
              continue;
            }
            double dot = 0;
            for (int d = 0; d < dim; d++) {
              dot +=
                  (double) q[(b * seq + i) * hidden + h * dim + d]
                      * k[(b * seq + j) * hidden + h * dim + d];
            }
            s[j] = dot * scale;
            max = Math.max(max, s[j]);
          }
          double sum = 0;
          for (int j = 0; j < seq; j++) {
            s[j] = mask[b * seq + j] == 0 ? 0 : Math.exp(s[j] - max);
            sum += s[j];
          }
          for (int d = 0; d < dim; d++) {
            double acc = 0;
            for (int j = 0; j < seq; j++) {
              if (mask[b * seq + j] == 1) {
                acc += s[j] / sum * v[(b * seq + j) * hidden + h * dim + d];
              }
            }
            out[(b * seq + i) * hidden + h * dim + d] = sum == 0 ? 0 : acc;
          }
        }
      }
    }
    return out;
  }

  /** Sequence b has lengths[b] real tokens, then padding. */
  static int[] mask(int seq, int... lengths) {
    int[] mask = new int[lengths.length * seq];
    for (int b = 0; b < lengths.length; b++) {
      Arrays.fill(mask, b * seq, b * seq + lengths[b], 1);
    }
    return mask;
  }

  @Test
  void matchesReferenceWithPaddingAndRaggedHeads() {
    SplittableRandom random = new SplittableRandom(15);
    int[][] shapes = {{1, 1, 1, 1}, {2, 5, 3, 7}, {3, 19, 2, 16}, {2, 33, 4, 32}, {1, 70, 2, 37}};
    for (int[] shape : shapes) {
      int batch = shape[0];
      int seq = shape[1];
      int heads = shape[2];
      int dim = shape[3];
      int size = batch * seq * heads * dim;
      // scaled so that softmax is far from uniform
      float[] q = uniform(random, size, -2, 2);
      float[] k = uniform(random, size, -2, 2);
      float[] v = uniform(random, size);
      int[] lengths = new int[batch];
      for (int b = 0; b < batch; b++) {
        lengths[b] = b == 0 ? seq : 1 + random.nextInt(seq);
      }
      int[] mask = mask(seq, lengths);
      float[] out = new float[size];
      Attention.apply(Workers.serial(), q, k, v, batch, seq, heads, dim, mask, out);
      double[] expected = reference(q, k, v, batch, seq, heads, dim, mask);
      TestArrays.assertClose(
          expected, out, 3e-6 * Math.sqrt(dim), 1e-5, "shape " + Arrays.toString(shape));
    }
  }

  /**
   * The kernel's shapes: query blocks of 4, 2 and 1 vectors (seq 128, 32, 16, 100 = 64 + 32 + 4),
   * key counts that are not a multiple of 4, head dims 32, 64 and ones that are not multiples of 4
   * or 8, batch 1, and masks that are not one run of real tokens (left padding, holes), so keys and
   * values are gathered.
   */
  @Test
  void matchesReferenceOnBlockShapesAndScatteredMasks() {
    SplittableRandom random = new SplittableRandom(19);
    // batch, seq, heads, dim
    int[][] shapes = {
      {1, 128, 2, 32}, {2, 32, 3, 64}, {1, 16, 1, 80}, {2, 100, 2, 32}, {1, 9, 2, 3}, {3, 47, 1, 18}
    };
    for (int[] shape : shapes) {
      int batch = shape[0];
      int seq = shape[1];
      int heads = shape[2];
      int dim = shape[3];
      int size = batch * seq * heads * dim;
      float[] q = uniform(random, size, -2, 2);
      float[] k = uniform(random, size, -2, 2);
      float[] v = uniform(random, size);
      for (int pattern = 0; pattern < 3; pattern++) {
        int[] mask = new int[batch * seq];
        for (int b = 0; b < batch; b++) {
          for (int j = 0; j < seq; j++) {
            mask[b * seq + j] =
                switch (pattern) {
                  case 0 -> 1; // no padding
                  case 1 -> j >= seq / 3 ? 1 : 0; // left padding: one run, not at 0
                  default -> random.nextInt(4) == 0 ? 0 : 1; // holes
                };
          }
        }
        float[] out = new float[size];
        Attention.apply(Workers.serial(), q, k, v, batch, seq, heads, dim, mask, out);
        double[] expected = reference(q, k, v, batch, seq, heads, dim, mask);
        TestArrays.assertClose(
            expected,
            out,
            3e-6 * Math.sqrt(dim),
            1e-5,
            "shape " + Arrays.toString(shape) + ", mask pattern " + pattern);
      }
    }
  }

  /** Scores of +-50 and more: most weights underflow to exactly 0, the rest must stay accurate. */
  @Test
  void matchesReferenceWithPeakedSoftmax() {
    SplittableRandom random = new SplittableRandom(20);
    int batch = 2;
    int seq = 70;
    int heads = 2;
    int dim = 32;
    int size = batch * seq * heads * dim;
    float[] q = uniform(random, size, -6, 6);
    float[] k = uniform(random, size, -6, 6);
    float[] v = uniform(random, size);
    int[] mask = mask(seq, 70, 45);
    float[] out = new float[size];
    Attention.apply(Workers.serial(), q, k, v, batch, seq, heads, dim, mask, out);
    TestArrays.assertClose(
        reference(q, k, v, batch, seq, heads, dim, mask), out, 2e-5, 1e-5, "peaked softmax");
  }

  /**
   * A token's output does not depend on where its query falls in the kernel's blocks and vector
   * lanes: the same sequence, shifted right by left padding (by amounts that are not multiples of
   * the vector length), gives the same bits for its real tokens.
   */
  @Test
  void sameBitsWhateverTheQueryPosition() {
    SplittableRandom random = new SplittableRandom(21);
    int len = 70;
    int heads = 2;
    int dim = 32;
    int hidden = heads * dim;
    float[] q = uniform(random, len * hidden, -2, 2);
    float[] k = uniform(random, len * hidden, -2, 2);
    float[] v = uniform(random, len * hidden);
    float[] alone = new float[q.length];
    Attention.apply(Workers.serial(), q, k, v, 1, len, heads, dim, mask(len, len), alone);
    for (int shift : new int[] {1, 5, 17, 58}) {
      int seq = len + shift;
      float[] qs = new float[seq * hidden];
      float[] ks = uniform(random, seq * hidden); // padding rows: anything
      float[] vs = uniform(random, seq * hidden);
      System.arraycopy(q, 0, qs, shift * hidden, q.length);
      System.arraycopy(k, 0, ks, shift * hidden, k.length);
      System.arraycopy(v, 0, vs, shift * hidden, v.length);
      int[] mask = new int[seq];
      Arrays.fill(mask, shift, seq, 1);
      float[] out = new float[qs.length];
      Attention.apply(Workers.serial(), qs, ks, vs, 1, seq, heads, dim, mask, out);
      assertSameBits(
          alone,
          Arrays.copyOfRange(out, shift * hidden, seq * hidden),
          "sequence shifted by " + shift);
    }
  }

  @Test
  void paddedPositionsHaveNoInfluence() {
    SplittableRandom random = new SplittableRandom(16);
    int batch = 3;
    int seq = 21;
    int heads = 2;
    int dim = 24;
    int hidden = heads * dim;
    int size = batch * seq * hidden;
    float[] q = uniform(random, size);
    float[] k = uniform(random, size);
    float[] v = uniform(random, size);
    int[] mask = mask(seq, 21, 4, 17);
    float[] out = new float[size];
    Attention.apply(Workers.serial(), q, k, v, batch, seq, heads, dim, mask, out);

    float[] k2 = k.clone();
    float[] v2 = v.clone();
    for (int t = 0; t < batch * seq; t++) {
      if (mask[t] == 0) {
        Arrays.fill(k2, t * hidden, (t + 1) * hidden, Float.NaN);
        Arrays.fill(v2, t * hidden, (t + 1) * hidden, 1e30f);
      }
    }
    float[] out2 = new float[size];
    Attention.apply(Workers.serial(), q, k2, v2, batch, seq, heads, dim, mask, out2);
    assertSameBits(out, out2, "outputs after changing padded keys and values");

    // each sequence alone, cut to its real length, gives the same bits for its tokens
    int[] lengths = {21, 4, 17};
    for (int b = 0; b < batch; b++) {
      int len = lengths[b];
      int from = b * seq * hidden;
      int to = from + len * hidden;
      float[] alone = new float[len * hidden];
      Attention.apply(
          Workers.serial(),
          Arrays.copyOfRange(q, from, to),
          Arrays.copyOfRange(k, from, to),
          Arrays.copyOfRange(v, from, to),
          1,
          len,
          heads,
          dim,
          mask(len, len),
          alone);
      assertSameBits(alone, Arrays.copyOfRange(out, from, to), "sequence " + b + " alone");
    }
  }

  @Test
  void sequenceWithoutTokensGetsZerosAndOutMayBeQ() {
    SplittableRandom random = new SplittableRandom(17);
    int seq = 6;
    int hidden = 2 * 8;
    float[] q = uniform(random, 2 * seq * hidden);
    float[] k = uniform(random, q.length);
    float[] v = uniform(random, q.length);
    int[] mask = mask(seq, 0, 3);
    float[] out = new float[q.length];
    Attention.apply(Workers.serial(), q, k, v, 2, seq, 2, 8, mask, out);
    assertSameBits(new float[seq * hidden], Arrays.copyOf(out, seq * hidden), "no tokens");
    float[] inPlace = q.clone();
    Attention.apply(Workers.serial(), inPlace, k, v, 2, seq, 2, 8, mask, inPlace);
    assertSameBits(out, inPlace, "out == q");
  }

  /** Several query blocks per head (seq 150 > 64): a block's output must not overwrite later q. */
  @Test
  void outMayBeQWithSeveralQueryBlocks() {
    SplittableRandom random = new SplittableRandom(22);
    int batch = 2;
    int seq = 150;
    int heads = 3;
    int dim = 32;
    int size = batch * seq * heads * dim;
    float[] q = uniform(random, size);
    float[] k = uniform(random, size);
    float[] v = uniform(random, size);
    int[] mask = mask(seq, 150, 77);
    float[] out = new float[size];
    Attention.apply(Workers.serial(), q, k, v, batch, seq, heads, dim, mask, out);
    float[] inPlace = q.clone();
    try (Workers w = Workers.of(2)) {
      Attention.apply(w, inPlace, k, v, batch, seq, heads, dim, mask, inPlace);
    }
    assertSameBits(out, inPlace, "out == q");
  }

  @Test
  void sameBitsForAnyThreadCount() {
    SplittableRandom random = new SplittableRandom(18);
    int batch = 4;
    int seq = 37;
    int heads = 3;
    int dim = 32;
    int size = batch * seq * heads * dim;
    float[] q = uniform(random, size);
    float[] k = uniform(random, size);
    float[] v = uniform(random, size);
    int[] mask = mask(seq, 37, 12, 30, 1);
    float[] serial = new float[size];
    Attention.apply(Workers.of(1), q, k, v, batch, seq, heads, dim, mask, serial);
    for (int threads : new int[] {2, 8}) {
      float[] out = new float[size];
      try (Workers w = Workers.of(threads)) {
        Attention.apply(w, q, k, v, batch, seq, heads, dim, mask, out);
      }
      assertSameBits(serial, out, threads + " threads vs 1");
    }
  }

  @Test
  void rejectsBadArguments() {
    Workers s = Workers.serial();
    float[] a = new float[2 * 3 * 4];
    int[] mask = {1, 1, 1, 1, 0, 0};
    MatMulTest.assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () -> Attention.apply(s, new float[5], a, a.clone(), 2, 3, 2, 2, mask, new float[24])),
        "q",
        "24");
    MatMulTest.assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Attention.apply(
                    s, a, a, a, 2, 3, 2, 2, new int[] {1, 1, 2, 1, 1, 1}, new float[24])),
        "attentionMask[2]",
        "2");
    MatMulTest.assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () -> Attention.apply(s, a, a, a, 2, 3, 2, 2, new int[5], new float[24])),
        "attentionMask",
        "6");
    MatMulTest.assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () -> Attention.apply(s, a, a, a, 2, 3, 2, 0, mask, new float[24])),
        "headDim",
        "0");
    float[] kk = a.clone();
    MatMulTest.assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () -> Attention.apply(s, a, kk, a.clone(), 2, 3, 2, 2, mask, kk)),
        "out",
        "k");
  }
}
