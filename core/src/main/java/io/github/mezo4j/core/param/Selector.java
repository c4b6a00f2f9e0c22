package io.github.mezo4j.core.param;

import java.util.Objects;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Chooses parameters by name or by any predicate; selectors compose with {@link #and}, {@link #or}
 * and {@link #exclude}. A parameter left out of a selection is neither perturbed nor updated and
 * stays bit-identical.
 */
@FunctionalInterface
public interface Selector extends Predicate<Parameter> {

  /** Every parameter. */
  static Selector all() {
    return p -> true;
  }

  /** Parameters whose name matches a glob: {@code *} any run of characters, {@code ?} one. */
  static Selector glob(String glob) {
    Pattern pattern = Pattern.compile(globToRegex(glob));
    return p -> pattern.matcher(p.name()).matches();
  }

  /** Parameters whose whole name matches a regular expression. */
  static Selector regex(String regex) {
    Pattern pattern = Pattern.compile(regex);
    return p -> pattern.matcher(p.name()).matches();
  }

  /** Parameters accepted by a predicate (shape, dtype, anything). */
  static Selector where(Predicate<Parameter> predicate) {
    Objects.requireNonNull(predicate, "predicate");
    return predicate::test;
  }

  /**
   * Biases and normalization weights (names ending in {@code bias}, or holding {@code norm} or
   * {@code ln_}, or any rank-1 tensor): the parameters weight decay skips by default.
   */
  static Selector biasOrNorm() {
    return p -> {
      String n = p.name().toLowerCase(java.util.Locale.ROOT);
      return p.rank() <= 1 || n.endsWith("bias") || n.contains("norm") || n.contains("ln_");
    };
  }

  /** This selection minus what {@code other} accepts. */
  default Selector exclude(Selector other) {
    return p -> test(p) && !other.test(p);
  }

  /** What both this selection and {@code other} accept. */
  default Selector and(Selector other) {
    return p -> test(p) && other.test(p);
  }

  /** What this selection or {@code other} accepts. */
  default Selector or(Selector other) {
    return p -> test(p) || other.test(p);
  }

  private static String globToRegex(String glob) {
    StringBuilder sb = new StringBuilder();
    for (char c : glob.toCharArray()) {
      switch (c) {
        case '*' -> sb.append(".*");
        case '?' -> sb.append('.');
        default -> sb.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return sb.toString();
  }
}
