package io.github.mezo4j.core.optim;

/**
 * A learning-rate schedule: the learning rate as a function of {@code count}, the number of updates
 * applied before this one (0 for the first update), as in optax. Skipped steps (a non-finite loss
 * under {@code NanPolicy.SKIP}) apply no update and so do not advance the count.
 *
 * <p>Every schedule has a {@link #spec()} string, written to the step log so that a run can be
 * replayed; {@link OptimizerSpec#parseSchedule(String)} reads it back.
 *
 * <pre>{@code
 * Schedule lr = Schedule.warmup(100, Schedule.cosineDecay(1e-3, 10_000, 0.0));
 * }</pre>
 */
public interface Schedule {

  /** The learning rate for the update with index {@code count} (>= 0). */
  double value(long count);

  /** A description that {@link OptimizerSpec#parseSchedule(String)} turns back into this. */
  String spec();

  /** The same rate for every update. */
  static Schedule constant(double lr) {
    return new BuiltInSchedules.Constant(BuiltInSchedules.checkRate("lr", lr));
  }

  /**
   * Linear interpolation from {@code init} at count 0 to {@code end} at count {@code
   * transitionSteps}, then {@code end} (optax's linear_schedule).
   */
  static Schedule linearDecay(double init, double end, long transitionSteps) {
    BuiltInSchedules.checkRate("init", init);
    BuiltInSchedules.checkRate("end", end);
    BuiltInSchedules.checkSteps("transitionSteps", transitionSteps, 1);
    return new BuiltInSchedules.Linear(init, end, transitionSteps);
  }

  /**
   * Cosine decay from {@code init} to {@code alpha * init} over {@code decaySteps}, then constant
   * (optax's cosine_decay_schedule): {@code init * (alpha + (1 - alpha) * (1 + cos(pi * min(count,
   * decaySteps) / decaySteps)) / 2)}.
   */
  static Schedule cosineDecay(double init, long decaySteps, double alpha) {
    BuiltInSchedules.checkRate("init", init);
    BuiltInSchedules.checkSteps("decaySteps", decaySteps, 1);
    if (!(alpha >= 0 && alpha <= 1)) {
      throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
    }
    return new BuiltInSchedules.Cosine(init, decaySteps, alpha);
  }

  /**
   * Linear warm-up in front of another schedule: for {@code count < warmupSteps} the rate is {@code
   * after.value(0) * (count + 1) / warmupSteps} (never 0, so no step's forward passes are wasted);
   * afterwards {@code after.value(count - warmupSteps)}.
   */
  static Schedule warmup(long warmupSteps, Schedule after) {
    BuiltInSchedules.checkSteps("warmupSteps", warmupSteps, 0);
    if (after == null) {
      throw new IllegalArgumentException("warmup: the schedule after warm-up must not be null");
    }
    return new BuiltInSchedules.Warmup(warmupSteps, after);
  }
}
