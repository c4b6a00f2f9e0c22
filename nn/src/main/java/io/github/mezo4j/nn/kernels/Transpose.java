package io.github.mezo4j.nn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Transposes 8 x 8 float tiles in registers (three butterfly stages of two-vector shuffles on
 * 256-bit vectors), for packing weight panels: several times faster than a scalar loop. Needs
 * preferred vectors of at least 8 floats (AVX2, AVX-512): check {@link #SUPPORTED}.
 *
 * <p>A 16 x 16 form on 512-bit vectors was used before; it has four times the vector operations in
 * one method, and inlined into the encoder's packing C2 compiled part of it as out-of-line (boxed)
 * calls: 18% of a batch-1 forward pass. The 8 x 8 form compiles inline everywhere.
 */
final class Transpose {
  private Transpose() {}

  /** Whether the preferred vectors hold at least 8 floats, the tile width. */
  static final boolean SUPPORTED = VectorMath.LANES >= 8;

  // Stage with block b (4, 2, 1) turns rows (i, i + b), (i & b) == 0, into
  // lo[t] = (t & b) == 0 ? r_i[t] : r_{i+b}[t - b] and hi[t] = (t & b) == 0 ? r_i[t + b] :
  // r_{i+b}[t]. Negative shuffle indexes select lane (index + 8) of the second vector.
  private static final VectorSpecies<Float> S8 = FloatVector.SPECIES_256;
  private static final VectorShuffle<Float> LO4_8 = lo8(4);
  private static final VectorShuffle<Float> HI4_8 = hi8(4);
  private static final VectorShuffle<Float> LO2_8 = lo8(2);
  private static final VectorShuffle<Float> HI2_8 = hi8(2);
  private static final VectorShuffle<Float> LO1_8 = lo8(1);
  private static final VectorShuffle<Float> HI1_8 = hi8(1);

  private static VectorShuffle<Float> lo8(int b) {
    return VectorShuffle.fromOp(S8, t -> (t & b) == 0 ? t : t - b - 8);
  }

  private static VectorShuffle<Float> hi8(int b) {
    return VectorShuffle.fromOp(S8, t -> (t & b) == 0 ? t + b : t - 8);
  }

  /**
   * {@code dst[dstOff + c * dstStride + r] = src[srcOff + r * srcStride + c]} for r, c in [0, 8).
   */
  static void tile8(
      float[] src, int srcOff, int srcStride, float[] dst, int dstOff, int dstStride) {
    FloatVector r0 = FloatVector.fromArray(S8, src, srcOff);
    FloatVector r1 = FloatVector.fromArray(S8, src, srcOff + srcStride);
    FloatVector r2 = FloatVector.fromArray(S8, src, srcOff + 2 * srcStride);
    FloatVector r3 = FloatVector.fromArray(S8, src, srcOff + 3 * srcStride);
    FloatVector r4 = FloatVector.fromArray(S8, src, srcOff + 4 * srcStride);
    FloatVector r5 = FloatVector.fromArray(S8, src, srcOff + 5 * srcStride);
    FloatVector r6 = FloatVector.fromArray(S8, src, srcOff + 6 * srcStride);
    FloatVector r7 = FloatVector.fromArray(S8, src, srcOff + 7 * srcStride);
    FloatVector t0 = r0.rearrange(LO4_8, r4);
    FloatVector t4 = r0.rearrange(HI4_8, r4);
    FloatVector t1 = r1.rearrange(LO4_8, r5);
    FloatVector t5 = r1.rearrange(HI4_8, r5);
    FloatVector t2 = r2.rearrange(LO4_8, r6);
    FloatVector t6 = r2.rearrange(HI4_8, r6);
    FloatVector t3 = r3.rearrange(LO4_8, r7);
    FloatVector t7 = r3.rearrange(HI4_8, r7);
    r0 = t0.rearrange(LO2_8, t2);
    r2 = t0.rearrange(HI2_8, t2);
    r1 = t1.rearrange(LO2_8, t3);
    r3 = t1.rearrange(HI2_8, t3);
    r4 = t4.rearrange(LO2_8, t6);
    r6 = t4.rearrange(HI2_8, t6);
    r5 = t5.rearrange(LO2_8, t7);
    r7 = t5.rearrange(HI2_8, t7);
    r0.rearrange(LO1_8, r1).intoArray(dst, dstOff);
    r0.rearrange(HI1_8, r1).intoArray(dst, dstOff + dstStride);
    r2.rearrange(LO1_8, r3).intoArray(dst, dstOff + 2 * dstStride);
    r2.rearrange(HI1_8, r3).intoArray(dst, dstOff + 3 * dstStride);
    r4.rearrange(LO1_8, r5).intoArray(dst, dstOff + 4 * dstStride);
    r4.rearrange(HI1_8, r5).intoArray(dst, dstOff + 5 * dstStride);
    r6.rearrange(LO1_8, r7).intoArray(dst, dstOff + 6 * dstStride);
    r6.rearrange(HI1_8, r7).intoArray(dst, dstOff + 7 * dstStride);
  }
}
