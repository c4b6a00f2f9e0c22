package io.github.mezo4j.cli;

/** Range checks for command-line values, with messages that name the option. */
public final class Arguments {
  private Arguments() {}

  /** {@code value}, checked to be at least 1. */
  public static int positive(String option, int value) {
    return atLeast(option, value, 1);
  }

  /** {@code value}, checked to be at least {@code min}. */
  public static int atLeast(String option, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException("%s must be >= %d, got %d".formatted(option, min, value));
    }
    return value;
  }

  /** A --threads value: 0 means one thread per available processor. */
  public static int threads(String option, int value) {
    return atLeast(option, value, 0) == 0 ? Runtime.getRuntime().availableProcessors() : value;
  }

  /** Checks a perturbation scale or rate before any data is loaded: finite and > 0. */
  public static double positiveFinite(String option, double value) {
    if (!(value > 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(
          "%s must be a finite number > 0, got %s".formatted(option, value));
    }
    return value;
  }
}
