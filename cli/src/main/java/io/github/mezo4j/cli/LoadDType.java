package io.github.mezo4j.cli;

import io.github.mezo4j.core.param.DType;
import java.util.Locale;

/**
 * How a command stores a model's weights in memory ({@code --dtype}). The engine computes in f32
 * either way; bf16 storage halves the weight memory and MeZO then rounds its updates
 * stochastically.
 *
 * <ul>
 *   <li>{@code auto}: as the file stores them: BF16 tensors stay bf16; F32 stays f32; F16 is
 *       widened exactly to f32 (F16 has 3 more mantissa bits than bf16, so narrowing it would lose
 *       precision the file has: ask for that with {@code bf16}).
 *   <li>{@code f32}: every tensor widened to f32 (exact).
 *   <li>{@code bf16}: every tensor stored as bf16; F32 and F16 tensors are rounded to nearest (ties
 *       to even) as they load, one tensor at a time.
 * </ul>
 */
public enum LoadDType {
  /** As the file stores them (bf16 stays bf16, f16 is widened to f32). */
  AUTO,
  /** Every tensor widened to f32. */
  F32,
  /** Every tensor stored as bf16. */
  BF16;

  /** The option's spelling. */
  String option() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The storage loaders convert to; null for {@link #AUTO} (each tensor's natural storage). */
  DType storage() {
    return switch (this) {
      case AUTO -> null;
      case F32 -> DType.F32;
      case BF16 -> DType.BF16;
    };
  }

  /**
   * Parses a {@code --dtype} value.
   *
   * @throws IllegalArgumentException naming the value and the accepted ones
   */
  static LoadDType parse(String value) {
    for (LoadDType d : values()) {
      if (d.option().equals(value)) {
        return d;
      }
    }
    throw new IllegalArgumentException(
        "--dtype '%s': expected auto (keep bf16 tensors bf16, load f32/f16 as f32), f32 or bf16"
            .formatted(value));
  }
}
