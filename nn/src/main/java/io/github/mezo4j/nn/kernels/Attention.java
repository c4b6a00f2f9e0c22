package io.github.mezo4j.nn.kernels;

import static io.github.mezo4j.nn.kernels.VectorMath.LANES;
import static io.github.mezo4j.nn.kernels.VectorMath.SPECIES;

import io.github.mezo4j.core.parallel.Workers;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Multi-head scaled dot-product attention without a causal mask (BERT-style encoders).
 *
 * <p>One task per (sequence, head). A task first gathers the keys of the real (unpadded) tokens
 * into a transposed tile {@code kT[headDim, keys]}, so each score row is a sum over d of {@code
 * q[d] * kT[d, :]}: plain vector FMAs along the keys, no horizontal reductions, and every score is
 * the same sequential FMA chain over d whatever the tiling. Padded keys are left out entirely, so
 * their values (even NaN) cannot reach real tokens.
 */
public final class Attention {
  private Attention() {}

  /**
   * Multi-head scaled dot-product attention. {@code q}, {@code k}, {@code v} and {@code out} are
   * {@code [batch, seq, heads * headDim]}, head h occupying columns {@code [h * headDim, (h + 1) *
   * headDim)}. {@code attentionMask[batch * seq]}: 1 = real token, 0 = padding; padded keys get no
   * weight, padded queries still get an output (as in Hugging Face BERT). A sequence with no real
   * token gets zeros. Scale = 1 / sqrt(headDim). {@code out} may be {@code q}, but not {@code k} or
   * {@code v}.
   */
  public static void apply(
      Workers w,
      float[] q,
      float[] k,
      float[] v,
      int batch,
      int seq,
      int heads,
      int headDim,
      int[] attentionMask,
      float[] out) {
    Checks.nonNegative("batch", batch);
    Checks.nonNegative("seq", seq);
    Checks.nonNegative("heads", heads);
    Checks.positive("headDim", headDim);
    long hidden = (long) heads * headDim;
    long size = (long) batch * seq * hidden;
    Checks.length("q", q, size);
    Checks.length("k", k, size);
    Checks.length("v", v, size);
    Checks.length("out", out, size);
    Checks.length("attentionMask", attentionMask, (long) batch * seq);
    Checks.mask("attentionMask", attentionMask, batch * seq);
    Checks.distinct("out", out, "k", k);
    Checks.distinct("out", out, "v", v);
    if (size == 0) {
      return;
    }
    float scale = (float) (1.0 / Math.sqrt(headDim));
    w.parallelFor(
        batch * heads,
        t ->
            head(
                q,
                k,
                v,
                t / heads,
                t % heads,
                seq,
                (int) hidden,
                headDim,
                attentionMask,
                scale,
                out));
  }

  private static void head(
      float[] q,
      float[] k,
      float[] v,
      int b,
      int h,
      int seq,
      int hidden,
      int headDim,
      int[] mask,
      float scale,
      float[] out) {
    Scratch scratch = Scratch.get();
    int[] keys = scratch.ints(seq);
    int nk = 0;
    for (int j = 0; j < seq; j++) {
      if (mask[b * seq + j] == 1) {
        keys[nk++] = j;
      }
    }
    int rowBase = b * seq;
    int col = h * headDim;
    if (nk == 0) {
      for (int i = 0; i < seq; i++) {
        int o = (rowBase + i) * hidden + col;
        Arrays.fill(out, o, o + headDim, 0f);
      }
      return;
    }
    // kT[d, jj] = k[key jj, d], rows padded with zeros to a whole number of vectors.
    int stride = (nk + LANES - 1) / LANES * LANES;
    float[] kT = scratch.floatsA(headDim * stride);
    for (int d = 0; d < headDim; d++) {
      Arrays.fill(kT, d * stride + nk, (d + 1) * stride, 0f);
    }
    for (int jj = 0; jj < nk; jj++) {
      int src = (rowBase + keys[jj]) * hidden + col;
      for (int d = 0; d < headDim; d++) {
        kT[d * stride + jj] = k[src + d];
      }
    }
    float[] p = scratch.floatsB(stride);
    for (int i = 0; i < seq; i++) {
      int qOff = (rowBase + i) * hidden + col;
      scores(q, qOff, kT, stride, headDim, scale, p);
      Softmax.row(p, 0, nk);
      weightedValues(p, nk, keys, v, rowBase, hidden, col, headDim, out, qOff);
    }
  }

  /** p[jj] = scale * sum_d q[qOff + d] * kT[d, jj] for jj in [0, stride). */
  private static void scores(
      float[] q, int qOff, float[] kT, int stride, int headDim, float scale, float[] p) {
    int jv = 0;
    for (; jv + 4 * LANES <= stride; jv += 4 * LANES) {
      FloatVector a0 = FloatVector.zero(SPECIES);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      for (int d = 0, row = jv; d < headDim; d++, row += stride) {
        FloatVector qd = FloatVector.broadcast(SPECIES, q[qOff + d]);
        a0 = qd.fma(FloatVector.fromArray(SPECIES, kT, row), a0);
        a1 = qd.fma(FloatVector.fromArray(SPECIES, kT, row + LANES), a1);
        a2 = qd.fma(FloatVector.fromArray(SPECIES, kT, row + 2 * LANES), a2);
        a3 = qd.fma(FloatVector.fromArray(SPECIES, kT, row + 3 * LANES), a3);
      }
      a0.mul(scale).intoArray(p, jv);
      a1.mul(scale).intoArray(p, jv + LANES);
      a2.mul(scale).intoArray(p, jv + 2 * LANES);
      a3.mul(scale).intoArray(p, jv + 3 * LANES);
    }
    for (; jv < stride; jv += LANES) {
      FloatVector a0 = FloatVector.zero(SPECIES);
      for (int d = 0, row = jv; d < headDim; d++, row += stride) {
        a0 =
            FloatVector.broadcast(SPECIES, q[qOff + d])
                .fma(FloatVector.fromArray(SPECIES, kT, row), a0);
      }
      a0.mul(scale).intoArray(p, jv);
    }
  }

  /** out[oOff + d] = sum_jj p[jj] * v[key jj, d], summed in key order. */
  private static void weightedValues(
      float[] p,
      int nk,
      int[] keys,
      float[] v,
      int rowBase,
      int hidden,
      int col,
      int headDim,
      float[] out,
      int oOff) {
    int d = 0;
    for (; d + 2 * LANES <= headDim; d += 2 * LANES) {
      FloatVector a0 = FloatVector.zero(SPECIES);
      FloatVector a1 = a0;
      for (int jj = 0; jj < nk; jj++) {
        int src = (rowBase + keys[jj]) * hidden + col + d;
        FloatVector pj = FloatVector.broadcast(SPECIES, p[jj]);
        a0 = pj.fma(FloatVector.fromArray(SPECIES, v, src), a0);
        a1 = pj.fma(FloatVector.fromArray(SPECIES, v, src + LANES), a1);
      }
      a0.intoArray(out, oOff + d);
      a1.intoArray(out, oOff + d + LANES);
    }
    for (; d + LANES <= headDim; d += LANES) {
      FloatVector a0 = FloatVector.zero(SPECIES);
      for (int jj = 0; jj < nk; jj++) {
        int src = (rowBase + keys[jj]) * hidden + col + d;
        a0 = FloatVector.broadcast(SPECIES, p[jj]).fma(FloatVector.fromArray(SPECIES, v, src), a0);
      }
      a0.intoArray(out, oOff + d);
    }
    for (; d < headDim; d++) {
      float acc = 0f;
      for (int jj = 0; jj < nk; jj++) {
        acc = Math.fma(p[jj], v[(rowBase + keys[jj]) * hidden + col + d], acc);
      }
      out[oOff + d] = acc;
    }
  }
}
