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
    // Four queries at a time share every kT and v load; the rest one by one. Both paths compute
    // each element with the same FMA chain, so the blocking does not change any bit.
    float[] p = scratch.floatsB(QUERIES * stride);
    int i = 0;
    for (; i + QUERIES <= seq; i += QUERIES) {
      int qOff = (rowBase + i) * hidden + col;
      scores4(q, qOff, hidden, kT, stride, headDim, scale, p);
      for (int r = 0; r < QUERIES; r++) {
        Softmax.row(p, r * stride, nk);
      }
      weightedValues4(p, stride, nk, keys, v, rowBase, hidden, col, headDim, out, qOff);
    }
    for (; i < seq; i++) {
      int qOff = (rowBase + i) * hidden + col;
      scores(q, qOff, kT, stride, headDim, scale, p);
      Softmax.row(p, 0, nk);
      weightedValues(p, nk, keys, v, rowBase, hidden, col, headDim, out, qOff);
    }
  }

  /** Queries per block in {@link #scores4} and {@link #weightedValues4}. */
  private static final int QUERIES = 4;

  /**
   * p[r * stride + jj] = scale * sum_d q[qOff + r * qStride + d] * kT[d, jj], r in [0, 4): the
   * scores of four consecutive queries.
   */
  private static void scores4(
      float[] q,
      int qOff,
      int qStride,
      float[] kT,
      int stride,
      int headDim,
      float scale,
      float[] p) {
    int q1 = qOff + qStride;
    int q2 = q1 + qStride;
    int q3 = q2 + qStride;
    int jv = 0;
    for (; jv + 2 * LANES <= stride; jv += 2 * LANES) {
      FloatVector a0 = FloatVector.zero(SPECIES);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      FloatVector b0 = a0;
      FloatVector b1 = a0;
      FloatVector b2 = a0;
      FloatVector b3 = a0;
      for (int d = 0, row = jv; d < headDim; d++, row += stride) {
        FloatVector k0 = FloatVector.fromArray(SPECIES, kT, row);
        FloatVector k1 = FloatVector.fromArray(SPECIES, kT, row + LANES);
        FloatVector qd = FloatVector.broadcast(SPECIES, q[qOff + d]);
        a0 = qd.fma(k0, a0);
        b0 = qd.fma(k1, b0);
        qd = FloatVector.broadcast(SPECIES, q[q1 + d]);
        a1 = qd.fma(k0, a1);
        b1 = qd.fma(k1, b1);
        qd = FloatVector.broadcast(SPECIES, q[q2 + d]);
        a2 = qd.fma(k0, a2);
        b2 = qd.fma(k1, b2);
        qd = FloatVector.broadcast(SPECIES, q[q3 + d]);
        a3 = qd.fma(k0, a3);
        b3 = qd.fma(k1, b3);
      }
      a0.mul(scale).intoArray(p, jv);
      b0.mul(scale).intoArray(p, jv + LANES);
      a1.mul(scale).intoArray(p, stride + jv);
      b1.mul(scale).intoArray(p, stride + jv + LANES);
      a2.mul(scale).intoArray(p, 2 * stride + jv);
      b2.mul(scale).intoArray(p, 2 * stride + jv + LANES);
      a3.mul(scale).intoArray(p, 3 * stride + jv);
      b3.mul(scale).intoArray(p, 3 * stride + jv + LANES);
    }
    for (; jv < stride; jv += LANES) {
      FloatVector a0 = FloatVector.zero(SPECIES);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      for (int d = 0, row = jv; d < headDim; d++, row += stride) {
        FloatVector kd = FloatVector.fromArray(SPECIES, kT, row);
        a0 = FloatVector.broadcast(SPECIES, q[qOff + d]).fma(kd, a0);
        a1 = FloatVector.broadcast(SPECIES, q[q1 + d]).fma(kd, a1);
        a2 = FloatVector.broadcast(SPECIES, q[q2 + d]).fma(kd, a2);
        a3 = FloatVector.broadcast(SPECIES, q[q3 + d]).fma(kd, a3);
      }
      a0.mul(scale).intoArray(p, jv);
      a1.mul(scale).intoArray(p, stride + jv);
      a2.mul(scale).intoArray(p, 2 * stride + jv);
      a3.mul(scale).intoArray(p, 3 * stride + jv);
    }
  }

  /** weightedValues for four consecutive queries, whose weights are rows of p (row stride). */
  private static void weightedValues4(
      float[] p,
      int stride,
      int nk,
      int[] keys,
      float[] v,
      int rowBase,
      int hidden,
      int col,
      int headDim,
      float[] out,
      int oOff) {
    int o1 = oOff + hidden;
    int o2 = o1 + hidden;
    int o3 = o2 + hidden;
    int d = 0;
    for (; d + 2 * LANES <= headDim; d += 2 * LANES) {
      FloatVector a0 = FloatVector.zero(SPECIES);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      FloatVector b0 = a0;
      FloatVector b1 = a0;
      FloatVector b2 = a0;
      FloatVector b3 = a0;
      for (int jj = 0; jj < nk; jj++) {
        int src = (rowBase + keys[jj]) * hidden + col + d;
        FloatVector v0 = FloatVector.fromArray(SPECIES, v, src);
        FloatVector v1 = FloatVector.fromArray(SPECIES, v, src + LANES);
        FloatVector pj = FloatVector.broadcast(SPECIES, p[jj]);
        a0 = pj.fma(v0, a0);
        b0 = pj.fma(v1, b0);
        pj = FloatVector.broadcast(SPECIES, p[stride + jj]);
        a1 = pj.fma(v0, a1);
        b1 = pj.fma(v1, b1);
        pj = FloatVector.broadcast(SPECIES, p[2 * stride + jj]);
        a2 = pj.fma(v0, a2);
        b2 = pj.fma(v1, b2);
        pj = FloatVector.broadcast(SPECIES, p[3 * stride + jj]);
        a3 = pj.fma(v0, a3);
        b3 = pj.fma(v1, b3);
      }
      a0.intoArray(out, oOff + d);
      b0.intoArray(out, oOff + d + LANES);
      a1.intoArray(out, o1 + d);
      b1.intoArray(out, o1 + d + LANES);
      a2.intoArray(out, o2 + d);
      b2.intoArray(out, o2 + d + LANES);
      a3.intoArray(out, o3 + d);
      b3.intoArray(out, o3 + d + LANES);
    }
    for (; d + LANES <= headDim; d += LANES) {
      FloatVector a0 = FloatVector.zero(SPECIES);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      for (int jj = 0; jj < nk; jj++) {
        FloatVector vj = FloatVector.fromArray(SPECIES, v, (rowBase + keys[jj]) * hidden + col + d);
        a0 = FloatVector.broadcast(SPECIES, p[jj]).fma(vj, a0);
        a1 = FloatVector.broadcast(SPECIES, p[stride + jj]).fma(vj, a1);
        a2 = FloatVector.broadcast(SPECIES, p[2 * stride + jj]).fma(vj, a2);
        a3 = FloatVector.broadcast(SPECIES, p[3 * stride + jj]).fma(vj, a3);
      }
      a0.intoArray(out, oOff + d);
      a1.intoArray(out, o1 + d);
      a2.intoArray(out, o2 + d);
      a3.intoArray(out, o3 + d);
    }
    for (; d < headDim; d++) {
      for (int r = 0; r < QUERIES; r++) {
        float acc = 0f;
        for (int jj = 0; jj < nk; jj++) {
          acc = Math.fma(p[r * stride + jj], v[(rowBase + keys[jj]) * hidden + col + d], acc);
        }
        out[oOff + r * hidden + d] = acc;
      }
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
