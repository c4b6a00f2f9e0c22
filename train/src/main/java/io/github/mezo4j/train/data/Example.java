package io.github.mezo4j.train.data;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One labelled example of a classification task.
 *
 * <p>Encoder heads read {@link #text()} and, for sentence-pair tasks (RTE, MNLI, SNLI, ...), {@link
 * #textPair()}; decoder templates read the task's raw named {@link #fields()} (for example {@code
 * premise}, {@code hypothesis}, {@code choice1}, {@code choice2}, {@code question}, {@code
 * passage}, {@code word}). {@link #label()} indexes the task's {@link LabelSet}.
 *
 * @param text the main text (a sentence, a premise, a passage), never null
 * @param textPair the second text of a pair task, or null for single-text tasks
 * @param label the gold label's index in the task's label set, {@code >= 0}
 * @param fields named raw fields in reading order (unmodifiable; empty when the task needs none)
 */
public record Example(String text, String textPair, int label, Map<String, String> fields) {

  /** Checks the components and freezes {@code fields} in its iteration order. */
  public Example {
    Objects.requireNonNull(text, "text");
    if (label < 0) {
      throw new IllegalArgumentException("label must be >= 0, got " + label);
    }
    fields = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(fields)));
  }

  /** A single-text example with no named fields. */
  public static Example of(String text, int label) {
    return new Example(text, null, label, Map.of());
  }

  /** A sentence-pair example with no named fields. */
  public static Example pair(String text, String textPair, int label) {
    return new Example(text, Objects.requireNonNull(textPair, "textPair"), label, Map.of());
  }

  /** Whether this example has a second text. */
  public boolean hasPair() {
    return textPair != null;
  }

  /**
   * The named raw field.
   *
   * @throws IllegalArgumentException naming the field and the fields this example has
   */
  public String field(String name) {
    String value = fields.get(name);
    if (value == null) {
      throw new IllegalArgumentException(
          "example has no field '%s'; it has %s".formatted(name, fields.keySet()));
    }
    return value;
  }
}
