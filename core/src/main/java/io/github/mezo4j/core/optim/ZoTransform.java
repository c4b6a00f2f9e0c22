package io.github.mezo4j.core.optim;

import io.github.mezo4j.core.param.ParameterSet;

/**
 * A zeroth-order gradient transformation in the spirit of optax's {@code GradientTransformation}:
 * {@link #init} creates the state, {@link #update} maps incoming updates to outgoing ones, and
 * transforms {@linkplain Optimizers#chain chain}.
 *
 * <p>MeZO's gradient is implicit: the projected gradient {@code g} times the noise {@code z}, which
 * is regenerated from its seed and never stored whole. So an update pass walks the trainable
 * parameters chunk by chunk; for each chunk it regenerates {@code z}, forms the implicit gradient
 * {@code g * z}, hands it to {@link #update} (which rewrites it in place into the update), and adds
 * the result to the parameters. Memory-free transforms therefore cost nothing beyond one chunk of
 * scratch; stateful ones ({@linkplain Optimizers#momentum momentum}, {@linkplain
 * Optimizers#scaleByAdam Adam}) hold {@link #stateBuffers()} f32 buffers the size of the trainable
 * parameters.
 *
 * <p>Like optax, the final update is <em>added</em> to the parameters, so a descent chain ends with
 * {@link Optimizers#scaleByLearningRate}, which multiplies by {@code -lr}.
 *
 * <p>Determinism: {@link #update} must depend only on its arguments and the chunk's own slice of
 * state, so results do not depend on how chunks are spread over threads.
 */
public interface ZoTransform {

  /** Per-transform state; each transform defines its own. */
  interface State {}

  /** Creates the state for {@code params} (the trainable set; its order fixes chunk indices). */
  State init(ParameterSet params);

  /**
   * Checks, before a pass touches any parameter, that the update with index {@code count} can be
   * made (for example that the learning rate is finite), so that a bad value never leaves a
   * half-updated model.
   *
   * @throws IllegalArgumentException naming the bad value
   */
  default void checkStep(long count) {}

  /**
   * Transforms {@code updates[0, chunk.length())} in place for one chunk.
   *
   * @param count the number of updates applied before this one (0 for the first)
   * @param state this transform's state from {@link #init}
   * @param chunk which elements these are
   * @param updates the incoming updates (the implicit gradient for the first transform of a chain);
   *     overwritten with the outgoing updates
   * @param params the current parameter values of the chunk (read-only)
   */
  void update(long count, State state, ParameterChunk chunk, float[] updates, float[] params);

  /** Number of f32 buffers, each the size of the trainable parameters, the state holds. */
  int stateBuffers();

  /**
   * True if {@link #update} reads {@code params} (weight decay); such transforms cannot be used
   * with the conservative update rule, which re-derives updates after the parameters moved.
   */
  default boolean readsParams() {
    return false;
  }

  /**
   * A description written into the step log; for built-in transforms {@link
   * OptimizerSpec#parse(String)} turns it back into an equal transform.
   */
  String spec();

  /** Extra memory, in bytes, the state costs for {@code params}: {@code 4 * stateBuffers * n}. */
  default long stateBytes(ParameterSet params) {
    return 4L * stateBuffers() * params.elementCount();
  }
}
