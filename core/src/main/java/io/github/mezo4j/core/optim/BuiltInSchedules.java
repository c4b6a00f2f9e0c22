package io.github.mezo4j.core.optim;

/** The schedules behind {@link Schedule}'s factories. */
final class BuiltInSchedules {
  private BuiltInSchedules() {}

  static double checkRate(String name, double value) {
    if (!Double.isFinite(value) || value < 0) {
      throw new IllegalArgumentException(
          "learning rate %s must be a finite number >= 0, got %s".formatted(name, value));
    }
    return value;
  }

  static void checkSteps(String name, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException("%s must be >= %d, got %d".formatted(name, min, value));
    }
  }

  // Specs are built by concatenation, not String.format: Double.toString round-trips exactly and
  // is locale-independent, which the step log relies on.

  record Constant(double lr) implements Schedule {
    @Override
    public double value(long count) {
      return lr;
    }

    @Override
    public String spec() {
      return "constant(" + lr + ")";
    }
  }

  record Linear(double init, double end, long transitionSteps) implements Schedule {
    @Override
    public double value(long count) {
      double frac = (double) Math.min(count, transitionSteps) / transitionSteps;
      return init + (end - init) * frac;
    }

    @Override
    public String spec() {
      return "linearDecay(" + init + "," + end + "," + transitionSteps + ")";
    }
  }

  record Cosine(double init, long decaySteps, double alpha) implements Schedule {
    @Override
    public double value(long count) {
      double frac = (double) Math.min(count, decaySteps) / decaySteps;
      return init * (alpha + (1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * frac)));
    }

    @Override
    public String spec() {
      return "cosineDecay(" + init + "," + decaySteps + "," + alpha + ")";
    }
  }

  record Warmup(long warmupSteps, Schedule after) implements Schedule {
    @Override
    public double value(long count) {
      if (count < warmupSteps) {
        return after.value(0) * (count + 1) / warmupSteps;
      }
      return after.value(count - warmupSteps);
    }

    @Override
    public String spec() {
      return "warmup(" + warmupSteps + "," + after.spec() + ")";
    }
  }
}
