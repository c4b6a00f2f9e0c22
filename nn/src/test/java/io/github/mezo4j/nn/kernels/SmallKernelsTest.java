package io.github.mezo4j.nn.kernels;

import static io.github.mezo4j.nn.kernels.TestArrays.assertClose;
import static io.github.mezo4j.nn.kernels.TestArrays.assertSameBits;
import static io.github.mezo4j.nn.kernels.TestArrays.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Embedding, pooling and element-wise kernels against plain loops. */
class SmallKernelsTest {

  @Test
  void gatherAndAddGather() {
    SplittableRandom random = new SplittableRandom(19);
    for (int dim : new int[] {1, 7, 33, 389}) {
      int vocab = 11;
      float[] table = uniform(random, vocab * dim);
      int[] ids = {3, 0, 10, 3, 7};
      float[] out = new float[ids.length * dim + 2];
      out[out.length - 1] = 42f;
      Embedding.gather(table, vocab, dim, ids, out);
      float[] base = uniform(random, ids.length * dim);
      float[] sum = base.clone();
      Embedding.addGather(table, vocab, dim, ids, sum);
      for (int i = 0; i < ids.length; i++) {
        for (int c = 0; c < dim; c++) {
          assertEquals(table[ids[i] * dim + c], out[i * dim + c], "gather");
          assertEquals(base[i * dim + c] + table[ids[i] * dim + c], sum[i * dim + c], "addGather");
        }
      }
      assertEquals(42f, out[out.length - 1], "beyond the rows");
    }
  }

  @Test
  void gatherThroughAViewReadsTheRowsAsTheViewDoes() {
    SplittableRandom random = new SplittableRandom(23);
    int vocab = 11;
    int dim = 37;
    float[] values = uniform(random, vocab * dim);
    short[] bits = new short[values.length];
    for (int i = 0; i < bits.length; i++) {
      bits[i] = io.github.mezo4j.core.param.BFloat16.fromFloat(values[i]);
    }
    int[] ids = {3, 0, 10, 3, 7};
    for (Weights view :
        new Weights[] {
          Weights.f32(values, vocab, dim),
          Weights.bf16(bits, vocab, dim).withNoise(5, 9, 0.25f),
          Weights.f32(values, vocab, dim).withNoise(5, 9, -0.25f)
        }) {
      float[] out = new float[ids.length * dim];
      Embedding.gather(view, ids, false, out, new float[dim]);
      float[] base = uniform(random, ids.length * dim);
      float[] sum = base.clone();
      Embedding.gather(view, ids, true, sum, new float[dim]);
      for (int i = 0; i < ids.length; i++) {
        for (int c = 0; c < dim; c++) {
          assertEquals(view.get(ids[i], c), out[i * dim + c], view + " gather");
          assertEquals(base[i * dim + c] + view.get(ids[i], c), sum[i * dim + c], view + " add");
        }
      }
    }
    MatMulTest.assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Embedding.gather(
                    Weights.bf16(bits, vocab, dim),
                    new int[] {11},
                    false,
                    new float[dim],
                    new float[dim])),
        "ids[0] = 11");
  }

  @Test
  void badIdIsNamedAndNothingIsWritten() {
    float[] table = new float[4 * 2];
    float[] out = {5, 5, 5, 5};
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Embedding.gather(table, 4, 2, new int[] {1, 4}, out));
    MatMulTest.assertMessage(e, "ids[1] = 4", "[0, 4)");
    assertSameBits(new float[] {5, 5, 5, 5}, out, "out after a bad id");
    MatMulTest.assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () -> Embedding.addGather(table, 4, 2, new int[] {-1}, out)),
        "ids[0] = -1");
    MatMulTest.assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () -> Embedding.gather(table, 4, 2, new int[] {1, 2, 3}, out)),
        "out",
        "6");
    MatMulTest.assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () -> Embedding.gather(table, 5, 2, new int[] {1}, out)),
        "table",
        "10");
  }

  @Test
  void meanMaskedAndCls() {
    SplittableRandom random = new SplittableRandom(20);
    int batch = 3;
    int seq = 9;
    for (int dim : new int[] {1, 7, 33, 389}) {
      float[] hidden = uniform(random, batch * seq * dim);
      int[] mask = AttentionTest.mask(seq, 9, 2, 0);
      float[] mean = new float[batch * dim];
      Arrays.fill(mean, 7f);
      Pooling.meanMasked(hidden, batch, seq, dim, mask, mean);
      double[] expected = new double[batch * dim];
      for (int b = 0; b < batch; b++) {
        int count = 0;
        for (int s = 0; s < seq; s++) {
          if (mask[b * seq + s] == 1) {
            count++;
            for (int c = 0; c < dim; c++) {
              expected[b * dim + c] += hidden[(b * seq + s) * dim + c];
            }
          }
        }
        for (int c = 0; c < dim && count > 0; c++) {
          expected[b * dim + c] /= count;
        }
      }
      assertClose(expected, mean, 1e-6, 1e-6, "mean dim=" + dim);
      float[] cls = new float[batch * dim];
      Pooling.cls(hidden, batch, seq, dim, cls);
      for (int b = 0; b < batch; b++) {
        for (int c = 0; c < dim; c++) {
          assertEquals(hidden[b * seq * dim + c], cls[b * dim + c], "cls");
        }
      }
    }
    MatMulTest.assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () -> Pooling.meanMasked(new float[4], 1, 2, 2, new int[] {1, 3}, new float[2])),
        "mask[1] = 3");
    MatMulTest.assertMessage(
        assertThrows(
            IllegalArgumentException.class, () -> Pooling.cls(new float[4], 1, 2, 2, new float[1])),
        "out",
        "2");
  }

  @Test
  void l2NormalizeRows() {
    SplittableRandom random = new SplittableRandom(21);
    for (int dim : new int[] {1, 7, 33, 389}) {
      float[] x = uniform(random, 3 * dim, -5, 5);
      Arrays.fill(x, dim, 2 * dim, 0f);
      float[] y = x.clone();
      Pooling.l2NormalizeRows(y, 3, dim);
      double[] expected = new double[3 * dim];
      for (int r = 0; r < 3; r++) {
        double norm = 0;
        for (int c = 0; c < dim; c++) {
          norm += (double) x[r * dim + c] * x[r * dim + c];
        }
        norm = Math.sqrt(norm);
        for (int c = 0; c < dim; c++) {
          expected[r * dim + c] = norm == 0 ? 0 : x[r * dim + c] / norm;
        }
      }
      assertClose(expected, y, 1e-7, 1e-6, "l2 dim=" + dim);
    }
  }

  @Test
  void addInPlace() {
    SplittableRandom random = new SplittableRandom(22);
    for (int len : new int[] {0, 1, 7, 33, 389}) {
      float[] a = uniform(random, len + 3);
      float[] b = uniform(random, len);
      float[] sum = a.clone();
      Elementwise.addInPlace(sum, b, len);
      for (int i = 0; i < len; i++) {
        assertEquals(a[i] + b[i], sum[i], "a + b at " + i);
      }
      for (int i = len; i < len + 3; i++) {
        assertEquals(a[i], sum[i], "beyond len");
      }
    }
    MatMulTest.assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () -> Elementwise.addInPlace(new float[4], new float[3], 4)),
        "b",
        "4");
  }
}
