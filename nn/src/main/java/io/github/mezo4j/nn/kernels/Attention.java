package io.github.mezo4j.nn.kernels;

import static io.github.mezo4j.nn.kernels.VectorMath.LANES;
import static io.github.mezo4j.nn.kernels.VectorMath.SPECIES;

import io.github.mezo4j.core.parallel.Workers;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Multi-head scaled dot-product attention without a causal mask (BERT-style encoders).
 *
 * <p>One task per (sequence, head). The task transposes the head's queries once into {@code qT[d,
 * query]} and then works on blocks of up to four vectors of queries ({@code BLOCK_VECTORS}), with
 * the queries in the vector lanes throughout: the transposed scores {@code s[key, query]} come from
 * 4 keys x 4 query-vector register tiles (broadcast key element times query vectors), so the
 * softmax over the keys is plain lane-wise max, exp and sum down the rows, with no horizontal
 * reductions; the context {@code o[d, query]} comes from 4 head-column x 4 query-vector tiles
 * (broadcast value element times weight vectors), divided by the row sums as it is stored, and is
 * transposed back into {@code out}. Keys and values are read in place when the real tokens are one
 * run (the usual right-padded batch), otherwise gathered first; padded keys are left out entirely,
 * so their values (even NaN) cannot reach real tokens.
 *
 * <p>Every output element is one fixed chain whatever the tiling: a score is the FMA chain over d,
 * a weight {@code 2^(s * c - max * c)} with {@code c = scale * log2(e)} (our own polynomial, see
 * {@code exp2} below), a context element the FMA chain over the real keys in order divided by the
 * sum of the weights in key order. So the blocking, the thread count and the other sequences of the
 * batch change no bit.
 */
public final class Attention {
  private Attention() {}

  /** Query vectors per block: the columns of the register tiles. */
  private static final int BLOCK_VECTORS = 4;

  /**
   * Multi-head scaled dot-product attention. {@code q}, {@code k}, {@code v} and {@code out} are
   * {@code [batch, seq, heads * headDim]}, head h occupying columns {@code [h * headDim, (h + 1) *
   * headDim)}. {@code attentionMask[batch * seq]}: 1 = real token, 0 = padding; padded keys get no
   * weight, padded queries still get an output (as in Hugging Face BERT). A sequence with no real
   * token gets zeros. Scale = 1 / sqrt(headDim). {@code out} may be {@code q}, but not {@code k} or
   * {@code v}. A query whose scores include NaN or +inf, or are all -inf, gets NaN.
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
    // qT[d * seqPad + i] = q[query i, d]; columns [seq, seqPad) are zero (and their results unused)
    int seqPad = (seq + LANES - 1) / LANES * LANES;
    boolean oneRun = keys[nk - 1] - keys[0] == nk - 1;
    float[] a = scratch.floatsA(headDim * seqPad + (oneRun ? 0 : 2 * nk * headDim));
    float[] qT = a;
    for (int d = 0; d < headDim; d++) {
      Arrays.fill(qT, d * seqPad + seq, (d + 1) * seqPad, 0f);
    }
    transpose(q, rowBase * hidden + col, hidden, seq, headDim, qT, 0, seqPad);
    // key jj's row at kRows[kOff + jj * kvStride], its value's at vRows[vOff + jj * kvStride]
    float[] kRows;
    float[] vRows;
    int kOff;
    int vOff;
    int kvStride;
    if (oneRun) {
      kRows = k;
      vRows = v;
      kOff = (rowBase + keys[0]) * hidden + col;
      vOff = kOff;
      kvStride = hidden;
    } else {
      kRows = a;
      vRows = a;
      kOff = headDim * seqPad;
      vOff = kOff + nk * headDim;
      kvStride = headDim;
      for (int jj = 0; jj < nk; jj++) {
        int src = (rowBase + keys[jj]) * hidden + col;
        System.arraycopy(k, src, a, kOff + jj * headDim, headDim);
        System.arraycopy(v, src, a, vOff + jj * headDim, headDim);
      }
    }
    // One block of `cols` queries: p[jj * cols + c] the score, then weight, of key jj for query
    // i0 + c; then the context o[d * cols + c] at p[oOff...]; then the weight sums at p[sums + c].
    int width = Math.min(BLOCK_VECTORS * LANES, seqPad);
    float[] p = scratch.floatsB((nk + headDim + 1) * width);
    for (int i0 = 0; i0 < seq; i0 += width) {
      int cols = Math.min(width, seqPad - i0);
      int oOff = nk * cols;
      int sums = oOff + headDim * cols;
      int c = 0;
      for (; c + 4 * LANES <= cols; c += 4 * LANES) {
        scores4x4(kRows, kOff, kvStride, nk, qT, seqPad, i0 + c, headDim, p, cols, c);
      }
      if (c + 2 * LANES <= cols) {
        scores4x2(kRows, kOff, kvStride, nk, qT, seqPad, i0 + c, headDim, p, cols, c);
        c += 2 * LANES;
      }
      if (c < cols) {
        scores4x1(kRows, kOff, kvStride, nk, qT, seqPad, i0 + c, headDim, p, cols, c);
      }
      softmax(p, nk, cols, scale, sums);
      c = 0;
      for (; c + 4 * LANES <= cols; c += 4 * LANES) {
        context4x4(vRows, vOff, kvStride, nk, p, cols, c, sums, headDim, oOff);
      }
      if (c + 2 * LANES <= cols) {
        context4x2(vRows, vOff, kvStride, nk, p, cols, c, sums, headDim, oOff);
        c += 2 * LANES;
      }
      if (c < cols) {
        context4x1(vRows, vOff, kvStride, nk, p, cols, c, sums, headDim, oOff);
      }
      transpose(
          p,
          oOff,
          cols,
          headDim,
          Math.min(cols, seq - i0),
          out,
          (rowBase + i0) * hidden + col,
          hidden);
    }
  }

  /**
   * dst[dstOff + c * dstStride + r] = src[srcOff + r * srcStride + c] for r in [0, rows), c in [0,
   * cols): 8 x 8 register transposes where whole tiles fit, element by element at the edges.
   */
  private static void transpose(
      float[] src,
      int srcOff,
      int srcStride,
      int rows,
      int cols,
      float[] dst,
      int dstOff,
      int dstStride) {
    int rEnd = Transpose.SUPPORTED ? rows / 8 * 8 : 0;
    int cEnd = Transpose.SUPPORTED ? cols / 8 * 8 : 0;
    for (int r = 0; r < rEnd; r += 8) {
      int s = srcOff + r * srcStride;
      for (int c = 0; c < cEnd; c += 8) {
        Transpose.tile8(src, s + c, srcStride, dst, dstOff + c * dstStride + r, dstStride);
      }
      for (int rr = r; rr < r + 8; rr++) {
        for (int c = cEnd; c < cols; c++) {
          dst[dstOff + c * dstStride + rr] = src[srcOff + rr * srcStride + c];
        }
      }
    }
    for (int r = rEnd; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        dst[dstOff + c * dstStride + r] = src[srcOff + r * srcStride + c];
      }
    }
  }

  /**
   * Turns the scores p[jj * cols + c] (jj in [0, nk), c in [0, cols)) into weights 2^(s * scale *
   * log2(e) - max_jj s * scale * log2(e)) = exp(scale * (s - max)) in place, lane-wise down the
   * keys, and stores each query's weight sum (in key order; about 1 or more: the maximum's weight
   * is 2^(rounding error)) at p[sums + c].
   */
  private static void softmax(float[] p, int nk, int cols, float scale, int sums) {
    float toLog2 = scale * LOG2E;
    FloatVector vToLog2 = VectorMath.splat(toLog2);
    for (int c = 0; c < cols; c += LANES) {
      // compare + blend instead of max(): max's NaN and -0 handling costs several instructions,
      // and a NaN score makes its weights NaN below anyway. Two chains shorten the latency.
      FloatVector m0 = FloatVector.fromArray(SPECIES, p, c);
      FloatVector m1 = m0;
      int jj = 1;
      for (; jj + 2 <= nk; jj += 2) {
        FloatVector x0 = FloatVector.fromArray(SPECIES, p, jj * cols + c);
        FloatVector x1 = FloatVector.fromArray(SPECIES, p, (jj + 1) * cols + c);
        m0 = m0.blend(x0, m0.compare(VectorOperators.LT, x0));
        m1 = m1.blend(x1, m1.compare(VectorOperators.LT, x1));
      }
      if (jj < nk) {
        FloatVector x0 = FloatVector.fromArray(SPECIES, p, jj * cols + c);
        m0 = m0.blend(x0, m0.compare(VectorOperators.LT, x0));
      }
      FloatVector shift = m0.blend(m1, m0.compare(VectorOperators.LT, m1)).mul(-toLog2);
      FloatVector sum = FloatVector.zero(SPECIES);
      for (int i = c, end = c + nk * cols; i < end; i += cols) {
        FloatVector e = exp2(FloatVector.fromArray(SPECIES, p, i).fma(vToLog2, shift));
        e.intoArray(p, i);
        sum = sum.add(e);
      }
      sum.intoArray(p, sums + c);
    }
  }

  private static final float LOG2E = 1.44269504f;
  // 1.5 * 2^23: adding it rounds to an integer held in the low mantissa bits.
  private static final float ROUND_MAGIC = 12582912f;
  private static final int ROUND_MAGIC_BITS = 0x4B400000;
  // 2^t for t in [-0.5, 0.5] = 1 + t (P1 + t (P2 + ... + t P5)): fitted by us (least squares in
  // relative error on Chebyshev nodes); relative error 1.6e-7 in float evaluation.
  private static final FloatVector P1 = VectorMath.splat(0.6931468844413757f);
  private static final FloatVector P2 = VectorMath.splat(0.24022237956523895f);
  private static final FloatVector P3 = VectorMath.splat(0.05550893023610115f);
  private static final FloatVector P4 = VectorMath.splat(0.009671698324382305f);
  private static final FloatVector P5 = VectorMath.splat(0.0013218672247603536f);
  // At t = -127 the power below is 2^-127 with exponent bits 0: an exact +0.
  private static final FloatVector V_LOW = VectorMath.splat(-127f);
  private static final FloatVector V_MAGIC = VectorMath.splat(ROUND_MAGIC);
  private static final IntVector V_BIAS =
      IntVector.broadcast(SPECIES.withLanes(int.class), ROUND_MAGIC_BITS - 127);

  /**
   * 2^t for t <= 0 (softmax exponents are), relative error about 3 ulp; t below -126 gives +0 or a
   * subnormal, NaN gives NaN. Cheaper than {@link VectorMath#exp}: the scale by log2(e) is folded
   * into the scores' scale, and the polynomial is one degree lower.
   */
  private static FloatVector exp2(FloatVector t) {
    t = t.blend(V_LOW, t.compare(VectorOperators.LT, V_LOW));
    FloatVector z = t.add(V_MAGIC);
    FloatVector f = t.sub(z.sub(V_MAGIC));
    FloatVector p = f.fma(P5, P4);
    p = p.fma(f, P3);
    p = p.fma(f, P2);
    p = p.fma(f, P1);
    p = p.fma(f, VectorMath.ONE);
    FloatVector power =
        z.viewAsIntegralLanes()
            .sub(V_BIAS)
            .lanewise(VectorOperators.LSHL, 23)
            .viewAsFloatingLanes();
    return p.mul(power);
  }

  /** The scores of keys [from, nk) for {@code nv} query vectors, one key at a time. */
  private static void scoresTail(
      float[] kRows,
      int kOff,
      int kStride,
      int from,
      int nk,
      float[] qT,
      int qStride,
      int qCol,
      int headDim,
      float[] s,
      int cols,
      int c,
      int nv) {
    for (int jj = from; jj < nk; jj++) {
      int kr = kOff + jj * kStride;
      for (int t = 0; t < nv; t++) {
        FloatVector acc = FloatVector.zero(SPECIES);
        for (int d = 0, row = qCol + t * LANES; d < headDim; d++, row += qStride) {
          acc =
              FloatVector.broadcast(SPECIES, kRows[kr + d])
                  .fma(FloatVector.fromArray(SPECIES, qT, row), acc);
        }
        acc.intoArray(s, jj * cols + c + t * LANES);
      }
    }
  }

  /** The context of head columns [from, headDim) for {@code nv} query vectors, one at a time. */
  private static void contextTail(
      float[] vRows,
      int vOff,
      int vStride,
      int nk,
      float[] p,
      int cols,
      int c,
      int sums,
      int from,
      int headDim,
      int oOff,
      int nv) {
    for (int d = from; d < headDim; d++) {
      for (int t = 0; t < nv; t++) {
        FloatVector acc = FloatVector.zero(SPECIES);
        int pc = c + t * LANES;
        for (int jj = 0, vr = vOff + d, pr = pc; jj < nk; jj++, vr += vStride, pr += cols) {
          acc =
              FloatVector.broadcast(SPECIES, vRows[vr])
                  .fma(FloatVector.fromArray(SPECIES, p, pr), acc);
        }
        acc.div(FloatVector.fromArray(SPECIES, p, sums + pc)).intoArray(p, oOff + d * cols + pc);
      }
    }
  }

  /**
   * s[(jj + r) * cols + c + t * LANES] = sum_d k[key jj + r, d] * qT[d, i0 + c + t * LANES] for
   * four keys r and 4 vector(s) t, for every group of four keys; the last {@code nk % 4} keys by
   * {@link #scoresTail}.
   */
  private static void scores4x4(
      float[] kRows,
      int kOff,
      int kStride,
      int nk,
      float[] qT,
      int qStride,
      int qCol,
      int headDim,
      float[] s,
      int cols,
      int c) {
    int jj = 0;
    for (; jj + 4 <= nk; jj += 4) {
      int k0 = kOff + jj * kStride;
      int k1 = k0 + kStride;
      int k2 = k1 + kStride;
      int k3 = k2 + kStride;
      FloatVector a00 = FloatVector.zero(SPECIES);
      FloatVector a01 = a00;
      FloatVector a02 = a00;
      FloatVector a03 = a00;
      FloatVector a10 = a00;
      FloatVector a11 = a00;
      FloatVector a12 = a00;
      FloatVector a13 = a00;
      FloatVector a20 = a00;
      FloatVector a21 = a00;
      FloatVector a22 = a00;
      FloatVector a23 = a00;
      FloatVector a30 = a00;
      FloatVector a31 = a00;
      FloatVector a32 = a00;
      FloatVector a33 = a00;
      for (int d = 0, row = qCol; d < headDim; d++, row += qStride) {
        FloatVector x0 = FloatVector.fromArray(SPECIES, qT, row);
        FloatVector x1 = FloatVector.fromArray(SPECIES, qT, row + LANES);
        FloatVector x2 = FloatVector.fromArray(SPECIES, qT, row + 2 * LANES);
        FloatVector x3 = FloatVector.fromArray(SPECIES, qT, row + 3 * LANES);
        FloatVector y = FloatVector.broadcast(SPECIES, kRows[k0 + d]);
        a00 = y.fma(x0, a00);
        a01 = y.fma(x1, a01);
        a02 = y.fma(x2, a02);
        a03 = y.fma(x3, a03);
        y = FloatVector.broadcast(SPECIES, kRows[k1 + d]);
        a10 = y.fma(x0, a10);
        a11 = y.fma(x1, a11);
        a12 = y.fma(x2, a12);
        a13 = y.fma(x3, a13);
        y = FloatVector.broadcast(SPECIES, kRows[k2 + d]);
        a20 = y.fma(x0, a20);
        a21 = y.fma(x1, a21);
        a22 = y.fma(x2, a22);
        a23 = y.fma(x3, a23);
        y = FloatVector.broadcast(SPECIES, kRows[k3 + d]);
        a30 = y.fma(x0, a30);
        a31 = y.fma(x1, a31);
        a32 = y.fma(x2, a32);
        a33 = y.fma(x3, a33);
      }
      int o = jj * cols + c;
      a00.intoArray(s, o);
      a01.intoArray(s, o + LANES);
      a02.intoArray(s, o + 2 * LANES);
      a03.intoArray(s, o + 3 * LANES);
      o += cols;
      a10.intoArray(s, o);
      a11.intoArray(s, o + LANES);
      a12.intoArray(s, o + 2 * LANES);
      a13.intoArray(s, o + 3 * LANES);
      o += cols;
      a20.intoArray(s, o);
      a21.intoArray(s, o + LANES);
      a22.intoArray(s, o + 2 * LANES);
      a23.intoArray(s, o + 3 * LANES);
      o += cols;
      a30.intoArray(s, o);
      a31.intoArray(s, o + LANES);
      a32.intoArray(s, o + 2 * LANES);
      a33.intoArray(s, o + 3 * LANES);
    }
    scoresTail(kRows, kOff, kStride, jj, nk, qT, qStride, qCol, headDim, s, cols, c, 4);
  }

  /**
   * s[(jj + r) * cols + c + t * LANES] = sum_d k[key jj + r, d] * qT[d, i0 + c + t * LANES] for
   * four keys r and 2 vector(s) t, for every group of four keys; the last {@code nk % 4} keys by
   * {@link #scoresTail}.
   */
  private static void scores4x2(
      float[] kRows,
      int kOff,
      int kStride,
      int nk,
      float[] qT,
      int qStride,
      int qCol,
      int headDim,
      float[] s,
      int cols,
      int c) {
    int jj = 0;
    for (; jj + 4 <= nk; jj += 4) {
      int k0 = kOff + jj * kStride;
      int k1 = k0 + kStride;
      int k2 = k1 + kStride;
      int k3 = k2 + kStride;
      FloatVector a00 = FloatVector.zero(SPECIES);
      FloatVector a01 = a00;
      FloatVector a10 = a00;
      FloatVector a11 = a00;
      FloatVector a20 = a00;
      FloatVector a21 = a00;
      FloatVector a30 = a00;
      FloatVector a31 = a00;
      for (int d = 0, row = qCol; d < headDim; d++, row += qStride) {
        FloatVector x0 = FloatVector.fromArray(SPECIES, qT, row);
        FloatVector x1 = FloatVector.fromArray(SPECIES, qT, row + LANES);
        FloatVector y = FloatVector.broadcast(SPECIES, kRows[k0 + d]);
        a00 = y.fma(x0, a00);
        a01 = y.fma(x1, a01);
        y = FloatVector.broadcast(SPECIES, kRows[k1 + d]);
        a10 = y.fma(x0, a10);
        a11 = y.fma(x1, a11);
        y = FloatVector.broadcast(SPECIES, kRows[k2 + d]);
        a20 = y.fma(x0, a20);
        a21 = y.fma(x1, a21);
        y = FloatVector.broadcast(SPECIES, kRows[k3 + d]);
        a30 = y.fma(x0, a30);
        a31 = y.fma(x1, a31);
      }
      int o = jj * cols + c;
      a00.intoArray(s, o);
      a01.intoArray(s, o + LANES);
      o += cols;
      a10.intoArray(s, o);
      a11.intoArray(s, o + LANES);
      o += cols;
      a20.intoArray(s, o);
      a21.intoArray(s, o + LANES);
      o += cols;
      a30.intoArray(s, o);
      a31.intoArray(s, o + LANES);
    }
    scoresTail(kRows, kOff, kStride, jj, nk, qT, qStride, qCol, headDim, s, cols, c, 2);
  }

  /**
   * s[(jj + r) * cols + c + t * LANES] = sum_d k[key jj + r, d] * qT[d, i0 + c + t * LANES] for
   * four keys r and 1 vector(s) t, for every group of four keys; the last {@code nk % 4} keys by
   * {@link #scoresTail}.
   */
  private static void scores4x1(
      float[] kRows,
      int kOff,
      int kStride,
      int nk,
      float[] qT,
      int qStride,
      int qCol,
      int headDim,
      float[] s,
      int cols,
      int c) {
    int jj = 0;
    for (; jj + 4 <= nk; jj += 4) {
      int k0 = kOff + jj * kStride;
      int k1 = k0 + kStride;
      int k2 = k1 + kStride;
      int k3 = k2 + kStride;
      FloatVector a00 = FloatVector.zero(SPECIES);
      FloatVector a10 = a00;
      FloatVector a20 = a00;
      FloatVector a30 = a00;
      for (int d = 0, row = qCol; d < headDim; d++, row += qStride) {
        FloatVector x0 = FloatVector.fromArray(SPECIES, qT, row);
        FloatVector y = FloatVector.broadcast(SPECIES, kRows[k0 + d]);
        a00 = y.fma(x0, a00);
        y = FloatVector.broadcast(SPECIES, kRows[k1 + d]);
        a10 = y.fma(x0, a10);
        y = FloatVector.broadcast(SPECIES, kRows[k2 + d]);
        a20 = y.fma(x0, a20);
        y = FloatVector.broadcast(SPECIES, kRows[k3 + d]);
        a30 = y.fma(x0, a30);
      }
      int o = jj * cols + c;
      a00.intoArray(s, o);
      o += cols;
      a10.intoArray(s, o);
      o += cols;
      a20.intoArray(s, o);
      o += cols;
      a30.intoArray(s, o);
    }
    scoresTail(kRows, kOff, kStride, jj, nk, qT, qStride, qCol, headDim, s, cols, c, 1);
  }

  /**
   * o[(d + r) * cols + c + t * LANES] = (sum_jj v[key jj, d + r] * p[jj * cols + c + t * LANES]) /
   * sums[c + t * LANES] for four head columns r and 4 vector(s) t, for every group of four head
   * columns; the last {@code headDim % 4} by {@link #contextTail}.
   */
  private static void context4x4(
      float[] vRows,
      int vOff,
      int vStride,
      int nk,
      float[] p,
      int cols,
      int c,
      int sums,
      int headDim,
      int oOff) {
    FloatVector sum0 = FloatVector.fromArray(SPECIES, p, sums + c);
    FloatVector sum1 = FloatVector.fromArray(SPECIES, p, sums + c + LANES);
    FloatVector sum2 = FloatVector.fromArray(SPECIES, p, sums + c + 2 * LANES);
    FloatVector sum3 = FloatVector.fromArray(SPECIES, p, sums + c + 3 * LANES);
    int d = 0;
    for (; d + 4 <= headDim; d += 4) {
      FloatVector a00 = FloatVector.zero(SPECIES);
      FloatVector a01 = a00;
      FloatVector a02 = a00;
      FloatVector a03 = a00;
      FloatVector a10 = a00;
      FloatVector a11 = a00;
      FloatVector a12 = a00;
      FloatVector a13 = a00;
      FloatVector a20 = a00;
      FloatVector a21 = a00;
      FloatVector a22 = a00;
      FloatVector a23 = a00;
      FloatVector a30 = a00;
      FloatVector a31 = a00;
      FloatVector a32 = a00;
      FloatVector a33 = a00;
      for (int jj = 0, vr = vOff + d, pr = c; jj < nk; jj++, vr += vStride, pr += cols) {
        FloatVector x0 = FloatVector.fromArray(SPECIES, p, pr);
        FloatVector x1 = FloatVector.fromArray(SPECIES, p, pr + LANES);
        FloatVector x2 = FloatVector.fromArray(SPECIES, p, pr + 2 * LANES);
        FloatVector x3 = FloatVector.fromArray(SPECIES, p, pr + 3 * LANES);
        FloatVector y = FloatVector.broadcast(SPECIES, vRows[vr]);
        a00 = y.fma(x0, a00);
        a01 = y.fma(x1, a01);
        a02 = y.fma(x2, a02);
        a03 = y.fma(x3, a03);
        y = FloatVector.broadcast(SPECIES, vRows[vr + 1]);
        a10 = y.fma(x0, a10);
        a11 = y.fma(x1, a11);
        a12 = y.fma(x2, a12);
        a13 = y.fma(x3, a13);
        y = FloatVector.broadcast(SPECIES, vRows[vr + 2]);
        a20 = y.fma(x0, a20);
        a21 = y.fma(x1, a21);
        a22 = y.fma(x2, a22);
        a23 = y.fma(x3, a23);
        y = FloatVector.broadcast(SPECIES, vRows[vr + 3]);
        a30 = y.fma(x0, a30);
        a31 = y.fma(x1, a31);
        a32 = y.fma(x2, a32);
        a33 = y.fma(x3, a33);
      }
      int o = oOff + d * cols + c;
      a00.div(sum0).intoArray(p, o);
      a01.div(sum1).intoArray(p, o + LANES);
      a02.div(sum2).intoArray(p, o + 2 * LANES);
      a03.div(sum3).intoArray(p, o + 3 * LANES);
      o += cols;
      a10.div(sum0).intoArray(p, o);
      a11.div(sum1).intoArray(p, o + LANES);
      a12.div(sum2).intoArray(p, o + 2 * LANES);
      a13.div(sum3).intoArray(p, o + 3 * LANES);
      o += cols;
      a20.div(sum0).intoArray(p, o);
      a21.div(sum1).intoArray(p, o + LANES);
      a22.div(sum2).intoArray(p, o + 2 * LANES);
      a23.div(sum3).intoArray(p, o + 3 * LANES);
      o += cols;
      a30.div(sum0).intoArray(p, o);
      a31.div(sum1).intoArray(p, o + LANES);
      a32.div(sum2).intoArray(p, o + 2 * LANES);
      a33.div(sum3).intoArray(p, o + 3 * LANES);
    }
    contextTail(vRows, vOff, vStride, nk, p, cols, c, sums, d, headDim, oOff, 4);
  }

  /**
   * o[(d + r) * cols + c + t * LANES] = (sum_jj v[key jj, d + r] * p[jj * cols + c + t * LANES]) /
   * sums[c + t * LANES] for four head columns r and 2 vector(s) t, for every group of four head
   * columns; the last {@code headDim % 4} by {@link #contextTail}.
   */
  private static void context4x2(
      float[] vRows,
      int vOff,
      int vStride,
      int nk,
      float[] p,
      int cols,
      int c,
      int sums,
      int headDim,
      int oOff) {
    FloatVector sum0 = FloatVector.fromArray(SPECIES, p, sums + c);
    FloatVector sum1 = FloatVector.fromArray(SPECIES, p, sums + c + LANES);
    int d = 0;
    for (; d + 4 <= headDim; d += 4) {
      FloatVector a00 = FloatVector.zero(SPECIES);
      FloatVector a01 = a00;
      FloatVector a10 = a00;
      FloatVector a11 = a00;
      FloatVector a20 = a00;
      FloatVector a21 = a00;
      FloatVector a30 = a00;
      FloatVector a31 = a00;
      for (int jj = 0, vr = vOff + d, pr = c; jj < nk; jj++, vr += vStride, pr += cols) {
        FloatVector x0 = FloatVector.fromArray(SPECIES, p, pr);
        FloatVector x1 = FloatVector.fromArray(SPECIES, p, pr + LANES);
        FloatVector y = FloatVector.broadcast(SPECIES, vRows[vr]);
        a00 = y.fma(x0, a00);
        a01 = y.fma(x1, a01);
        y = FloatVector.broadcast(SPECIES, vRows[vr + 1]);
        a10 = y.fma(x0, a10);
        a11 = y.fma(x1, a11);
        y = FloatVector.broadcast(SPECIES, vRows[vr + 2]);
        a20 = y.fma(x0, a20);
        a21 = y.fma(x1, a21);
        y = FloatVector.broadcast(SPECIES, vRows[vr + 3]);
        a30 = y.fma(x0, a30);
        a31 = y.fma(x1, a31);
      }
      int o = oOff + d * cols + c;
      a00.div(sum0).intoArray(p, o);
      a01.div(sum1).intoArray(p, o + LANES);
      o += cols;
      a10.div(sum0).intoArray(p, o);
      a11.div(sum1).intoArray(p, o + LANES);
      o += cols;
      a20.div(sum0).intoArray(p, o);
      a21.div(sum1).intoArray(p, o + LANES);
      o += cols;
      a30.div(sum0).intoArray(p, o);
      a31.div(sum1).intoArray(p, o + LANES);
    }
    contextTail(vRows, vOff, vStride, nk, p, cols, c, sums, d, headDim, oOff, 2);
  }

  /**
   * o[(d + r) * cols + c + t * LANES] = (sum_jj v[key jj, d + r] * p[jj * cols + c + t * LANES]) /
   * sums[c + t * LANES] for four head columns r and 1 vector(s) t, for every group of four head
   * columns; the last {@code headDim % 4} by {@link #contextTail}.
   */
  private static void context4x1(
      float[] vRows,
      int vOff,
      int vStride,
      int nk,
      float[] p,
      int cols,
      int c,
      int sums,
      int headDim,
      int oOff) {
    FloatVector sum0 = FloatVector.fromArray(SPECIES, p, sums + c);
    int d = 0;
    for (; d + 4 <= headDim; d += 4) {
      FloatVector a00 = FloatVector.zero(SPECIES);
      FloatVector a10 = a00;
      FloatVector a20 = a00;
      FloatVector a30 = a00;
      for (int jj = 0, vr = vOff + d, pr = c; jj < nk; jj++, vr += vStride, pr += cols) {
        FloatVector x0 = FloatVector.fromArray(SPECIES, p, pr);
        FloatVector y = FloatVector.broadcast(SPECIES, vRows[vr]);
        a00 = y.fma(x0, a00);
        y = FloatVector.broadcast(SPECIES, vRows[vr + 1]);
        a10 = y.fma(x0, a10);
        y = FloatVector.broadcast(SPECIES, vRows[vr + 2]);
        a20 = y.fma(x0, a20);
        y = FloatVector.broadcast(SPECIES, vRows[vr + 3]);
        a30 = y.fma(x0, a30);
      }
      int o = oOff + d * cols + c;
      a00.div(sum0).intoArray(p, o);
      o += cols;
      a10.div(sum0).intoArray(p, o);
      o += cols;
      a20.div(sum0).intoArray(p, o);
      o += cols;
      a30.div(sum0).intoArray(p, o);
    }
    contextTail(vRows, vOff, vStride, nk, p, cols, c, sums, d, headDim, oOff, 1);
  }
}
