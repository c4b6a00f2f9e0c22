package io.github.mezo4j.nn.model;

import java.util.Arrays;
import java.util.Locale;

/**
 * A linear projection of a BERT-family encoder layer that can carry a LoRA adapter, with its
 * Hugging Face module name (the adapter's tensors are named {@code encoder.layer.{i}.<module>
 * .lora_A.weight} / {@code .lora_B.weight}, as PEFT names them).
 */
public enum LoraTarget {
  /** {@code attention.self.query}, [hidden, hidden]. */
  QUERY("query", "attention.self.query"),
  /** {@code attention.self.key}, [hidden, hidden]. */
  KEY("key", "attention.self.key"),
  /** {@code attention.self.value}, [hidden, hidden]. */
  VALUE("value", "attention.self.value"),
  /** {@code attention.output.dense}, [hidden, hidden]. */
  ATTENTION_OUTPUT("attention-output", "attention.output.dense"),
  /** {@code intermediate.dense}, [intermediate, hidden]. */
  INTERMEDIATE("intermediate", "intermediate.dense"),
  /** {@code output.dense}, [hidden, intermediate]. */
  OUTPUT("output", "output.dense");

  private final String option;
  private final String module;

  LoraTarget(String option, String module) {
    this.option = option;
    this.module = module;
  }

  /** The name {@code --train-params lora:targets=...} uses ({@code query}, {@code output}, ...). */
  public String option() {
    return option;
  }

  /** The module's name inside a layer ({@code attention.self.query}, ...). */
  public String module() {
    return module;
  }

  /** Input width of the projection ({@code in_features}). */
  public int in(int hidden, int intermediate) {
    return this == OUTPUT ? intermediate : hidden;
  }

  /** Output width of the projection ({@code out_features}). */
  public int out(int hidden, int intermediate) {
    return this == INTERMEDIATE ? intermediate : hidden;
  }

  /**
   * The target an option name stands for.
   *
   * @throws IllegalArgumentException naming the value and the valid names
   */
  public static LoraTarget parse(String option) {
    for (LoraTarget t : values()) {
      if (t.option.equals(option.toLowerCase(Locale.ROOT))) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "unknown LoRA target '%s': expected one of %s"
            .formatted(option, Arrays.stream(values()).map(LoraTarget::option).toList()));
  }
}
