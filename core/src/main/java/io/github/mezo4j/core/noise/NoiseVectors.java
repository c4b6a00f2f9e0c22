package io.github.mezo4j.core.noise;

import static io.github.mezo4j.core.noise.BoxMuller.C2;
import static io.github.mezo4j.core.noise.BoxMuller.C4;
import static io.github.mezo4j.core.noise.BoxMuller.C6;
import static io.github.mezo4j.core.noise.BoxMuller.C8;
import static io.github.mezo4j.core.noise.BoxMuller.L1;
import static io.github.mezo4j.core.noise.BoxMuller.L2;
import static io.github.mezo4j.core.noise.BoxMuller.L3;
import static io.github.mezo4j.core.noise.BoxMuller.L4;
import static io.github.mezo4j.core.noise.BoxMuller.LN2_HI;
import static io.github.mezo4j.core.noise.BoxMuller.LOG_BIAS_SHIFT;
import static io.github.mezo4j.core.noise.BoxMuller.NEG_LN2_LO;
import static io.github.mezo4j.core.noise.BoxMuller.S1_HI;
import static io.github.mezo4j.core.noise.BoxMuller.S1_LO;
import static io.github.mezo4j.core.noise.BoxMuller.S3;
import static io.github.mezo4j.core.noise.BoxMuller.S5;
import static io.github.mezo4j.core.noise.BoxMuller.S7;
import static io.github.mezo4j.core.noise.BoxMuller.S9;
import static io.github.mezo4j.core.noise.BoxMuller.SQRT_HALF_BITS;
import static io.github.mezo4j.core.noise.Philox4x32.M0;
import static io.github.mezo4j.core.noise.Philox4x32.M1;
import static io.github.mezo4j.core.noise.Philox4x32.ROUNDS;
import static io.github.mezo4j.core.noise.Philox4x32.W0;
import static io.github.mezo4j.core.noise.Philox4x32.W1;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vectorized twin of the scalar noise path ({@link Philox4x32} + {@link BoxMuller}): identical
 * bits, several Philox blocks at once.
 *
 * <p>Philox runs in {@code LongVector} lanes, one block per lane, each 32-bit word zero-extended so
 * that the 32x32->64 multiply is an ordinary 64-bit lane multiply. Packing words 0|2 and 1|3 of
 * each block into one long and reinterpreting as ints puts the two Box-Muller pairs of a block in
 * neighbouring int lanes, so Box-Muller runs at full float width with no conversion. One two-vector
 * permute per output vector then interleaves cosine and sine results into index order.
 *
 * <p>The width is {@code LongVector.SPECIES_PREFERRED}; the bits do not depend on it (tested with
 * 128-, 256- and 512-bit vectors).
 */
final class NoiseVectors {
  private NoiseVectors() {}

  private static final VectorSpecies<Long> LS = LongVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Integer> IS = LS.withLanes(int.class);
  private static final VectorSpecies<Float> FS = LS.withLanes(float.class);

  /** Philox blocks generated per step (one per long lane). */
  static final int BLOCKS = LS.length();

  /** Normals generated per step: two float vectors, in index order. */
  static final int NORMALS = 4 * BLOCKS;

  private static final long MASK = 0xFFFFFFFFL;
  private static final LongVector IOTA = LongVector.zero(LS).addIndex(1);
  private static final IntVector ZIP_LO = zip(0);
  private static final IntVector ZIP_HI = zip(IS.length() / 2);

  /** Steps per batch: the word tile holds 2 int vectors per step (8 KB at 512 bits). */
  private static final int BATCH = 64;

  /** Per-thread word tile, reused across calls (engines call per small weight tile). */
  private static final ThreadLocal<int[]> WORDS =
      ThreadLocal.withInitial(() -> new int[BATCH * 2 * IS.length()]);

  // Coefficients used as vector operands of fma (the scalar overloads take two scalars only).
  private static final FloatVector ONE = FloatVector.broadcast(FS, 1f);
  private static final FloatVector C2V = FloatVector.broadcast(FS, C2);
  private static final FloatVector C4V = FloatVector.broadcast(FS, C4);
  private static final FloatVector S3V = FloatVector.broadcast(FS, S3);
  private static final FloatVector S5V = FloatVector.broadcast(FS, S5);
  private static final FloatVector S1_HI_V = FloatVector.broadcast(FS, S1_HI);
  private static final FloatVector S1_LO_V = FloatVector.broadcast(FS, S1_LO);
  private static final FloatVector L1V = FloatVector.broadcast(FS, L1);
  private static final FloatVector L2V = FloatVector.broadcast(FS, L2);
  private static final FloatVector NEG_LN2_LO_V = FloatVector.broadcast(FS, NEG_LN2_LO);
  private static final IntVector EXPONENT_BIAS = IntVector.broadcast(IS, 127 + 24);

  // Lane n of the output takes lane (first + n/2) of the cosine vector (even n) or the sine
  // vector (odd n); selectFrom indexes the sine vector as VLENGTH + i.
  private static IntVector zip(int first) {
    int[] idx = new int[IS.length()];
    for (int n = 0; n < idx.length; n++) {
      idx[n] = first + n / 2 + ((n & 1) == 0 ? 0 : idx.length);
    }
    return IntVector.fromArray(IS, idx, 0);
  }

  /**
   * Writes {@code steps * NORMALS} normals of blocks {@code [block, block + steps * BLOCKS)} to
   * {@code dst[off..]}.
   */
  static void fill(long seed, long stream, long block, int steps, float[] dst, int off) {
    run(seed, stream, block, steps, 0f, null, 0, dst, off, false);
  }

  /**
   * {@code dst[dstOff + i] = fma(scale, z_i, src[srcOff + i])} for the {@code steps * NORMALS}
   * normals of blocks {@code [block, block + steps * BLOCKS)}; src may be dst.
   */
  static void addScaled(
      long seed,
      long stream,
      long block,
      int steps,
      float scale,
      float[] src,
      int srcOff,
      float[] dst,
      int dstOff) {
    run(seed, stream, block, steps, scale, src, srcOff, dst, dstOff, true);
  }

  /** {@link #apply} mode: {@code dst = fma(a, z, src)} and {@code dst2 = fma(-a, z, src)}. */
  static final int FMA_PAIR = 0;

  /** {@link #apply} mode: {@code dst = z * a [* b [* c]]}, rounded one product at a time. */
  static final int PRODUCT = 1;

  /** {@link #apply} mode: {@code dst = src + z * a [* b [* c]]}: the product, then one sum. */
  static final int ADD_PRODUCT = 2;

  /** {@link #apply} mode: {@code dst = fma(a, z, src)}. */
  static final int FMA = 3;

  /**
   * Steps per batch of {@link #apply}: 8 (256 normals, 1 KB at 512 bits). A streaming pass (the
   * update over 90 MB of weights) alternates making noise and moving memory; short batches keep its
   * loads and stores flowing while the noise is made. Measured on the update pass over 22.6M
   * weights, 1 thread: 1.35 ns per element with 64-step batches, 1.26 with 4, 1.10-1.17 with 8,
   * 1.14-1.20 with 16 and 32.
   */
  private static final int APPLY_BATCH = 8;

  /** Per-thread normals tile of {@link #apply}: one batch of Box-Muller output. */
  private static final ThreadLocal<float[]> NORMALS_TILE =
      ThreadLocal.withInitial(() -> new float[APPLY_BATCH * NORMALS]);

  /**
   * One pass of {@code mode} over the normals {@code z_i = z(seed, stream, start + i)}, i in {@code
   * [0, len)}: for each i, {@link #storeScalar} with {@code s = srcOff + i}, {@code d = dstOff +
   * i}, {@code d2 = dst2Off + i}. The vector body makes the same operations per lane, so the bits
   * are the same. A source range may coincide with a destination range (same array and offset), not
   * overlap it otherwise. {@code factors} (1 to 3) is how many of a, b, c the product modes use.
   */
  static void apply(
      long seed,
      long stream,
      long start,
      int len,
      int mode,
      float a,
      float b,
      float c,
      int factors,
      float[] src,
      int srcOff,
      float[] dst,
      int dstOff,
      float[] dst2,
      int dst2Off) {
    apply(
        seed,
        stream,
        start,
        len,
        mode,
        a,
        b,
        c,
        factors,
        src,
        srcOff,
        dst,
        dstOff,
        dst2,
        dst2Off,
        false,
        Directions.NO_MASK);
  }

  /**
   * {@link #apply} with the directions of {@link Directions}: Rademacher signs instead of normals
   * if {@code rademacher}, and, if {@code threshold} is not {@link Directions#NO_MASK}, a magnitude
   * mask read from {@code src}: an element with {@code !(|src| <= threshold)} is stored as {@code
   * src} unchanged (the source modes only: FMA, FMA_PAIR, ADD_PRODUCT).
   */
  static void apply(
      long seed,
      long stream,
      long start,
      int len,
      int mode,
      float a,
      float b,
      float c,
      int factors,
      float[] src,
      int srcOff,
      float[] dst,
      int dstOff,
      float[] dst2,
      int dst2Off,
      boolean rademacher,
      float threshold) {
    boolean masked = threshold != Directions.NO_MASK;
    if (masked && mode == PRODUCT) {
      throw new IllegalArgumentException("a mask needs a source mode, not PRODUCT");
    }
    // scratch of the scalar edges, made only when there are edges (aligned calls allocate nothing)
    float[] four = null;
    int[] scalarWords = null;
    long index = start;
    int i = 0;
    int steps = (len - (int) Math.min(len, (4 - (index & 3)) & 3)) / NORMALS;
    if ((index & 3) != 0 || len != steps * NORMALS) {
      four = new float[4];
      scalarWords = new int[4];
    }
    // Head: scalar up to the next block boundary.
    while ((index & 3) != 0 && i < len) {
      blockValues(rademacher, seed, stream, index >>> 2, scalarWords, four);
      for (int lane = (int) (index & 3); lane < 4 && i < len; lane++, i++, index++) {
        storeScalar(
            mode,
            four[lane],
            a,
            b,
            c,
            factors,
            src,
            srcOff + i,
            dst,
            dstOff + i,
            dst2,
            dst2Off + i,
            threshold);
      }
    }
    // Body: Box-Muller into an L1 tile, then the mode's own small loop over it. Folding the modes
    // into the Box-Muller loop made C2 compile that loop worse for every caller (measured: plain
    // fill 1.03 -> 1.44 ns per normal once the other modes had run).
    int[] words = WORDS.get();
    float[] tile = NORMALS_TILE.get();
    long block = index >>> 2;
    for (int done = 0; done < steps; done += APPLY_BATCH) {
      int n = Math.min(APPLY_BATCH, steps - done);
      philox(seed, stream, block + (long) done * BLOCKS, n, words);
      if (rademacher) {
        rademacher(words, n, tile);
      } else {
        boxMuller(words, n, 0f, null, 0, tile, 0, false);
      }
      int count = n * NORMALS;
      if (masked) {
        switch (mode) {
          case FMA_PAIR ->
              fmaPairMasked(
                  tile, count, a, threshold, src, srcOff + i, dst, dstOff + i, dst2, dst2Off + i);
          case FMA -> fmaMasked(tile, count, a, threshold, src, srcOff + i, dst, dstOff + i);
          default ->
              addProductMasked(
                  tile, count, a, b, c, factors, threshold, src, srcOff + i, dst, dstOff + i);
        }
      } else {
        switch (mode) {
          case FMA_PAIR ->
              fmaPair(tile, count, a, src, srcOff + i, dst, dstOff + i, dst2, dst2Off + i);
          case FMA -> fma(tile, count, a, src, srcOff + i, dst, dstOff + i);
          case PRODUCT -> product(tile, count, a, b, c, factors, dst, dstOff + i);
          default -> addProduct(tile, count, a, b, c, factors, src, srcOff + i, dst, dstOff + i);
        }
      }
      i += count;
      index += count;
    }
    // Tail: scalar, whole and partial blocks.
    while (i < len) {
      blockValues(rademacher, seed, stream, index >>> 2, scalarWords, four);
      for (int lane = 0; lane < 4 && i < len; lane++, i++, index++) {
        storeScalar(
            mode,
            four[lane],
            a,
            b,
            c,
            factors,
            src,
            srcOff + i,
            dst,
            dstOff + i,
            dst2,
            dst2Off + i,
            threshold);
      }
    }
  }

  /** The definition of each {@link #apply} mode for one normal z. */
  static void storeScalar(
      int mode,
      float z,
      float a,
      float b,
      float c,
      int factors,
      float[] src,
      int s,
      float[] dst,
      int d,
      float[] dst2,
      int d2,
      float threshold) {
    if (threshold != Directions.NO_MASK && !(Math.abs(src[s]) <= threshold)) {
      float theta = src[s]; // outside the mask: stored unchanged
      dst[d] = theta;
      if (mode == FMA_PAIR) {
        dst2[d2] = theta;
      }
      return;
    }
    if (mode == FMA_PAIR) {
      float theta = src[s]; // read before either store: src may be dst
      dst[d] = Math.fma(a, z, theta);
      dst2[d2] = Math.fma(-a, z, theta);
      return;
    }
    if (mode == FMA) {
      dst[d] = Math.fma(a, z, src[s]);
      return;
    }
    float v = z * a;
    if (factors > 1) {
      v *= b;
    }
    if (factors > 2) {
      v *= c;
    }
    dst[d] = mode == PRODUCT ? v : src[s] + v;
  }

  private static void fmaPair(
      float[] z,
      int count,
      float a,
      float[] src,
      int srcOff,
      float[] dst,
      int dstOff,
      float[] dst2,
      int dst2Off) {
    FloatVector up = FloatVector.broadcast(FS, a);
    FloatVector down = FloatVector.broadcast(FS, -a);
    for (int i = 0; i < count; i += FS.length()) {
      FloatVector zv = FloatVector.fromArray(FS, z, i);
      FloatVector theta = FloatVector.fromArray(FS, src, srcOff + i);
      zv.fma(down, theta).intoArray(dst2, dst2Off + i);
      zv.fma(up, theta).intoArray(dst, dstOff + i);
    }
  }

  private static void fma(
      float[] z, int count, float a, float[] src, int srcOff, float[] dst, int dstOff) {
    FloatVector av = FloatVector.broadcast(FS, a);
    for (int i = 0; i < count; i += FS.length()) {
      FloatVector theta = FloatVector.fromArray(FS, src, srcOff + i);
      FloatVector.fromArray(FS, z, i).fma(av, theta).intoArray(dst, dstOff + i);
    }
  }

  /** Lanes with {@code |theta| <= threshold} (false for NaN): the elements a mask trains. */
  private static VectorMask<Float> inMask(FloatVector theta, float threshold) {
    return theta.abs().compare(VectorOperators.LE, threshold);
  }

  private static void fmaMasked(
      float[] z,
      int count,
      float a,
      float threshold,
      float[] src,
      int srcOff,
      float[] dst,
      int dstOff) {
    FloatVector av = FloatVector.broadcast(FS, a);
    for (int i = 0; i < count; i += FS.length()) {
      FloatVector theta = FloatVector.fromArray(FS, src, srcOff + i);
      FloatVector moved = FloatVector.fromArray(FS, z, i).fma(av, theta);
      theta.blend(moved, inMask(theta, threshold)).intoArray(dst, dstOff + i);
    }
  }

  private static void fmaPairMasked(
      float[] z,
      int count,
      float a,
      float threshold,
      float[] src,
      int srcOff,
      float[] dst,
      int dstOff,
      float[] dst2,
      int dst2Off) {
    FloatVector up = FloatVector.broadcast(FS, a);
    FloatVector down = FloatVector.broadcast(FS, -a);
    for (int i = 0; i < count; i += FS.length()) {
      FloatVector zv = FloatVector.fromArray(FS, z, i);
      FloatVector theta = FloatVector.fromArray(FS, src, srcOff + i);
      VectorMask<Float> m = inMask(theta, threshold);
      theta.blend(zv.fma(down, theta), m).intoArray(dst2, dst2Off + i);
      theta.blend(zv.fma(up, theta), m).intoArray(dst, dstOff + i);
    }
  }

  private static void addProductMasked(
      float[] z,
      int count,
      float a,
      float b,
      float c,
      int factors,
      float threshold,
      float[] src,
      int srcOff,
      float[] dst,
      int dstOff) {
    FloatVector av = FloatVector.broadcast(FS, a);
    FloatVector bv = FloatVector.broadcast(FS, b);
    FloatVector cv = FloatVector.broadcast(FS, c);
    for (int i = 0; i < count; i += FS.length()) {
      FloatVector v = FloatVector.fromArray(FS, z, i).mul(av);
      if (factors > 1) {
        v = v.mul(bv);
      }
      if (factors > 2) {
        v = v.mul(cv);
      }
      FloatVector theta = FloatVector.fromArray(FS, src, srcOff + i);
      theta.blend(theta.add(v), inMask(theta, threshold)).intoArray(dst, dstOff + i);
    }
  }

  /**
   * Rademacher signs of a word tile laid out as {@link #philox} writes it, in index order: lane
   * {@code k} of block {@code j} takes the top bit of word {@code k} ({@link
   * RademacherNoise#signOf}); the same zip as Box-Muller's puts words 0..3 of a block in order.
   */
  static void rademacher(int[] words, int steps, float[] dst) {
    int ints = IS.length();
    for (int step = 0; step < steps; step++) {
      IntVector even = IntVector.fromArray(IS, words, 2 * step * ints); // words 0 and 2
      IntVector odd = IntVector.fromArray(IS, words, (2 * step + 1) * ints); // words 1 and 3
      int o = step * NORMALS;
      signs(ZIP_LO.selectFrom(even, odd)).intoArray(dst, o);
      signs(ZIP_HI.selectFrom(even, odd)).intoArray(dst, o + ints);
    }
  }

  private static FloatVector signs(IntVector words) {
    return words.and(0x80000000).or(0x3f800000).reinterpretAsFloats();
  }

  /** The four values of one Philox block, scalar: Rademacher signs or normals. */
  static void blockValues(
      boolean rademacher, long seed, long stream, long block, int[] words, float[] out) {
    if (rademacher) {
      RademacherNoise.blockSigns(seed, stream, block, words, out);
    } else {
      GaussianNoise.blockNormals(seed, stream, block, words, out);
    }
  }

  private static void product(
      float[] z, int count, float a, float b, float c, int factors, float[] dst, int dstOff) {
    FloatVector av = FloatVector.broadcast(FS, a);
    FloatVector bv = FloatVector.broadcast(FS, b);
    FloatVector cv = FloatVector.broadcast(FS, c);
    for (int i = 0; i < count; i += FS.length()) {
      FloatVector v = FloatVector.fromArray(FS, z, i).mul(av);
      if (factors > 1) {
        v = v.mul(bv);
      }
      if (factors > 2) {
        v = v.mul(cv);
      }
      v.intoArray(dst, dstOff + i);
    }
  }

  private static void addProduct(
      float[] z,
      int count,
      float a,
      float b,
      float c,
      int factors,
      float[] src,
      int srcOff,
      float[] dst,
      int dstOff) {
    FloatVector av = FloatVector.broadcast(FS, a);
    FloatVector bv = FloatVector.broadcast(FS, b);
    FloatVector cv = FloatVector.broadcast(FS, c);
    for (int i = 0; i < count; i += FS.length()) {
      FloatVector v = FloatVector.fromArray(FS, z, i).mul(av);
      if (factors > 1) {
        v = v.mul(bv);
      }
      if (factors > 2) {
        v = v.mul(cv);
      }
      FloatVector.fromArray(FS, src, srcOff + i).add(v).intoArray(dst, dstOff + i);
    }
  }

  // Philox and Box-Muller run as two loops over a small word tile rather than one fused loop:
  // one loop holding both is too large for C2 to inline all Vector API calls into (it then falls
  // back to boxed vectors, ~50x slower). The tile stays in L1.
  private static void run(
      long seed,
      long stream,
      long block,
      int steps,
      float scale,
      float[] src,
      int srcOff,
      float[] dst,
      int dstOff,
      boolean add) {
    int[] words = WORDS.get();
    for (int done = 0; done < steps; done += BATCH) {
      int n = Math.min(BATCH, steps - done);
      int o = done * NORMALS;
      philox(seed, stream, block + (long) done * BLOCKS, n, words);
      boxMuller(words, n, scale, src, srcOff + o, dst, dstOff + o, add);
    }
  }

  /**
   * Philox4x32-10 of blocks {@code [block, block + steps * BLOCKS)}; per step writes two int
   * vectors to {@code words}: lanes 2j, 2j+1 of the first hold words 0 and 2 of block j (the
   * uniforms), of the second words 1 and 3 (the angles).
   */
  private static void philox(long seed, long stream, long block, int steps, int[] words) {
    int k0 = (int) seed;
    int k1 = (int) (seed >>> 32);
    LongVector c2 = LongVector.broadcast(LS, stream & MASK);
    LongVector c3 = LongVector.broadcast(LS, stream >>> 32);
    int ints = IS.length();
    // Four independent groups of blocks per iteration: one group's rounds form a serial chain of
    // multiplies, and with two chains the loop was still latency-bound (0.54 ns per normal for
    // Philox alone, four: 0.46). When steps is not a multiple of 4 the last iteration computes up
    // to three groups too many into spare tile slots (BATCH and APPLY_BATCH are multiples of
    // 4, so they exist).
    for (int step = 0; step < steps; step += 4) {
      LongVector blocksA = IOTA.add(block + (long) step * BLOCKS);
      LongVector blocksB = IOTA.add(block + (long) (step + 1) * BLOCKS);
      LongVector blocksC = IOTA.add(block + (long) (step + 2) * BLOCKS);
      LongVector blocksD = IOTA.add(block + (long) (step + 3) * BLOCKS);
      LongVector a0 = blocksA.and(MASK);
      LongVector a1 = blocksA.lanewise(VectorOperators.LSHR, 32);
      LongVector a2 = c2;
      LongVector a3 = c3;
      LongVector b0 = blocksB.and(MASK);
      LongVector b1 = blocksB.lanewise(VectorOperators.LSHR, 32);
      LongVector b2 = c2;
      LongVector b3 = c3;
      LongVector d0 = blocksC.and(MASK);
      LongVector d1 = blocksC.lanewise(VectorOperators.LSHR, 32);
      LongVector d2 = c2;
      LongVector d3 = c3;
      LongVector e0 = blocksD.and(MASK);
      LongVector e1 = blocksD.lanewise(VectorOperators.LSHR, 32);
      LongVector e2 = c2;
      LongVector e3 = c3;
      for (int round = 0; round < ROUNDS; round++) {
        long key0 = (k0 + round * W0) & MASK;
        long key1 = (k1 + round * W1) & MASK;
        LongVector pa0 = a0.mul(M0 & MASK);
        LongVector pa1 = a2.mul(M1 & MASK);
        LongVector pb0 = b0.mul(M0 & MASK);
        LongVector pb1 = b2.mul(M1 & MASK);
        LongVector pd0 = d0.mul(M0 & MASK);
        LongVector pd1 = d2.mul(M1 & MASK);
        LongVector pe0 = e0.mul(M0 & MASK);
        LongVector pe1 = e2.mul(M1 & MASK);
        a0 =
            pa1.lanewise(VectorOperators.LSHR, 32)
                .lanewise(VectorOperators.XOR, a1)
                .lanewise(VectorOperators.XOR, key0);
        a2 =
            pa0.lanewise(VectorOperators.LSHR, 32)
                .lanewise(VectorOperators.XOR, a3)
                .lanewise(VectorOperators.XOR, key1);
        a1 = pa1.and(MASK);
        a3 = pa0.and(MASK);
        b0 =
            pb1.lanewise(VectorOperators.LSHR, 32)
                .lanewise(VectorOperators.XOR, b1)
                .lanewise(VectorOperators.XOR, key0);
        b2 =
            pb0.lanewise(VectorOperators.LSHR, 32)
                .lanewise(VectorOperators.XOR, b3)
                .lanewise(VectorOperators.XOR, key1);
        b1 = pb1.and(MASK);
        b3 = pb0.and(MASK);
        d0 =
            pd1.lanewise(VectorOperators.LSHR, 32)
                .lanewise(VectorOperators.XOR, d1)
                .lanewise(VectorOperators.XOR, key0);
        d2 =
            pd0.lanewise(VectorOperators.LSHR, 32)
                .lanewise(VectorOperators.XOR, d3)
                .lanewise(VectorOperators.XOR, key1);
        d1 = pd1.and(MASK);
        d3 = pd0.and(MASK);
        e0 =
            pe1.lanewise(VectorOperators.LSHR, 32)
                .lanewise(VectorOperators.XOR, e1)
                .lanewise(VectorOperators.XOR, key0);
        e2 =
            pe0.lanewise(VectorOperators.LSHR, 32)
                .lanewise(VectorOperators.XOR, e3)
                .lanewise(VectorOperators.XOR, key1);
        e1 = pe1.and(MASK);
        e3 = pe0.and(MASK);
      }
      // Little-endian lane order: long lane j -> int lanes 2j (low half), 2j+1 (high half).
      int o = 2 * step * ints;
      a0.or(a2.lanewise(VectorOperators.LSHL, 32)).reinterpretAsInts().intoArray(words, o);
      a1.or(a3.lanewise(VectorOperators.LSHL, 32)).reinterpretAsInts().intoArray(words, o + ints);
      b0.or(b2.lanewise(VectorOperators.LSHL, 32))
          .reinterpretAsInts()
          .intoArray(words, o + 2 * ints);
      b1.or(b3.lanewise(VectorOperators.LSHL, 32))
          .reinterpretAsInts()
          .intoArray(words, o + 3 * ints);
      d0.or(d2.lanewise(VectorOperators.LSHL, 32))
          .reinterpretAsInts()
          .intoArray(words, o + 4 * ints);
      d1.or(d3.lanewise(VectorOperators.LSHL, 32))
          .reinterpretAsInts()
          .intoArray(words, o + 5 * ints);
      e0.or(e2.lanewise(VectorOperators.LSHL, 32))
          .reinterpretAsInts()
          .intoArray(words, o + 6 * ints);
      e1.or(e3.lanewise(VectorOperators.LSHL, 32))
          .reinterpretAsInts()
          .intoArray(words, o + 7 * ints);
    }
  }

  /** Length of the word tile {@link #philoxWords} needs. */
  static int wordTileLength() {
    return BATCH * 2 * IS.length();
  }

  /** Most steps one {@link #philoxWords} call takes. */
  static final int MAX_WORD_STEPS = BATCH;

  /**
   * The raw Philox4x32-10 words of blocks {@code [block, block + steps * BLOCKS)}, in the tile
   * layout of {@link #philox}: for step s and block j of it, with {@code o = 2 * s * ints} and
   * {@code ints = 2 * BLOCKS}, words 0 and 2 at {@code o + 2j, o + 2j + 1}, words 1 and 3 at {@code
   * o + ints + 2j, o + ints + 2j + 1}. The counter's high words are the stream, its low words the
   * block; {@code 1 <= steps <= MAX_WORD_STEPS}; {@code words} has {@link #wordTileLength()} ints.
   */
  static void philoxWords(long seed, long stream, long block, int steps, int[] words) {
    if (steps < 1 || steps > BATCH || words.length < wordTileLength()) {
      throw new IllegalArgumentException(
          "need 1 <= steps <= %d and a tile of %d ints, got %d and %d"
              .formatted(BATCH, wordTileLength(), steps, words.length));
    }
    philox(seed, stream, block, steps, words);
  }

  /**
   * Box-Muller alone on a word tile laid out as {@link #philox} writes it ({@code steps * NORMALS}
   * normals to {@code dst[off..]}); lets tests drive every word value through the vector code.
   */
  static void boxMuller(int[] words, int steps, float[] dst, int off) {
    boxMuller(words, steps, 0f, null, 0, dst, off, false);
  }

  /**
   * Box-Muller on the word tile (same operations as {@link BoxMuller#pair}, per lane), then either
   * stores the normals to {@code dst} or, if {@code add}, stores {@code fma(scale, z, src)}.
   */
  private static void boxMuller(
      int[] words,
      int steps,
      float scale,
      float[] src,
      int srcOff,
      float[] dst,
      int dstOff,
      boolean add) {
    int ints = IS.length();
    FloatVector scaleV = FloatVector.broadcast(FS, scale);
    for (int step = 0; step < steps; step++) {
      IntVector uWords = IntVector.fromArray(IS, words, 2 * step * ints);
      IntVector aWords = IntVector.fromArray(IS, words, (2 * step + 1) * ints);

      FloatVector r = radius(uWords);

      IntVector ma = aWords.lanewise(VectorOperators.LSHR, 8);
      IntVector quarterStart = ma.add(0x200000).and(0xFFC00000);
      FloatVector f =
          ((FloatVector) ma.sub(quarterStart).convert(VectorOperators.I2F, 0)).mul(0x1p-24f);
      IntVector q = quarterStart.lanewise(VectorOperators.LSHR, 22);
      FloatVector t = f.mul(f);
      FloatVector c = t.fma(t.fma(t.fma(t.fma(C8, C6), C4V), C2V), ONE);
      FloatVector sq = t.fma(t.fma(t.fma(S9, S7), S5V), S3V);
      FloatVector s = f.fma(S1_HI_V, f.mul(t.fma(sq, S1_LO_V)));
      VectorMask<Float> swap = q.and(1).compare(VectorOperators.NE, 0).cast(FS);
      FloatVector cosine = c.blend(s, swap);
      FloatVector sine = s.blend(c, swap);
      IntVector cosSign = q.add(1).and(2).lanewise(VectorOperators.LSHL, 30);
      IntVector sinSign = q.and(2).lanewise(VectorOperators.LSHL, 30);
      IntVector zc = r.mul(cosine).reinterpretAsInts().lanewise(VectorOperators.XOR, cosSign);
      IntVector zs = r.mul(sine).reinterpretAsInts().lanewise(VectorOperators.XOR, sinSign);

      FloatVector lo = ZIP_LO.selectFrom(zc, zs).reinterpretAsFloats();
      FloatVector hi = ZIP_HI.selectFrom(zc, zs).reinterpretAsFloats();
      int o = step * NORMALS;
      if (add) {
        lo = lo.fma(scaleV, FloatVector.fromArray(FS, src, srcOff + o));
        hi = hi.fma(scaleV, FloatVector.fromArray(FS, src, srcOff + o + ints));
      }
      lo.intoArray(dst, dstOff + o);
      hi.intoArray(dst, dstOff + o + ints);
    }
  }

  /** Same operations as {@link BoxMuller#radius} and {@link BoxMuller#negLogUniform}, per lane. */
  private static FloatVector radius(IntVector words) {
    FloatVector m =
        (FloatVector)
            words.lanewise(VectorOperators.LSHR, 8).add(1).convert(VectorOperators.I2F, 0);
    IntVector bits = m.reinterpretAsInts().add(LOG_BIAS_SHIFT);
    FloatVector kNeg =
        (FloatVector)
            EXPONENT_BIAS
                .sub(bits.lanewise(VectorOperators.LSHR, 23))
                .convert(VectorOperators.I2F, 0);
    FloatVector x = bits.and(0x007FFFFF).add(SQRT_HALF_BITS).reinterpretAsFloats();
    FloatVector f = x.sub(1f);
    FloatVector s = f.div(f.add(2f));
    FloatVector z = s.mul(s);
    FloatVector rz = z.mul(z.fma(z.fma(z.fma(L4, L3), L2V), L1V));
    FloatVector hfsq = f.mul(0.5f).mul(f);
    FloatVector lo = kNeg.fma(NEG_LN2_LO_V, s.mul(hfsq.add(rz)));
    FloatVector negLn = kNeg.mul(LN2_HI).add(hfsq.sub(lo).sub(f));
    return negLn.mul(2f).sqrt();
  }
}
