package io.github.mezo4j.core.noise;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.BFloat16;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import java.util.List;
import java.util.Objects;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * In-place {@code theta[i] += scale * z(seed, stream, i)}: the one memory pass that perturbs,
 * restores and updates MeZO parameters, with the noise of {@link GaussianNoise} regenerated on the
 * fly. There is no n-sized temporary: for f32 the noise of a few Philox blocks is generated in
 * vector registers and applied at once; for bf16 it goes through a 4 KB per-thread tile.
 *
 * <h2>Rounding</h2>
 *
 * Every element, in the vector body and the scalar edges alike, becomes {@code fma(scale, z,
 * theta)}: one rounding of the exact {@code theta + scale*z}. The result is therefore a function of
 * (theta, seed, stream, index, scale) only, whatever the thread count, chunking or vector width.
 * bf16 storage is widened to f32 (exact), updated the same way, and rounded to the nearest bf16,
 * ties to even ({@link BFloat16#fromFloat}).
 *
 * <h2>Restoring</h2>
 *
 * Adding {@code +s} then {@code -s} does not always return the original float. With {@code t =
 * fma(s, z, theta)}, the restored value is {@code theta + e} rounded, where {@code |e| <= ulp(t)/2}
 * is the rounding error left in t, so {@code |restored - theta| <= ulp(t)}. Measured by {@code
 * PerturbationTest} on 2^20 weights ~ N(0, 0.02^2) with s = 1e-3: 95.4% of the elements come back
 * bit-exact, the largest drift is 0.5 ulp(t) (3.7e-9). The MeZO cycle {@code +eps, -2 eps, +eps}
 * restores 53.9% bit-exact, drift at most 1 ulp of the larger perturbed value (bound asserted: 2).
 * bf16 {@code +s, -s} drifts at most one bf16 ulp of t (95.2% exact). Callers who need bit-exact
 * restoration perturb on the fly instead ({@link #perturbedCopy}) or keep a copy.
 *
 * <h2>Parallelism</h2>
 *
 * Parameters are cut into chunks of {@link #CHUNK} elements (fixed boundaries); chunks of all
 * parameters form one task list for {@link Workers#parallelFor}.
 */
public final class Perturbation {
  private Perturbation() {}

  /** Elements per parallel task; boundaries at multiples of this, independent of thread count. */
  public static final int CHUNK = 1 << 14;

  /** Noise tile used for bf16 storage, per thread: 4 KB. */
  static final int TILE = 1024;

  private static final ThreadLocal<float[]> TILES = ThreadLocal.withInitial(() -> new float[TILE]);

  private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Integer> IS = FS.withLanes(int.class);
  private static final VectorSpecies<Short> SS =
      VectorSpecies.of(short.class, VectorShape.forBitSize(FS.length() * Short.SIZE));

  /** {@code p[i] += scale * z(seed, p.id(), i)} for every element (bf16 rounds on store). */
  public static void addScaledNoise(Parameter p, long seed, float scale, Workers workers) {
    addScaledNoise(List.of(Objects.requireNonNull(p, "p")), seed, scale, workers);
  }

  /** {@link #addScaledNoise(Parameter, long, float, Workers)} over every parameter of a set. */
  public static void addScaledNoise(ParameterSet params, long seed, float scale, Workers workers) {
    addScaledNoise(Objects.requireNonNull(params, "params").list(), seed, scale, workers);
  }

  /**
   * {@code p[i] += scale * z_i} for every element of every parameter of the set, with {@code z} the
   * {@link Directions} {@code directions} (a masked element stays unchanged; the mask is read from
   * the values before this pass).
   */
  public static void addScaledNoise(
      ParameterSet params, long seed, float scale, Directions directions, Workers workers) {
    addScaledNoise(
        Objects.requireNonNull(params, "params").list(), seed, scale, directions, workers);
  }

  private static void addScaledNoise(
      List<Parameter> params, long seed, float scale, Workers workers) {
    addScaledNoise(params, seed, scale, Directions.gaussian(), workers);
  }

  private static void addScaledNoise(
      List<Parameter> params, long seed, float scale, Directions directions, Workers workers) {
    Objects.requireNonNull(workers, "workers");
    Objects.requireNonNull(directions, "directions");
    checkScale(scale);
    // firstTask[j] = index of parameter j's first chunk in the global task list.
    int[] firstTask = new int[params.size() + 1];
    for (int j = 0; j < params.size(); j++) {
      long tasks = firstTask[j] + (params.get(j).size() + (long) CHUNK - 1) / CHUNK;
      if (tasks > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("too many elements to perturb: " + tasks + " chunks");
      }
      firstTask[j + 1] = (int) tasks;
    }
    workers.parallelFor(
        firstTask[params.size()],
        task -> {
          int j = parameterOfTask(firstTask, task);
          Parameter p = params.get(j);
          int from = (task - firstTask[j]) * CHUNK;
          int len = Math.min(CHUNK, p.size() - from);
          Directions.Distribution dist = directions.distribution();
          float threshold = directions.threshold(p);
          if (p.dtype() == DType.F32) {
            float[] data = p.f32Data();
            perturbedCopy(data, from, data, from, len, seed, p.id(), from, scale, dist, threshold);
          } else {
            addScaledNoise(p.bf16Data(), from, len, seed, p.id(), scale, dist, threshold);
          }
        });
  }

  private static int parameterOfTask(int[] firstTask, int task) {
    int lo = 0;
    int hi = firstTask.length - 2;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (firstTask[mid] <= task) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  /**
   * {@code data[i] = fma(scale, z(seed, stream, i), data[i])} for i in {@code [from, from + len)}:
   * the noise index is the array index, as for a parameter's own storage. Runs on the calling
   * thread; an engine can call it per weight tile.
   */
  public static void addScaledNoise(
      float[] data, int from, int len, long seed, long stream, float scale) {
    perturbedCopy(data, from, data, from, len, seed, stream, from, scale);
  }

  /**
   * {@code dst[dstOff + i] = fma(scale, z(seed, stream, start + i), src[srcOff + i])} for i in
   * {@code [0, len)}: the same bits {@link #addScaledNoise(float[], int, int, long, long, float)}
   * would store, written elsewhere. This lets an engine perturb weights while packing them into
   * tiles, so perturbed weights never overwrite the originals (restoring is then exact). {@code
   * src} and {@code dst} may be the same array only with {@code srcOff == dstOff}.
   */
  public static void perturbedCopy(
      float[] src,
      int srcOff,
      float[] dst,
      int dstOff,
      int len,
      long seed,
      long stream,
      long start,
      float scale) {
    Objects.requireNonNull(src, "src");
    GaussianNoise.checkRange(start, dst, dstOff, len);
    Objects.checkFromIndexSize(srcOff, len, src.length);
    checkScale(scale);
    if (src == dst && srcOff != dstOff) {
      throw new IllegalArgumentException(
          "src and dst are the same array at different offsets (" + srcOff + ", " + dstOff + ")");
    }
    int[] words = new int[4];
    float[] four = new float[4];
    long index = start;
    int i = 0;
    // Head: scalar up to the next block boundary.
    while ((index & 3) != 0 && i < len) {
      GaussianNoise.blockNormals(seed, stream, index >>> 2, words, four);
      for (int lane = (int) (index & 3); lane < 4 && i < len; lane++, i++, index++) {
        dst[dstOff + i] = Math.fma(scale, four[lane], src[srcOff + i]);
      }
    }
    int steps = (len - i) / NoiseVectors.NORMALS;
    NoiseVectors.addScaled(
        seed, stream, index >>> 2, steps, scale, src, srcOff + i, dst, dstOff + i);
    i += steps * NoiseVectors.NORMALS;
    index += (long) steps * NoiseVectors.NORMALS;
    // Tail: scalar, whole and partial blocks.
    while (i < len) {
      GaussianNoise.blockNormals(seed, stream, index >>> 2, words, four);
      for (int lane = 0; lane < 4 && i < len; lane++, i++, index++) {
        dst[dstOff + i] = Math.fma(scale, four[lane], src[srcOff + i]);
      }
    }
  }

  /**
   * {@link #perturbedCopy(float[], int, float[], int, int, long, long, long, float)} with
   * directions of {@code distribution} and a magnitude mask of threshold {@code threshold} ({@link
   * Directions#NO_MASK}: none): an element with {@code !(|src| <= threshold)} is copied unchanged.
   * Dense Gaussian directions give the same bits as the plain overload.
   */
  public static void perturbedCopy(
      float[] src,
      int srcOff,
      float[] dst,
      int dstOff,
      int len,
      long seed,
      long stream,
      long start,
      float scale,
      Directions.Distribution distribution,
      float threshold) {
    if (distribution == Directions.Distribution.GAUSSIAN && threshold == Directions.NO_MASK) {
      perturbedCopy(src, srcOff, dst, dstOff, len, seed, stream, start, scale);
      return;
    }
    Objects.requireNonNull(src, "src");
    GaussianNoise.checkRange(start, dst, dstOff, len);
    Objects.checkFromIndexSize(srcOff, len, src.length);
    checkScale(scale);
    checkThreshold(threshold);
    if (src == dst && srcOff != dstOff) {
      throw new IllegalArgumentException(
          "src and dst are the same array at different offsets (" + srcOff + ", " + dstOff + ")");
    }
    NoiseVectors.apply(
        seed,
        stream,
        start,
        len,
        NoiseVectors.FMA,
        scale,
        0f,
        0f,
        1,
        src,
        srcOff,
        dst,
        dstOff,
        null,
        0,
        distribution == Directions.Distribution.RADEMACHER,
        threshold);
  }

  /**
   * Both signs of {@link #perturbedCopy} from one generation of the noise: {@code plus[plusOff + i]
   * = fma(scale, z_i, src[srcOff + i])} and {@code minus[minusOff + i] = fma(-scale, z_i,
   * src[srcOff + i])} with {@code z_i = z(seed, stream, start + i)}, bit for bit what two {@code
   * perturbedCopy} calls with {@code +scale} and {@code -scale} write: the two weight panels of a
   * paired forward pass. {@code src} may be {@code plus} at the same offset (each element is read
   * before either store); the two outputs must not overlap.
   */
  public static void perturbedCopyPair(
      float[] src,
      int srcOff,
      float[] plus,
      int plusOff,
      float[] minus,
      int minusOff,
      int len,
      long seed,
      long stream,
      long start,
      float scale) {
    perturbedCopyPair(
        src,
        srcOff,
        plus,
        plusOff,
        minus,
        minusOff,
        len,
        seed,
        stream,
        start,
        scale,
        Directions.Distribution.GAUSSIAN,
        Directions.NO_MASK);
  }

  /**
   * {@link #perturbedCopyPair(float[], int, float[], int, float[], int, int, long, long, long,
   * float)} with directions of {@code distribution} and a magnitude mask of threshold {@code
   * threshold} ({@link Directions#NO_MASK}: none): a masked-out element is copied unchanged to both
   * outputs.
   */
  public static void perturbedCopyPair(
      float[] src,
      int srcOff,
      float[] plus,
      int plusOff,
      float[] minus,
      int minusOff,
      int len,
      long seed,
      long stream,
      long start,
      float scale,
      Directions.Distribution distribution,
      float threshold) {
    Objects.requireNonNull(src, "src");
    checkThreshold(threshold);
    Objects.requireNonNull(minus, "minus");
    GaussianNoise.checkRange(start, plus, plusOff, len);
    Objects.checkFromIndexSize(srcOff, len, src.length);
    Objects.checkFromIndexSize(minusOff, len, minus.length);
    checkScale(scale);
    if (src == plus && srcOff != plusOff) {
      throw new IllegalArgumentException(
          "src and plus are the same array at different offsets (" + srcOff + ", " + plusOff + ")");
    }
    if (plus == minus && plusOff < minusOff + len && minusOff < plusOff + len) {
      throw new IllegalArgumentException("the plus and minus ranges overlap");
    }
    if (src == minus && srcOff < minusOff + len && minusOff < srcOff + len) {
      throw new IllegalArgumentException("the src and minus ranges overlap");
    }
    NoiseVectors.apply(
        seed,
        stream,
        start,
        len,
        NoiseVectors.FMA_PAIR,
        scale,
        0f,
        0f,
        1,
        src,
        srcOff,
        plus,
        plusOff,
        minus,
        minusOff,
        distribution == Directions.Distribution.RADEMACHER,
        threshold);
  }

  /**
   * {@code data[i] = data[i] + (z_i * factors[0] * ... * factors[f-1])} for i in {@code [from, from
   * + len)}, {@code z_i = z(seed, stream, i)}: the products rounded one at a time from the left,
   * then one rounded sum. This is an SGD-style update ({@code u = (g/n) z}, scaled by the
   * optimizer's factors, added to theta) in a single pass with the noise made in registers: the
   * same bits as writing {@code u} out and adding it in separate loops. One to three factors; runs
   * on the calling thread.
   */
  public static void addNoiseProduct(
      float[] data, int from, int len, long seed, long stream, float[] factors) {
    addNoiseProduct(
        data,
        from,
        len,
        seed,
        stream,
        factors,
        Directions.Distribution.GAUSSIAN,
        Directions.NO_MASK);
  }

  /**
   * {@link #addNoiseProduct(float[], int, int, long, long, float[])} with directions of {@code
   * distribution} and a magnitude mask of threshold {@code threshold} ({@link Directions#NO_MASK}:
   * none), read from {@code data} before the update: a masked-out element stays unchanged.
   */
  public static void addNoiseProduct(
      float[] data,
      int from,
      int len,
      long seed,
      long stream,
      float[] factors,
      Directions.Distribution distribution,
      float threshold) {
    Objects.requireNonNull(data, "data");
    checkThreshold(threshold);
    GaussianNoise.checkRange(from, data, from, len);
    checkFactors(factors);
    NoiseVectors.apply(
        seed,
        stream,
        from,
        len,
        NoiseVectors.ADD_PRODUCT,
        factor(factors, 0),
        factor(factors, 1),
        factor(factors, 2),
        factors.length,
        data,
        from,
        data,
        from,
        null,
        0,
        distribution == Directions.Distribution.RADEMACHER,
        threshold);
  }

  /** Checks that there are one to three factors. */
  static void checkFactors(float[] factors) {
    Objects.requireNonNull(factors, "factors");
    if (factors.length < 1 || factors.length > 3) {
      throw new IllegalArgumentException(
          "need 1 to 3 noise factors, got " + factors.length + " factors");
    }
  }

  /** Factor {@code k}, or 1 (unused) past the end: no padded copy per call. */
  static float factor(float[] factors, int k) {
    return k < factors.length ? factors[k] : 1f;
  }

  /**
   * bf16 storage: {@code bits[i] = bf16(fma(scale, z(seed, stream, i), f32(bits[i])))} for i in
   * {@code [from, from + len)}, rounding to nearest even. Runs on the calling thread.
   */
  public static void addScaledNoise(
      short[] bits, int from, int len, long seed, long stream, float scale) {
    addScaledNoise(
        bits, from, len, seed, stream, scale, Directions.Distribution.GAUSSIAN, Directions.NO_MASK);
  }

  /**
   * bf16 storage with directions of {@code distribution} and a magnitude mask of threshold {@code
   * threshold} ({@link Directions#NO_MASK}: none), read from the stored values: a masked-out
   * element keeps its bits.
   */
  public static void addScaledNoise(
      short[] bits,
      int from,
      int len,
      long seed,
      long stream,
      float scale,
      Directions.Distribution distribution,
      float threshold) {
    Objects.requireNonNull(bits, "bits");
    Objects.checkFromIndexSize(from, len, bits.length);
    checkScale(scale);
    checkThreshold(threshold);
    boolean masked = threshold != Directions.NO_MASK;
    Directions directions = Directions.of(distribution);
    float[] tile = TILES.get();
    FloatVector scaleV = FloatVector.broadcast(FS, scale);
    for (int done = 0; done < len; done += TILE) {
      int n = Math.min(TILE, len - done);
      int base = from + done;
      directions.fill(seed, stream, base, tile, 0, n);
      if (masked) {
        for (int k = 0; k < n; k++) {
          // a zero step leaves the bits as they are: the bf16 value widens and rounds back exactly
          if (!(Math.abs(BFloat16.toFloat(bits[base + k])) <= threshold)) {
            tile[k] = 0f;
          }
        }
      }
      int j = 0;
      for (int upper = FS.loopBound(n); j < upper; j += FS.length()) {
        IntVector wide =
            (IntVector)
                ShortVector.fromArray(SS, bits, base + j).convertShape(VectorOperators.S2I, IS, 0);
        FloatVector theta = wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
        IntVector y = FloatVector.fromArray(FS, tile, j).fma(scaleV, theta).reinterpretAsInts();
        IntVector high = y.lanewise(VectorOperators.LSHR, 16);
        // Same as BFloat16.fromFloat: add 0x7FFF + lsb, keep the top half; NaN -> quiet NaN.
        IntVector rounded = y.add(high.and(1).add(0x7FFF)).lanewise(VectorOperators.LSHR, 16);
        VectorMask<Integer> nan = y.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000);
        rounded = rounded.blend(high.or(0x0040), nan);
        ((ShortVector) rounded.convertShape(VectorOperators.I2S, SS, 0)).intoArray(bits, base + j);
      }
      for (; j < n; j++) {
        bits[base + j] =
            BFloat16.fromFloat(Math.fma(scale, tile[j], BFloat16.toFloat(bits[base + j])));
      }
    }
  }

  private static void checkThreshold(float threshold) {
    if (!(threshold >= 0)) {
      throw new IllegalArgumentException("mask threshold must be >= 0, got " + threshold);
    }
  }

  private static void checkScale(float scale) {
    if (!Float.isFinite(scale)) {
      throw new IllegalArgumentException("noise scale must be finite, got " + scale);
    }
  }
}
