package io.github.mezo4j.nn.model;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Low-rank adapters (LoRA, Hu et al. 2021, arXiv 2106.09685) on chosen projections of every layer
 * of a BERT-family encoder: a frozen {@code y = W x + b} becomes {@code y = W x + b + (alpha / r) B
 * (A x)} with {@code A [r, in]} and {@code B [out, r]} trained. See {@link
 * BertEncoder#withLora(LoraConfig, long)}.
 *
 * <p>Written as {@code lora[:r=R][:alpha=ALPHA][:targets=T+T...]}, options in any order, each at
 * most once; defaults r=8, alpha=16, targets=query+value (the MeZO paper's LoRA setting). The
 * separator is ':' so that a spec is one value in a comma-separated list ({@code sweep --grid}).
 *
 * @param rank r, at least 1
 * @param alpha the numerator of the scaling {@code alpha / r}, finite and positive
 * @param targets the adapted projections, at least one, in model order
 */
public record LoraConfig(int rank, double alpha, List<LoraTarget> targets) {
  /** The word a spec starts with. */
  public static final String NAME = "lora";

  /** The defaults: r=8, alpha=16 on query and value. */
  public static final LoraConfig DEFAULT =
      new LoraConfig(8, 16, List.of(LoraTarget.QUERY, LoraTarget.VALUE));

  /** The suffix of the tensor names of the down projections A (PEFT's). */
  public static final String A_SUFFIX = ".lora_A.weight";

  /** The suffix of the tensor names of the up projections B. */
  public static final String B_SUFFIX = ".lora_B.weight";

  /**
   * Rejects {@code r < 1}, a non-finite or non-positive alpha and no target; sorts the targets into
   * model order, each once.
   */
  public LoraConfig {
    if (rank < 1) {
      throw new IllegalArgumentException("LoRA rank r must be >= 1, got " + rank);
    }
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException("LoRA alpha must be finite and > 0, got " + alpha);
    }
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("LoRA needs at least one target");
    }
    targets = List.copyOf(EnumSet.copyOf(targets)); // model order, each once
  }

  /** True if {@code spec} is meant as a LoRA spec ({@code lora} or {@code lora:...}). */
  public static boolean isSpec(String spec) {
    return spec.equals(NAME) || spec.startsWith(NAME + ":");
  }

  /**
   * Parses {@code lora[:r=R][:alpha=ALPHA][:targets=T+T...]}.
   *
   * @throws IllegalArgumentException naming the part at fault and what was expected
   */
  public static LoraConfig parse(String spec) {
    if (!isSpec(spec)) {
      throw new IllegalArgumentException(
          "'%s' is not a LoRA spec: expected lora[:r=R][:alpha=ALPHA][:targets=T+T...]"
              .formatted(spec));
    }
    int rank = DEFAULT.rank;
    double alpha = DEFAULT.alpha;
    List<LoraTarget> targets = DEFAULT.targets;
    Set<String> seen = new java.util.HashSet<>();
    String[] parts = spec.split(":", -1);
    for (int i = 1; i < parts.length; i++) {
      String part = parts[i];
      int eq = part.indexOf('=');
      String key = eq < 0 ? part : part.substring(0, eq);
      String value = eq < 0 ? "" : part.substring(eq + 1);
      if (eq < 0 || value.isEmpty()) {
        throw new IllegalArgumentException(
            "LoRA spec '%s': '%s' is not KEY=VALUE (keys: r, alpha, targets)"
                .formatted(spec, part));
      }
      if (!seen.add(key)) {
        throw new IllegalArgumentException(
            "LoRA spec '%s': %s is given twice".formatted(spec, key));
      }
      switch (key) {
        case "r" -> {
          rank = value.matches("[0-9]{1,6}") ? Integer.parseInt(value) : 0;
          if (rank < 1) {
            throw new IllegalArgumentException(
                "LoRA spec '%s': r=%s must be an integer from 1 to 999999".formatted(spec, value));
          }
        }
        case "alpha" -> {
          try {
            alpha = Double.parseDouble(value);
          } catch (NumberFormatException e) {
            alpha = Double.NaN;
          }
          if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException(
                "LoRA spec '%s': alpha=%s must be a finite number > 0".formatted(spec, value));
          }
        }
        case "targets" -> {
          List<LoraTarget> list = new ArrayList<>();
          for (String t : value.split("\\+", -1)) {
            try {
              list.add(LoraTarget.parse(t));
            } catch (IllegalArgumentException e) {
              throw new IllegalArgumentException(
                  "LoRA spec '%s': %s (joined by '+')".formatted(spec, e.getMessage()), e);
            }
          }
          targets = list;
        }
        default ->
            throw new IllegalArgumentException(
                "LoRA spec '%s': unknown key '%s' (keys: r, alpha, targets)".formatted(spec, key));
      }
    }
    return new LoraConfig(rank, alpha, targets);
  }

  /** The canonical spec, {@code lora:r=8:alpha=16:targets=query+value}. */
  public String spec() {
    StringBuilder sb = new StringBuilder(NAME).append(":r=").append(rank);
    sb.append(":alpha=").append(alphaText()).append(":targets=");
    for (int i = 0; i < targets.size(); i++) {
      sb.append(i == 0 ? "" : "+").append(targets.get(i).option());
    }
    return sb.toString();
  }

  /** alpha as written: {@code 16} for a whole number, else the shortest decimal. */
  public String alphaText() {
    return alpha == Math.rint(alpha) && Math.abs(alpha) < 1e15
        ? Long.toString((long) alpha)
        : Double.toString(alpha);
  }

  /** The factor {@code alpha / r} applied to {@code B (A x)}, as the forward pass uses it. */
  public float scaling() {
    return (float) (alpha / rank);
  }

  /** True if {@code target} carries an adapter. */
  public boolean adapts(LoraTarget target) {
    return targets.contains(Objects.requireNonNull(target, "target"));
  }

  /** True if {@code name} is a LoRA adapter's tensor ({@code ...lora_A.weight} or B). */
  public static boolean isAdapter(String name) {
    return name.endsWith(A_SUFFIX) || name.endsWith(B_SUFFIX);
  }
}
