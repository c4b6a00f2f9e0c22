package io.github.mezo4j.core.optim;

import io.github.mezo4j.core.noise.Bf16Rounding;
import io.github.mezo4j.core.noise.Directions;
import io.github.mezo4j.core.noise.GaussianNoise;
import io.github.mezo4j.core.noise.Perturbation;
import io.github.mezo4j.core.noise.StochasticRounding;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.BFloat16;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import java.util.List;
import java.util.Objects;

/**
 * A {@link ZoTransform} bound to one trainable {@link ParameterSet}: holds the transform's state
 * and the update count, and applies updates in one fused pass over the weights.
 *
 * <p>An update pass with seeds {@code s_1..s_n} and projected gradients {@code g_1..g_n} walks the
 * parameters in fixed chunks of {@value #CHUNK} elements. For each chunk it
 *
 * <ol>
 *   <li>regenerates {@code z_k = z(s_k)} and, if asked, first undoes the estimator's last
 *       perturbation, {@code theta += restoreScale * z_n} (so restore and update are one pass, and
 *       a two-sided step costs 3 passes over the weights, not 4);
 *   <li>forms the implicit gradient {@code u = sum_k (g_k / n) z_k} in f32, k in order;
 *   <li>lets the transform turn {@code u} into the update (and advance its state);
 *   <li>stores {@code theta + u} (rounded to bf16 for bf16 parameters, to nearest or {@linkplain
 *       Bf16Rounding#STOCHASTIC stochastically}).
 * </ol>
 *
 * <p>Stochastic rounding of update {@code count} with seeds {@code s_1..s_n} uses the {@link
 * StochasticRounding} stream with key {@code s_1 ^ (count * 0x9E3779B97F4A7C15)}, the parameter's
 * id as stream, and pass 0 for {@link #update}, 1, 2, ... for the {@link #reapply} calls that
 * follow it: a pure function of the step, so replay rounds the same way.
 *
 * <p>The directions {@code z_k} are those of a {@link Directions} (Gaussian by default). With a
 * magnitude mask, the mask is read from the chunk's values before the update: a masked-out element
 * gets {@code u = 0} into the transform and is stored unchanged whatever the transform returns
 * (weight decay included), so it never moves. A mask needs {@code restoreScale == 0} and no {@link
 * #reapply}: both would read the mask from weights the estimate or the update moved.
 *
 * <p>Chunk boundaries and the order of every sum are fixed, so the result is bit-identical for any
 * number of threads. Replaying the same calls with the same arguments reproduces the parameters and
 * state bit for bit.
 *
 * <p>Memory: the transform's state ({@link #stateBytes()}) plus three f32 chunks of scratch per
 * thread.
 */
public final class ZoUpdater {
  /** Elements per chunk: the unit of parallel work, independent of the thread count. */
  public static final int CHUNK = 8192;

  private static final ThreadLocal<float[][]> SCRATCH =
      ThreadLocal.withInitial(() -> new float[3][CHUNK]);
  private static final ThreadLocal<int[]> WORDS = ThreadLocal.withInitial(() -> new int[4]);

  private final ZoTransform transform;
  private final List<Parameter> params;
  private final ZoTransform.State state;
  private final long stateBytes;
  private final int[] taskParam;
  private final int[] taskStart;
  private final Bf16Rounding rounding;
  private final Directions directions;
  private long count;
  private int reapplies;

  /**
   * Binds {@code transform} to {@code params} and creates its state ({@link ZoTransform#init}).
   *
   * @throws IllegalArgumentException if {@code params} is empty
   */
  public ZoUpdater(ZoTransform transform, ParameterSet params) {
    this(transform, params, Bf16Rounding.NEAREST);
  }

  /**
   * Binds {@code transform} to {@code params}, rounding bf16 parameters with {@code rounding}.
   *
   * @throws IllegalArgumentException if {@code params} is empty
   */
  public ZoUpdater(ZoTransform transform, ParameterSet params, Bf16Rounding rounding) {
    this(transform, params, rounding, Directions.gaussian());
  }

  /**
   * Binds {@code transform} to {@code params}, rounding bf16 parameters with {@code rounding}, with
   * the directions {@code directions}.
   *
   * @throws IllegalArgumentException if {@code params} is empty
   */
  public ZoUpdater(
      ZoTransform transform, ParameterSet params, Bf16Rounding rounding, Directions directions) {
    this.rounding = Objects.requireNonNull(rounding, "rounding");
    this.directions = Objects.requireNonNull(directions, "directions");
    if (transform == null) {
      throw new IllegalArgumentException("optimizer transform must not be null");
    }
    if (params.isEmpty()) {
      throw new IllegalArgumentException(
          "the trainable ParameterSet is empty: the selection chose no parameters");
    }
    this.transform = transform;
    this.params = params.list();
    this.state = transform.init(params);
    this.stateBytes = transform.stateBytes(params);
    int tasks = 0;
    for (Parameter p : this.params) {
      tasks += (p.size() + CHUNK - 1) / CHUNK;
    }
    taskParam = new int[tasks];
    taskStart = new int[tasks];
    int t = 0;
    for (int i = 0; i < this.params.size(); i++) {
      for (int start = 0; start < this.params.get(i).size(); start += CHUNK) {
        taskParam[t] = i;
        taskStart[t] = start;
        t++;
      }
    }
  }

  /** The transform that turns each step's gradient coefficients into updates. */
  public ZoTransform transform() {
    return transform;
  }

  /** The transform's state (for checkpointing and inspection). */
  public ZoTransform.State state() {
    return state;
  }

  /** How bf16 parameters are rounded on store. */
  public Bf16Rounding rounding() {
    return rounding;
  }

  /** The directions the updates are made of. */
  public Directions directions() {
    return directions;
  }

  /** Extra memory held by the optimizer state, in bytes. */
  public long stateBytes() {
    return stateBytes;
  }

  /** Updates applied so far; the next update has this index. */
  public long count() {
    return count;
  }

  /**
   * Applies one update: {@code theta += restoreScale * z(seeds[n-1])} fused with {@code theta +=
   * T(sum_k (grads[k] / n) z(seeds[k]))}, then advances the count.
   *
   * @param restoreScale the scale that undoes the estimator's last perturbation, 0 for none
   * @throws IllegalArgumentException for mismatched or empty arrays, a non-finite gradient, or a
   *     value the transform rejects (checked before any parameter is touched)
   */
  public void update(long[] seeds, double[] grads, float restoreScale, Workers workers) {
    if (restoreScale != 0f && directions.isMasked()) {
      throw new IllegalArgumentException(
          "a magnitude mask is read from the weights: restoring an in-place perturbation in the"
              + " update would read it from perturbed ones (use PerturbationMode.VIRTUAL)");
    }
    float[] coef = coefficients(seeds, grads);
    transform.checkStep(count);
    pass(seeds, coef, restoreScale, 1f, count, 0, workers);
    count++;
    reapplies = 0;
  }

  /**
   * Runs the checks {@link #update} makes before touching any parameter, without updating.
   *
   * @throws IllegalArgumentException as {@link #update} would
   */
  public void check(long[] seeds, double[] grads) {
    coefficients(seeds, grads);
    transform.checkStep(count);
  }

  /**
   * Adds {@code factor} times the last update again ({@code theta += factor * T(...)}), without
   * touching the state or the count: how the conservative rule moves between its candidates.
   *
   * @throws IllegalStateException if the transform has state or reads parameters, or no update has
   *     been applied yet
   */
  public void reapply(long[] seeds, double[] grads, float factor, Workers workers) {
    if (!isReapplicable(transform)) {
      throw new IllegalStateException(
          "transform " + transform.spec() + " has state or reads parameters; cannot reapply");
    }
    if (count == 0) {
      throw new IllegalStateException("no update to reapply yet");
    }
    if (directions.isMasked()) {
      throw new IllegalStateException(
          "cannot reapply an update under a magnitude mask: the mask would be read from the"
              + " updated weights");
    }
    if (reapplies == StochasticRounding.MAX_PASS) {
      throw new IllegalStateException("too many reapplies of one update: " + reapplies);
    }
    reapplies++;
    pass(seeds, coefficients(seeds, grads), 0f, factor, count - 1, reapplies, workers);
  }

  /** True if {@link #reapply} works with {@code t}: no state and no reads of the parameters. */
  public static boolean isReapplicable(ZoTransform t) {
    return t.stateBuffers() == 0 && !t.readsParams();
  }

  private static float[] coefficients(long[] seeds, double[] grads) {
    if (seeds.length == 0 || seeds.length != grads.length) {
      throw new IllegalArgumentException(
          "need one projected gradient per seed, got %d seeds and %d gradients"
              .formatted(seeds.length, grads.length));
    }
    int n = seeds.length;
    float[] coef = new float[n];
    for (int k = 0; k < n; k++) {
      if (!Double.isFinite(grads[k])) {
        throw new IllegalArgumentException(
            "projected gradient %d (seed %d) is %s; expected a finite number"
                .formatted(k, seeds[k], grads[k]));
      }
      coef[k] = (float) (grads[k] / n);
    }
    return coef;
  }

  private void pass(
      long[] seeds,
      float[] coef,
      float restoreScale,
      float factor,
      long cnt,
      int roundingPass,
      Workers workers) {
    float[] fused = fusedFactors(transform, seeds, coef, restoreScale, factor, cnt);
    workers.parallelFor(
        taskParam.length,
        t -> {
          Parameter p = params.get(taskParam[t]);
          if (fused != null && p.dtype() == DType.F32) {
            int start = taskStart[t];
            Perturbation.addNoiseProduct(
                p.f32Data(),
                start,
                Math.min(CHUNK, p.size() - start),
                seeds[0],
                p.id(),
                fused,
                directions.distribution(),
                directions.threshold(p));
          } else {
            chunk(taskParam[t], taskStart[t], seeds, coef, restoreScale, factor, cnt, roundingPass);
          }
        });
  }

  /**
   * The factors of a single-pass update, {@code theta + (z * (g/n)) * s_1 * ...}, when the step is
   * that simple: one seed, nothing to restore, no reapply factor, and a transform that only
   * multiplies by constants (SGD: a learning rate, optionally fixed scales; at most two of them).
   * Null otherwise, and the general chunk path runs. Both paths round the same operations in the
   * same order, so they store the same bits.
   */
  static float[] fusedFactors(
      ZoTransform transform,
      long[] seeds,
      float[] coef,
      float restoreScale,
      float factor,
      long cnt) {
    if (seeds.length != 1 || restoreScale != 0f || factor != 1f) {
      return null;
    }
    float[] scales = new float[2];
    int n = scales(transform, cnt, scales, 0);
    if (n < 0) {
      return null;
    }
    float[] factors = new float[1 + n];
    factors[0] = coef[0];
    System.arraycopy(scales, 0, factors, 1, n);
    return factors;
  }

  /**
   * Writes the constant factors {@code t} multiplies updates by at update {@code cnt} into {@code
   * out[at..]}, in the order its {@code update} applies them; returns how many, or -1 if {@code t}
   * does more than multiply or they do not fit.
   */
  private static int scales(ZoTransform t, long cnt, float[] out, int at) {
    switch (t) {
      case BuiltInTransforms.ScaleByLearningRate lr -> {
        if (at >= out.length) {
          return -1;
        }
        out[at] = (float) -lr.lr().value(cnt); // as ScaleByLearningRate.update computes it
        return 1;
      }
      case BuiltInTransforms.Scale scale -> {
        if (at >= out.length) {
          return -1;
        }
        out[at] = (float) scale.factor();
        return 1;
      }
      case BuiltInTransforms.Chain chain -> {
        int n = 0;
        for (ZoTransform part : chain.parts()) {
          int k = scales(part, cnt, out, at + n);
          if (k < 0) {
            return -1;
          }
          n += k;
        }
        return n;
      }
      default -> {
        return -1;
      }
    }
  }

  /** The key of the stochastic rounding stream of update {@code cnt}. */
  static long roundingKey(long firstSeed, long cnt) {
    return firstSeed ^ (cnt * 0x9E3779B97F4A7C15L);
  }

  private void chunk(
      int index,
      int start,
      long[] seeds,
      float[] coef,
      float restoreScale,
      float factor,
      long cnt,
      int roundingPass) {
    Parameter p = params.get(index);
    int len = Math.min(CHUNK, p.size() - start);
    float[][] scratch = SCRATCH.get();
    float[] theta = scratch[0];
    float[] z = scratch[1];
    float[] u = scratch[2];
    p.read(start, theta, 0, len);
    int last = seeds.length - 1;
    if (last == 0 && restoreScale == 0f && !directions.isRademacher()) {
      // u = (g/n) z made by the noise pass itself: the same product as the loop below
      GaussianNoise.fillProduct(seeds[0], p.id(), start, new float[] {coef[0]}, u, 0, len);
    } else {
      for (int k = 0; k <= last; k++) {
        directions.fill(seeds[k], p.id(), start, z, 0, len);
        if (k == last && restoreScale != 0f) {
          for (int i = 0; i < len; i++) {
            theta[i] += restoreScale * z[i];
          }
        }
        float c = coef[k];
        if (k == 0) {
          for (int i = 0; i < len; i++) {
            u[i] = c * z[i];
          }
        } else {
          for (int i = 0; i < len; i++) {
            u[i] += c * z[i];
          }
        }
      }
    }
    float threshold = directions.threshold(p);
    boolean masked = threshold != Directions.NO_MASK;
    if (masked) {
      for (int i = 0; i < len; i++) {
        if (!(Math.abs(theta[i]) <= threshold)) {
          u[i] = 0f;
        }
      }
    }
    transform.update(cnt, state, new ParameterChunk(index, p, start, len), u, theta);
    if (masked) {
      // outside the mask the weight stays as it is, whatever the transform made of u = 0
      for (int i = 0; i < len; i++) {
        if (!(Math.abs(theta[i]) <= threshold)) {
          u[i] = 0f;
        }
      }
    }
    if (factor == 1f) {
      for (int i = 0; i < len; i++) {
        theta[i] += u[i];
      }
    } else {
      for (int i = 0; i < len; i++) {
        theta[i] += factor * u[i];
      }
    }
    if (p.dtype() == DType.F32) {
      System.arraycopy(theta, 0, p.f32Data(), start, len);
    } else if (rounding == Bf16Rounding.STOCHASTIC) {
      StochasticRounding.round(
          theta,
          0,
          p.bf16Data(),
          start,
          len,
          roundingKey(seeds[0], cnt),
          p.id(),
          start,
          roundingPass,
          WORDS.get());
    } else {
      short[] bits = p.bf16Data();
      for (int i = 0; i < len; i++) {
        bits[start + i] = BFloat16.fromFloat(theta[i]);
      }
    }
  }
}
