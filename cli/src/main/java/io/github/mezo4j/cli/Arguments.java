package io.github.mezo4j.cli;

/** Range checks for command-line values, with messages that name the option. */
final class Arguments {
  private Arguments() {}

  static void positive(String option, long value) {
    atLeast(option, value, 1);
  }

  static void atLeast(String option, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException("%s must be >= %d, got %d".formatted(option, min, value));
    }
  }

  /** Checks a perturbation scale or rate before any data is loaded: finite and > 0. */
  static double positiveFinite(String option, double value) {
    if (!(value > 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(
          "%s must be a finite number > 0, got %s".formatted(option, value));
    }
    return value;
  }
}
