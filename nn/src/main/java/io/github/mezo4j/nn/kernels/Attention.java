package io.github.mezo4j.nn.kernels;

import static io.github.mezo4j.nn.kernels.VectorMath.LANES;
import static io.github.mezo4j.nn.kernels.VectorMath.SPECIES;

import io.github.mezo4j.core.parallel.Workers;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Multi-head scaled dot-product attention without a causal mask (BERT-style encoders).
 *
 * <p>One task per (sequence, head). A task first packs the keys of the real (unpadded) tokens once,
 * transposed, into {@code kT[headDim, keys]} (zero columns up to a whole number of vectors), and
 * their values into contiguous rows (or reads them in place when the real tokens are one run, the
 * usual right-padded batch). Then, {@value #BLOCK} queries at a time: their scores in 8 x 2-vector
 * register tiles (broadcast query element times key vectors: no horizontal sums), a softmax per row
 * that keeps the unnormalized weights {@code exp(scale * (s - max))} and their sum, and the
 * weighted values in 8 x 2-vector register tiles over the head dimension, divided by the row sums
 * as they are stored.
 *
 * <p>Every output element is one fixed chain whatever the tiling: a score is the FMA chain over d,
 * a context element the FMA chain over the real keys in order, a row's softmax one function of the
 * row. So the blocking, the thread count and the other sequences of the batch change no bit, and
 * padded keys, left out entirely, cannot reach real tokens (even when they hold NaN).
 */
public final class Attention {
  private Attention() {}

  /** Queries per block: the rows of the score and context register tiles. */
  static final int BLOCK = 8;

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
    // kT[d * stride + jj] = k[key jj, d]; columns [nk, stride) are zero.
    int stride = (nk + LANES - 1) / LANES * LANES;
    boolean oneRun = keys[nk - 1] - keys[0] == nk - 1;
    float[] packed = scratch.floatsA(headDim * stride + (oneRun ? 0 : nk * headDim));
    float[] kT = packed;
    for (int d = 0; d < headDim; d++) {
      Arrays.fill(kT, d * stride + nk, (d + 1) * stride, 0f);
    }
    // value row jj at vals[vOff + jj * vStride, + headDim)
    float[] vals;
    int vOff;
    int vStride;
    if (oneRun) {
      int first = (rowBase + keys[0]) * hidden + col;
      transposeRun(k, first, hidden, nk, headDim, kT, stride);
      vals = v;
      vOff = first;
      vStride = hidden;
    } else {
      vals = packed;
      vOff = headDim * stride;
      vStride = headDim;
      for (int jj = 0; jj < nk; jj++) {
        int src = (rowBase + keys[jj]) * hidden + col;
        for (int d = 0; d < headDim; d++) {
          kT[d * stride + jj] = k[src + d];
        }
        System.arraycopy(v, src, vals, vOff + jj * headDim, headDim);
      }
    }
    // p[r * stride + jj]: scores, then unnormalized weights, of query r of the block; then the
    // block's row sums at p[BLOCK * stride + r].
    float[] p = scratch.floatsB(BLOCK * stride + BLOCK);
    int sums = BLOCK * stride;
    int i = 0;
    for (; i + BLOCK <= seq; i += BLOCK) {
      int qOff = (rowBase + i) * hidden + col;
      scores8(q, qOff, hidden, kT, stride, headDim, p);
      for (int r = 0; r < BLOCK; r++) {
        p[sums + r] = expRow(p, r * stride, nk, stride, scale);
      }
      context8(p, stride, nk, vals, vOff, vStride, headDim, out, qOff, hidden);
    }
    for (; i < seq; i++) {
      int qOff = (rowBase + i) * hidden + col;
      scores1(q, qOff, kT, stride, headDim, p);
      p[sums] = expRow(p, 0, nk, stride, scale);
      context1(p, nk, vals, vOff, vStride, headDim, out, qOff, sums);
    }
  }

  /**
   * kT[d * stride + jj] = k[first + jj * kStride + d] for jj in [0, nk), d in [0, headDim): 8 x 8
   * register transposes where whole tiles fit, element by element at the edges.
   */
  private static void transposeRun(
      float[] k, int first, int kStride, int nk, int headDim, float[] kT, int stride) {
    int jEnd = Transpose.SUPPORTED ? nk / 8 * 8 : 0;
    int dEnd = Transpose.SUPPORTED ? headDim / 8 * 8 : 0;
    for (int jj = 0; jj < jEnd; jj += 8) {
      int src = first + jj * kStride;
      for (int d = 0; d < dEnd; d += 8) {
        Transpose.tile8(k, src + d, kStride, kT, d * stride + jj, stride);
      }
      for (int r = 0; r < 8; r++) {
        for (int d = dEnd; d < headDim; d++) {
          kT[d * stride + jj + r] = k[src + r * kStride + d];
        }
      }
    }
    for (int jj = jEnd; jj < nk; jj++) {
      int src = first + jj * kStride;
      for (int d = 0; d < headDim; d++) {
        kT[d * stride + jj] = k[src + d];
      }
    }
  }

  /**
   * p[r * stride + jj] = sum_d q[qOff + r * qStride + d] * kT[d, jj] for r in [0, 8), jj in [0,
   * stride): each an FMA chain over d from 0, as in {@link #scores1}.
   */
  private static void scores8(
      float[] q, int qOff, int qStride, float[] kT, int stride, int headDim, float[] p) {
    int q1 = qOff + qStride;
    int q2 = q1 + qStride;
    int q3 = q2 + qStride;
    int q4 = q3 + qStride;
    int q5 = q4 + qStride;
    int q6 = q5 + qStride;
    int q7 = q6 + qStride;
    int jv = 0;
    for (; jv + 4 * LANES <= stride; jv += 4 * LANES) {
      scores4x4(q, qOff, qStride, kT, stride, headDim, p, jv, 0);
      scores4x4(q, q4, qStride, kT, stride, headDim, p, jv, 4 * stride);
    }
    for (; jv + 2 * LANES <= stride; jv += 2 * LANES) {
      FloatVector a0 = FloatVector.zero(SPECIES);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      FloatVector a4 = a0;
      FloatVector a5 = a0;
      FloatVector a6 = a0;
      FloatVector a7 = a0;
      FloatVector b0 = a0;
      FloatVector b1 = a0;
      FloatVector b2 = a0;
      FloatVector b3 = a0;
      FloatVector b4 = a0;
      FloatVector b5 = a0;
      FloatVector b6 = a0;
      FloatVector b7 = a0;
      for (int d = 0, row = jv; d < headDim; d++, row += stride) {
        FloatVector k0 = FloatVector.fromArray(SPECIES, kT, row);
        FloatVector k1 = FloatVector.fromArray(SPECIES, kT, row + LANES);
        FloatVector x = FloatVector.broadcast(SPECIES, q[qOff + d]);
        a0 = x.fma(k0, a0);
        b0 = x.fma(k1, b0);
        x = FloatVector.broadcast(SPECIES, q[q1 + d]);
        a1 = x.fma(k0, a1);
        b1 = x.fma(k1, b1);
        x = FloatVector.broadcast(SPECIES, q[q2 + d]);
        a2 = x.fma(k0, a2);
        b2 = x.fma(k1, b2);
        x = FloatVector.broadcast(SPECIES, q[q3 + d]);
        a3 = x.fma(k0, a3);
        b3 = x.fma(k1, b3);
        x = FloatVector.broadcast(SPECIES, q[q4 + d]);
        a4 = x.fma(k0, a4);
        b4 = x.fma(k1, b4);
        x = FloatVector.broadcast(SPECIES, q[q5 + d]);
        a5 = x.fma(k0, a5);
        b5 = x.fma(k1, b5);
        x = FloatVector.broadcast(SPECIES, q[q6 + d]);
        a6 = x.fma(k0, a6);
        b6 = x.fma(k1, b6);
        x = FloatVector.broadcast(SPECIES, q[q7 + d]);
        a7 = x.fma(k0, a7);
        b7 = x.fma(k1, b7);
      }
      a0.intoArray(p, jv);
      b0.intoArray(p, jv + LANES);
      a1.intoArray(p, stride + jv);
      b1.intoArray(p, stride + jv + LANES);
      a2.intoArray(p, 2 * stride + jv);
      b2.intoArray(p, 2 * stride + jv + LANES);
      a3.intoArray(p, 3 * stride + jv);
      b3.intoArray(p, 3 * stride + jv + LANES);
      a4.intoArray(p, 4 * stride + jv);
      b4.intoArray(p, 4 * stride + jv + LANES);
      a5.intoArray(p, 5 * stride + jv);
      b5.intoArray(p, 5 * stride + jv + LANES);
      a6.intoArray(p, 6 * stride + jv);
      b6.intoArray(p, 6 * stride + jv + LANES);
      a7.intoArray(p, 7 * stride + jv);
      b7.intoArray(p, 7 * stride + jv + LANES);
    }
    if (jv < stride) {
      FloatVector a0 = FloatVector.zero(SPECIES);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      FloatVector a4 = a0;
      FloatVector a5 = a0;
      FloatVector a6 = a0;
      FloatVector a7 = a0;
      for (int d = 0, row = jv; d < headDim; d++, row += stride) {
        FloatVector k0 = FloatVector.fromArray(SPECIES, kT, row);
        a0 = FloatVector.broadcast(SPECIES, q[qOff + d]).fma(k0, a0);
        a1 = FloatVector.broadcast(SPECIES, q[q1 + d]).fma(k0, a1);
        a2 = FloatVector.broadcast(SPECIES, q[q2 + d]).fma(k0, a2);
        a3 = FloatVector.broadcast(SPECIES, q[q3 + d]).fma(k0, a3);
        a4 = FloatVector.broadcast(SPECIES, q[q4 + d]).fma(k0, a4);
        a5 = FloatVector.broadcast(SPECIES, q[q5 + d]).fma(k0, a5);
        a6 = FloatVector.broadcast(SPECIES, q[q6 + d]).fma(k0, a6);
        a7 = FloatVector.broadcast(SPECIES, q[q7 + d]).fma(k0, a7);
      }
      a0.intoArray(p, jv);
      a1.intoArray(p, stride + jv);
      a2.intoArray(p, 2 * stride + jv);
      a3.intoArray(p, 3 * stride + jv);
      a4.intoArray(p, 4 * stride + jv);
      a5.intoArray(p, 5 * stride + jv);
      a6.intoArray(p, 6 * stride + jv);
      a7.intoArray(p, 7 * stride + jv);
    }
  }

  /** p[jj] = sum_d q[qOff + d] * kT[d, jj] for jj in [0, stride), the chains of scores8. */
  private static void scores1(float[] q, int qOff, float[] kT, int stride, int headDim, float[] p) {
    int jv = 0;
    for (; jv + 4 * LANES <= stride; jv += 4 * LANES) {
      FloatVector a0 = FloatVector.zero(SPECIES);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      for (int d = 0, row = jv; d < headDim; d++, row += stride) {
        FloatVector x = FloatVector.broadcast(SPECIES, q[qOff + d]);
        a0 = x.fma(FloatVector.fromArray(SPECIES, kT, row), a0);
        a1 = x.fma(FloatVector.fromArray(SPECIES, kT, row + LANES), a1);
        a2 = x.fma(FloatVector.fromArray(SPECIES, kT, row + 2 * LANES), a2);
        a3 = x.fma(FloatVector.fromArray(SPECIES, kT, row + 3 * LANES), a3);
      }
      a0.intoArray(p, jv);
      a1.intoArray(p, jv + LANES);
      a2.intoArray(p, jv + 2 * LANES);
      a3.intoArray(p, jv + 3 * LANES);
    }
    for (; jv < stride; jv += LANES) {
      FloatVector a0 = FloatVector.zero(SPECIES);
      for (int d = 0, row = jv; d < headDim; d++, row += stride) {
        a0 =
            FloatVector.broadcast(SPECIES, q[qOff + d])
                .fma(FloatVector.fromArray(SPECIES, kT, row), a0);
      }
      a0.intoArray(p, jv);
    }
  }

  /**
   * Turns the scores p[from, from + nk) into weights exp(scale * s - scale * max) in place, zeroes
   * [from + nk, from + stride), and returns the weights' sum (at least 1: the maximum's weight is
   * 1). A NaN or +inf score makes the row NaN.
   */
  private static float expRow(float[] p, int from, int nk, int stride, float scale) {
    int to = from + stride;
    // -inf on the padding columns: they do not move the maximum, and exp makes them +0
    Arrays.fill(p, from + nk, to, Float.NEGATIVE_INFINITY);
    // max is exact and order-free: two chains only shorten the latency
    FloatVector m0 = FloatVector.fromArray(SPECIES, p, from);
    FloatVector m1 = m0;
    int i = from + LANES;
    for (; i + 2 * LANES <= to; i += 2 * LANES) {
      m0 = m0.max(FloatVector.fromArray(SPECIES, p, i));
      m1 = m1.max(FloatVector.fromArray(SPECIES, p, i + LANES));
    }
    if (i < to) {
      m0 = m0.max(FloatVector.fromArray(SPECIES, p, i));
    }
    float max = VectorMath.maxLanes(m0.max(m1));
    FloatVector vScale = VectorMath.splat(scale);
    FloatVector shift = VectorMath.splat(-scale * max);
    FloatVector sum = FloatVector.zero(SPECIES);
    for (i = from; i < to; i += LANES) {
      FloatVector e = VectorMath.exp(FloatVector.fromArray(SPECIES, p, i).fma(vScale, shift));
      e.intoArray(p, i);
      sum = sum.add(e);
    }
    return VectorMath.sumLanes(sum);
  }

  /**
   * out[oOff + r * oStride + d] = (sum_jj p[r * stride + jj] * vals[vOff + jj * vStride + d]) / p[8
   * * stride + r] for r in [0, 8), d in [0, headDim): each sum an FMA chain over jj from 0, as in
   * {@link #context1}.
   */
  private static void context8(
      float[] p,
      int stride,
      int nk,
      float[] vals,
      int vOff,
      int vStride,
      int headDim,
      float[] out,
      int oOff,
      int oStride) {
    int p1 = stride;
    int p2 = 2 * stride;
    int p3 = 3 * stride;
    int p4 = 4 * stride;
    int p5 = 5 * stride;
    int p6 = 6 * stride;
    int p7 = 7 * stride;
    int sums = BLOCK * stride;
    int d = 0;
    for (; d + 2 * LANES <= headDim; d += 2 * LANES) {
      FloatVector a0 = FloatVector.zero(SPECIES);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      FloatVector a4 = a0;
      FloatVector a5 = a0;
      FloatVector a6 = a0;
      FloatVector a7 = a0;
      FloatVector b0 = a0;
      FloatVector b1 = a0;
      FloatVector b2 = a0;
      FloatVector b3 = a0;
      FloatVector b4 = a0;
      FloatVector b5 = a0;
      FloatVector b6 = a0;
      FloatVector b7 = a0;
      for (int jj = 0, src = vOff + d; jj < nk; jj++, src += vStride) {
        FloatVector v0 = FloatVector.fromArray(SPECIES, vals, src);
        FloatVector v1 = FloatVector.fromArray(SPECIES, vals, src + LANES);
        FloatVector x = FloatVector.broadcast(SPECIES, p[jj]);
        a0 = x.fma(v0, a0);
        b0 = x.fma(v1, b0);
        x = FloatVector.broadcast(SPECIES, p[p1 + jj]);
        a1 = x.fma(v0, a1);
        b1 = x.fma(v1, b1);
        x = FloatVector.broadcast(SPECIES, p[p2 + jj]);
        a2 = x.fma(v0, a2);
        b2 = x.fma(v1, b2);
        x = FloatVector.broadcast(SPECIES, p[p3 + jj]);
        a3 = x.fma(v0, a3);
        b3 = x.fma(v1, b3);
        x = FloatVector.broadcast(SPECIES, p[p4 + jj]);
        a4 = x.fma(v0, a4);
        b4 = x.fma(v1, b4);
        x = FloatVector.broadcast(SPECIES, p[p5 + jj]);
        a5 = x.fma(v0, a5);
        b5 = x.fma(v1, b5);
        x = FloatVector.broadcast(SPECIES, p[p6 + jj]);
        a6 = x.fma(v0, a6);
        b6 = x.fma(v1, b6);
        x = FloatVector.broadcast(SPECIES, p[p7 + jj]);
        a7 = x.fma(v0, a7);
        b7 = x.fma(v1, b7);
      }
      int o = oOff + d;
      float s = p[sums];
      a0.div(s).intoArray(out, o);
      b0.div(s).intoArray(out, o + LANES);
      o += oStride;
      s = p[sums + 1];
      a1.div(s).intoArray(out, o);
      b1.div(s).intoArray(out, o + LANES);
      o += oStride;
      s = p[sums + 2];
      a2.div(s).intoArray(out, o);
      b2.div(s).intoArray(out, o + LANES);
      o += oStride;
      s = p[sums + 3];
      a3.div(s).intoArray(out, o);
      b3.div(s).intoArray(out, o + LANES);
      o += oStride;
      s = p[sums + 4];
      a4.div(s).intoArray(out, o);
      b4.div(s).intoArray(out, o + LANES);
      o += oStride;
      s = p[sums + 5];
      a5.div(s).intoArray(out, o);
      b5.div(s).intoArray(out, o + LANES);
      o += oStride;
      s = p[sums + 6];
      a6.div(s).intoArray(out, o);
      b6.div(s).intoArray(out, o + LANES);
      o += oStride;
      s = p[sums + 7];
      a7.div(s).intoArray(out, o);
      b7.div(s).intoArray(out, o + LANES);
    }
    if (d + LANES <= headDim) {
      FloatVector a0 = FloatVector.zero(SPECIES);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      FloatVector a4 = a0;
      FloatVector a5 = a0;
      FloatVector a6 = a0;
      FloatVector a7 = a0;
      for (int jj = 0, src = vOff + d; jj < nk; jj++, src += vStride) {
        FloatVector v0 = FloatVector.fromArray(SPECIES, vals, src);
        a0 = FloatVector.broadcast(SPECIES, p[jj]).fma(v0, a0);
        a1 = FloatVector.broadcast(SPECIES, p[p1 + jj]).fma(v0, a1);
        a2 = FloatVector.broadcast(SPECIES, p[p2 + jj]).fma(v0, a2);
        a3 = FloatVector.broadcast(SPECIES, p[p3 + jj]).fma(v0, a3);
        a4 = FloatVector.broadcast(SPECIES, p[p4 + jj]).fma(v0, a4);
        a5 = FloatVector.broadcast(SPECIES, p[p5 + jj]).fma(v0, a5);
        a6 = FloatVector.broadcast(SPECIES, p[p6 + jj]).fma(v0, a6);
        a7 = FloatVector.broadcast(SPECIES, p[p7 + jj]).fma(v0, a7);
      }
      int o = oOff + d;
      a0.div(p[sums]).intoArray(out, o);
      a1.div(p[sums + 1]).intoArray(out, o + oStride);
      a2.div(p[sums + 2]).intoArray(out, o + 2 * oStride);
      a3.div(p[sums + 3]).intoArray(out, o + 3 * oStride);
      a4.div(p[sums + 4]).intoArray(out, o + 4 * oStride);
      a5.div(p[sums + 5]).intoArray(out, o + 5 * oStride);
      a6.div(p[sums + 6]).intoArray(out, o + 6 * oStride);
      a7.div(p[sums + 7]).intoArray(out, o + 7 * oStride);
      d += LANES;
    }
    for (; d < headDim; d++) {
      for (int r = 0; r < BLOCK; r++) {
        out[oOff + r * oStride + d] =
            contextScalar(p, r * stride, nk, vals, vOff + d, vStride) / p[sums + r];
      }
    }
  }

  /** context8 for one query: weights p[0, nk), its row sum at p[sum]. */
  private static void context1(
      float[] p,
      int nk,
      float[] vals,
      int vOff,
      int vStride,
      int headDim,
      float[] out,
      int oOff,
      int sum) {
    float s = p[sum];
    int d = 0;
    for (; d + 2 * LANES <= headDim; d += 2 * LANES) {
      FloatVector a0 = FloatVector.zero(SPECIES);
      FloatVector a1 = a0;
      for (int jj = 0, src = vOff + d; jj < nk; jj++, src += vStride) {
        FloatVector x = FloatVector.broadcast(SPECIES, p[jj]);
        a0 = x.fma(FloatVector.fromArray(SPECIES, vals, src), a0);
        a1 = x.fma(FloatVector.fromArray(SPECIES, vals, src + LANES), a1);
      }
      a0.div(s).intoArray(out, oOff + d);
      a1.div(s).intoArray(out, oOff + d + LANES);
    }
    if (d + LANES <= headDim) {
      FloatVector a0 = FloatVector.zero(SPECIES);
      for (int jj = 0, src = vOff + d; jj < nk; jj++, src += vStride) {
        a0 =
            FloatVector.broadcast(SPECIES, p[jj])
                .fma(FloatVector.fromArray(SPECIES, vals, src), a0);
      }
      a0.div(s).intoArray(out, oOff + d);
      d += LANES;
    }
    for (; d < headDim; d++) {
      out[oOff + d] = contextScalar(p, 0, nk, vals, vOff + d, vStride) / s;
    }
  }

  /** sum_jj p[from + jj] * vals[src + jj * vStride], the FMA chain over jj from 0. */
  private static float contextScalar(
      float[] p, int from, int nk, float[] vals, int src, int vStride) {
    float acc = 0f;
    for (int jj = 0; jj < nk; jj++, src += vStride) {
      acc = Math.fma(p[from + jj], vals[src], acc);
    }
    return acc;
  }

  private static void scores4x4(
      float[] q,
      int qOff,
      int qStride,
      float[] kT,
      int stride,
      int headDim,
      float[] p,
      int jv,
      int pOff) {
    int q1 = qOff + qStride;
    int q2 = q1 + qStride;
    int q3 = q2 + qStride;
    FloatVector a0 = FloatVector.zero(SPECIES);
    FloatVector a1 = a0;
    FloatVector a2 = a0;
    FloatVector a3 = a0;
    FloatVector b0 = a0;
    FloatVector b1 = a0;
    FloatVector b2 = a0;
    FloatVector b3 = a0;
    FloatVector c0 = a0;
    FloatVector c1 = a0;
    FloatVector c2 = a0;
    FloatVector c3 = a0;
    FloatVector e0 = a0;
    FloatVector e1 = a0;
    FloatVector e2 = a0;
    FloatVector e3 = a0;
    for (int d = 0, row = jv; d < headDim; d++, row += stride) {
      FloatVector k0 = FloatVector.fromArray(SPECIES, kT, row);
      FloatVector k1 = FloatVector.fromArray(SPECIES, kT, row + LANES);
      FloatVector k2 = FloatVector.fromArray(SPECIES, kT, row + 2 * LANES);
      FloatVector k3 = FloatVector.fromArray(SPECIES, kT, row + 3 * LANES);
      FloatVector x = FloatVector.broadcast(SPECIES, q[qOff + d]);
      a0 = x.fma(k0, a0);
      b0 = x.fma(k1, b0);
      c0 = x.fma(k2, c0);
      e0 = x.fma(k3, e0);
      x = FloatVector.broadcast(SPECIES, q[q1 + d]);
      a1 = x.fma(k0, a1);
      b1 = x.fma(k1, b1);
      c1 = x.fma(k2, c1);
      e1 = x.fma(k3, e1);
      x = FloatVector.broadcast(SPECIES, q[q2 + d]);
      a2 = x.fma(k0, a2);
      b2 = x.fma(k1, b2);
      c2 = x.fma(k2, c2);
      e2 = x.fma(k3, e2);
      x = FloatVector.broadcast(SPECIES, q[q3 + d]);
      a3 = x.fma(k0, a3);
      b3 = x.fma(k1, b3);
      c3 = x.fma(k2, c3);
      e3 = x.fma(k3, e3);
    }
    int o = pOff + jv;
    a0.intoArray(p, o);
    b0.intoArray(p, o + LANES);
    c0.intoArray(p, o + 2 * LANES);
    e0.intoArray(p, o + 3 * LANES);
    o += stride;
    a1.intoArray(p, o);
    b1.intoArray(p, o + LANES);
    c1.intoArray(p, o + 2 * LANES);
    e1.intoArray(p, o + 3 * LANES);
    o += stride;
    a2.intoArray(p, o);
    b2.intoArray(p, o + LANES);
    c2.intoArray(p, o + 2 * LANES);
    e2.intoArray(p, o + 3 * LANES);
    o += stride;
    a3.intoArray(p, o);
    b3.intoArray(p, o + LANES);
    c3.intoArray(p, o + 2 * LANES);
    e3.intoArray(p, o + 3 * LANES);
  }
}
