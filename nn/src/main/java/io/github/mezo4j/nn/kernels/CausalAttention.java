package io.github.mezo4j.nn.kernels;

import io.github.mezo4j.core.parallel.Workers;

/**
 * Causal multi-head attention over a key/value cache, with grouped-query attention (several query
 * heads sharing one key/value head) and a padding mask.
 *
 * <p>Layouts, all row-major: queries {@code q[batch, seq, heads * headDim]} are the tokens at cache
 * slots {@code past .. past + seq - 1}; the cache holds {@code keys} and {@code values} as {@code
 * [batch, capacity, kvHeads * headDim]} with slots {@code 0 .. past + seq - 1} filled; {@code
 * valid[b * capacity + j]} is false for padding slots, which no query attends to. Query head {@code
 * h} reads key/value head {@code h / (heads / kvHeads)}. A query at slot {@code i} attends to the
 * valid slots {@code j <= i}; if there are none (a padding query before any token) its output is
 * zero.
 *
 * <p>One task per (sequence, head); each score and sum has a fixed order, so results are
 * bit-identical for any number of threads.
 */
public final class CausalAttention {
  private CausalAttention() {}

  /** Writes {@code out[batch, seq, heads * headDim]}; see the class comment for the layouts. */
  public static void apply(
      Workers w,
      float[] q,
      int batch,
      int seq,
      int heads,
      int kvHeads,
      int headDim,
      float[] keys,
      float[] values,
      boolean[] valid,
      int capacity,
      int past,
      float scale,
      float[] out) {
    Checks.nonNegative("batch", batch);
    Checks.nonNegative("seq", seq);
    Checks.positive("heads", heads);
    Checks.positive("kvHeads", kvHeads);
    Checks.positive("headDim", headDim);
    Checks.nonNegative("past", past);
    if (heads % kvHeads != 0) {
      throw new IllegalArgumentException(
          "heads (" + heads + ") must be a multiple of kvHeads (" + kvHeads + ")");
    }
    if (past + seq > capacity) {
      throw new IllegalArgumentException(
          "past + seq = " + (past + seq) + " exceeds the cache capacity " + capacity);
    }
    int dim = heads * headDim;
    int kvDim = kvHeads * headDim;
    Checks.length("q", q, (long) batch * seq * dim);
    Checks.length("keys", keys, (long) batch * capacity * kvDim);
    Checks.length("values", values, (long) batch * capacity * kvDim);
    if (valid == null || valid.length < (long) batch * capacity) {
      throw new IllegalArgumentException(
          "valid must hold batch * capacity = " + ((long) batch * capacity) + " flags");
    }
    Checks.length("out", out, (long) batch * seq * dim);
    Checks.distinct("out", out, "q", q);
    int group = heads / kvHeads;
    w.parallelFor(
        batch * heads,
        task -> {
          int b = task / heads;
          int h = task % heads;
          int kvOff = (h / group) * headDim;
          float[] scores = scores(past + seq);
          for (int t = 0; t < seq; t++) {
            int slot = past + t;
            int qOff = (b * seq + t) * dim + h * headDim;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j <= slot; j++) {
              if (!valid[b * capacity + j]) {
                continue;
              }
              int kOff = (b * capacity + j) * kvDim + kvOff;
              float dot = 0f;
              for (int d = 0; d < headDim; d++) {
                dot = Math.fma(q[qOff + d], keys[kOff + d], dot);
              }
              scores[j] = dot * scale;
              max = Math.max(max, scores[j]);
            }
            int oOff = (b * seq + t) * dim + h * headDim;
            for (int d = 0; d < headDim; d++) {
              out[oOff + d] = 0f;
            }
            if (max == Float.NEGATIVE_INFINITY) {
              continue; // nothing valid to attend to
            }
            float sum = 0f;
            for (int j = 0; j <= slot; j++) {
              if (valid[b * capacity + j]) {
                scores[j] = (float) Math.exp(scores[j] - max);
                sum += scores[j];
              }
            }
            float inv = 1f / sum;
            for (int j = 0; j <= slot; j++) {
              if (!valid[b * capacity + j]) {
                continue;
              }
              float p = scores[j] * inv;
              int vOff = (b * capacity + j) * kvDim + kvOff;
              for (int d = 0; d < headDim; d++) {
                out[oOff + d] = Math.fma(p, values[vOff + d], out[oOff + d]);
              }
            }
          }
        });
  }

  private static final ThreadLocal<float[][]> SCORES =
      ThreadLocal.withInitial(() -> new float[1][]);

  /** This thread's score row of at least {@code n} floats (each entry is written before read). */
  private static float[] scores(int n) {
    float[][] kept = SCORES.get();
    if (kept[0] == null || kept[0].length < n) {
      kept[0] = new float[n];
    }
    return kept[0];
  }
}
