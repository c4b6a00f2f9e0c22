package io.github.mezo4j.train.data;

import java.util.List;
import java.util.Objects;

/**
 * The train and dev splits of one task, ready for training: MeZO steps draw batches from {@link
 * #train()}, evaluation and checkpoint selection use {@link #dev()}. Test splits are never part of
 * a Dataset (the shared data holds some test splits back for independent evaluation); evaluate on
 * another file with {@link Task#read(java.nio.file.Path)}.
 *
 * @param task the task's name (as {@link Task#name()})
 * @param labels the task's labels; every example's label indexes them
 * @param train the training examples, unmodifiable
 * @param dev the development examples, unmodifiable
 * @param source where the splits came from (file paths, carving seed), for logs and summaries
 */
public record Dataset(
    String task, LabelSet labels, List<Example> train, List<Example> dev, String source) {

  /** Freezes the splits and checks every label against the label set. */
  public Dataset {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(labels, "labels");
    Objects.requireNonNull(source, "source");
    train = List.copyOf(train);
    dev = List.copyOf(dev);
    check(train, labels, "train");
    check(dev, labels, "dev");
  }

  /** How many examples of each class {@code examples} holds, indexed by class id. */
  public static int[] labelCounts(List<Example> examples, int numClasses) {
    int[] counts = new int[numClasses];
    for (Example e : examples) {
      counts[e.label()]++;
    }
    return counts;
  }

  /** The gold labels of {@code examples}, in order. */
  public static int[] labels(List<Example> examples) {
    int[] gold = new int[examples.size()];
    for (int i = 0; i < gold.length; i++) {
      gold[i] = examples.get(i).label();
    }
    return gold;
  }

  /**
   * The examples of {@code examples} whose texts (text and second text) occur in neither split of
   * {@code used}, in order: an evaluation set that shares nothing with what a run trained and
   * selected on.
   */
  public static List<Example> excluding(List<Example> examples, Dataset used) {
    java.util.Set<List<String>> seen = new java.util.HashSet<>();
    for (List<Example> split : List.of(used.train(), used.dev())) {
      for (Example e : split) {
        seen.add(key(e));
      }
    }
    return examples.stream().filter(e -> !seen.contains(key(e))).toList();
  }

  private static List<String> key(Example e) {
    return e.hasPair() ? List.of(e.text(), e.textPair()) : List.of(e.text());
  }

  private static void check(List<Example> split, LabelSet labels, String name) {
    for (int i = 0; i < split.size(); i++) {
      if (split.get(i).label() >= labels.size()) {
        throw new IllegalArgumentException(
            "%s example %d has label %d but the task has %d labels %s"
                .formatted(name, i, split.get(i).label(), labels.size(), labels.names()));
      }
    }
  }
}
