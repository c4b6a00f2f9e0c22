package io.github.mezo4j.train.trainer;

import io.github.mezo4j.train.data.Example;
import io.github.mezo4j.train.data.LabelSet;
import java.util.List;
import java.util.Objects;

/**
 * A labelled split as the trainer consumes it: one text (or text pair) and one class index per
 * example, with the task's class names. Task readers produce these.
 *
 * @param texts the first text of each example
 * @param pairs the second text of each example (entailment tasks), or null for single texts
 * @param labels the gold class of each example, in {@code [0, labelNames.size())}
 * @param labelNames the task's class names, class 0 first
 */
public record LabeledTexts(
    List<String> texts, List<String> pairs, int[] labels, List<String> labelNames) {
  /**
   * Checks one label per text (and pair), every label a class, at least two classes; copies
   * everything.
   */
  public LabeledTexts {
    texts = List.copyOf(texts);
    pairs = pairs == null ? null : List.copyOf(pairs);
    labels = labels.clone();
    labelNames = List.copyOf(labelNames);
    if (labels.length != texts.size() || (pairs != null && pairs.size() != texts.size())) {
      throw new IllegalArgumentException(
          "%d texts, %s pairs and %d labels: each example needs one of each"
              .formatted(texts.size(), pairs == null ? "no" : pairs.size(), labels.length));
    }
    if (labelNames.size() < 2) {
      throw new IllegalArgumentException("a task needs at least two classes, got " + labelNames);
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= labelNames.size()) {
        throw new IllegalArgumentException(
            "example %d ('%s') has label %d, outside [0, %d) = %s"
                .formatted(i, texts.get(i), labels[i], labelNames.size(), labelNames));
      }
    }
  }

  /** A task's examples ({@link Example#text()}, {@link Example#textPair()}, label). */
  public static LabeledTexts of(List<Example> examples, LabelSet labels) {
    boolean pairs = !examples.isEmpty() && examples.get(0).hasPair();
    List<String> t = new java.util.ArrayList<>(examples.size());
    List<String> p = pairs ? new java.util.ArrayList<>(examples.size()) : null;
    int[] l = new int[examples.size()];
    for (int i = 0; i < l.length; i++) {
      Example e = examples.get(i);
      if (e.hasPair() != pairs) {
        throw new IllegalArgumentException(
            "example %d %s a second text but example 0 %s"
                .formatted(i, e.hasPair() ? "has" : "lacks", pairs ? "has" : "lacks"));
      }
      t.add(e.text());
      if (p != null) {
        p.add(e.textPair());
      }
      l[i] = e.label();
    }
    return new LabeledTexts(t, p, l, labels.names());
  }

  /** Single texts. */
  public static LabeledTexts of(List<String> texts, int[] labels, List<String> labelNames) {
    return new LabeledTexts(texts, null, labels, labelNames);
  }

  /** The number of examples. */
  public int size() {
    return labels.length;
  }

  /** The number of classes. */
  public int classes() {
    return labelNames.size();
  }

  /** The examples at {@code indices}, in that order. */
  public LabeledTexts subset(int[] indices) {
    List<String> t = new java.util.ArrayList<>(indices.length);
    List<String> p = pairs == null ? null : new java.util.ArrayList<>(indices.length);
    int[] l = new int[indices.length];
    for (int i = 0; i < indices.length; i++) {
      t.add(texts.get(indices[i]));
      if (p != null) {
        p.add(pairs.get(indices[i]));
      }
      l[i] = labels[indices[i]];
    }
    return new LabeledTexts(t, p, l, labelNames);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LabeledTexts other
        && texts.equals(other.texts)
        && Objects.equals(pairs, other.pairs)
        && java.util.Arrays.equals(labels, other.labels)
        && labelNames.equals(other.labelNames);
  }

  @Override
  public int hashCode() {
    return Objects.hash(texts, pairs, java.util.Arrays.hashCode(labels), labelNames);
  }

  @Override
  public String toString() {
    return "LabeledTexts[%d examples%s, classes %s]"
        .formatted(size(), pairs == null ? "" : " (pairs)", labelNames);
  }
}
