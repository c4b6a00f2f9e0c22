package io.github.mezo4j.cli;

import io.github.mezo4j.core.data.SharedData;
import io.github.mezo4j.train.data.Column;
import io.github.mezo4j.train.data.ColumnMapping;
import io.github.mezo4j.train.data.Dataset;
import io.github.mezo4j.train.data.Example;
import io.github.mezo4j.train.data.LabelSet;
import io.github.mezo4j.train.data.PairKind;
import io.github.mezo4j.train.data.PairTask;
import io.github.mezo4j.train.data.Task;
import io.github.mezo4j.train.data.Tasks;
import io.github.mezo4j.train.metrics.DevMetric;
import io.github.mezo4j.train.metrics.Metric;
import io.github.mezo4j.train.prompt.EncoderPrompts;
import io.github.mezo4j.train.prompt.LabelPrompts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The options that name a task and its data: a built-in task, or the user's own files. */
final class TaskOptions {
  @Option(
      names = "--task",
      description =
          "A built-in task (sst2, sst5, trec, rte, mnli, snli, ...; stsb: sentence pairs for"
              + " embedding models) or, with --text-column, the name of your own.")
  String task;

  @Option(
      names = "--data-dir",
      description =
          "Built-in tasks: the shared data folder (default: $MEZO4J_DATA, else ../shared/data)"
              + " or the task's own folder. Own tasks: the folder with train.* and dev.*"
              + " (tsv, csv or jsonl).")
  Path dataDir;

  @Option(
      names = "--k-shot-seed",
      description = "Use the LM-BFF 16-shot split of this seed (13, 21, 42, 87 or 100).")
  Integer kShotSeed;

  @Option(names = "--text-column", description = "Own files: the text column (index or name).")
  String textColumn;

  @Option(names = "--label-column", description = "Own files: the label column (index or name).")
  String labelColumn;

  @Option(
      names = "--text-pair-column",
      description = "Own files: the second text's column, for sentence-pair tasks.")
  String textPairColumn;

  @Option(
      names = "--labels",
      split = ",",
      description = "Own files: the label names, class 0 first (comma separated).")
  String[] labels;

  @Option(
      names = "--label-sentence",
      paramLabel = "TEXT",
      description =
          "Encoder prompt heads: the sentence that stands for a class, given once per class in"
              + " the task's class order (sst2: --label-sentence \"It was terrible.\""
              + " --label-sentence \"It was great.\"). Default: the task's built-in label"
              + " sentences (own files: the label names).")
  List<String> labelSentences;

  @Option(names = "--header", description = "Own TSV/CSV files start with a header line.")
  boolean header;

  @Option(
      names = "--pairs",
      paramLabel = "KIND",
      description =
          "Own files are sentence pairs for an embedding model: scored (a similarity score,"
              + " --score-range), labeled (1 similar, 0 not) or positive (query, passage pairs,"
              + " no gold column). --text-column and --text-pair-column name the two sentences,"
              + " --label-column the score or label.")
  String pairs;

  @Option(
      names = "--score-range",
      paramLabel = "MIN,MAX",
      split = ",",
      description = "Own scored pairs: the range of the scores, e.g. 0,5 (STS).")
  double[] scoreRange;

  boolean custom() {
    return textColumn != null;
  }

  Task resolve() {
    if (task == null) {
      throw new IllegalArgumentException("--task is required");
    }
    if (!custom()) {
      if (labelColumn != null || textPairColumn != null || labels != null) {
        throw new IllegalArgumentException(
            "--label-column, --text-pair-column and --labels describe your own files: add"
                + " --text-column");
      }
      return Tasks.get(task);
    }
    if (labelColumn == null || labels == null) {
      throw new IllegalArgumentException(
          "your own files need --text-column, --label-column and --labels");
    }
    ColumnMapping mapping = ColumnMapping.parse(textColumn, labelColumn, textPairColumn);
    return Tasks.custom(
        task, LabelSet.of(labels), Metric.ACCURACY, mapping, header || mapping.usesNames());
  }

  /**
   * The sentence-pair task the options name: own pair files ({@code --pairs}) or a built-in pair
   * task ({@code stsb}); empty for classification tasks.
   */
  Optional<PairTask> pairTask() {
    if (task == null) {
      throw new IllegalArgumentException("--task is required");
    }
    if (pairs == null) {
      if (scoreRange != null) {
        throw new IllegalArgumentException("--score-range describes your own pairs: add --pairs");
      }
      Optional<PairTask> builtIn = custom() ? Optional.empty() : Tasks.pair(task);
      if (builtIn.isPresent()
          && (labelColumn != null || textPairColumn != null || labels != null)) {
        throw new IllegalArgumentException(
            "--label-column, --text-pair-column and --labels describe your own files: add"
                + " --text-column and --pairs");
      }
      builtIn.ifPresent(t -> rejectKShot());
      return builtIn;
    }
    PairKind kind = PairKind.parse(pairs);
    if (textColumn == null || textPairColumn == null) {
      throw new IllegalArgumentException(
          "--pairs needs --text-column and --text-pair-column (the two sentences)");
    }
    if (labels != null) {
      throw new IllegalArgumentException("--labels is for classification tasks, not --pairs");
    }
    if (kind.scored() == (labelColumn == null)) {
      throw new IllegalArgumentException(
          kind.scored()
              ? "--pairs %s needs --label-column (the score or label column)"
                  .formatted(kind.option())
              : "--pairs positive has no gold column: drop --label-column");
    }
    if ((kind == PairKind.SCORED) != (scoreRange != null)) {
      throw new IllegalArgumentException(
          kind == PairKind.SCORED
              ? "--pairs scored needs --score-range MIN,MAX (for example 0,5)"
              : "--score-range is for --pairs scored");
    }
    if (scoreRange != null && scoreRange.length != 2) {
      throw new IllegalArgumentException(
          "--score-range: expected MIN,MAX, got %d values".formatted(scoreRange.length));
    }
    rejectKShot();
    Column first = Column.parse(textColumn);
    Column second = Column.parse(textPairColumn);
    Column score = labelColumn == null ? null : Column.parse(labelColumn);
    boolean named = first.byName() || second.byName() || (score != null && score.byName());
    return Optional.of(
        PairTask.custom(
            task,
            kind,
            first,
            second,
            score,
            scoreRange == null ? 0 : scoreRange[0],
            scoreRange == null ? 1 : scoreRange[1],
            header || named));
  }

  private void rejectKShot() {
    if (kShotSeed != null) {
      throw new IllegalArgumentException("--k-shot-seed is for classification tasks, not pairs");
    }
  }

  /** The train and dev pairs of {@code t} from --data-dir (built-in tasks: the shared data). */
  PairTask.Splits loadPairs(PairTask t) throws IOException {
    Path dir = dataDir;
    if (dir == null) {
      if (pairs != null) {
        throw new IllegalArgumentException("your own pairs need --data-dir");
      }
      dir = SharedData.root(".");
    }
    return t.load(dir);
  }

  Dataset load(Task t) throws IOException {
    Path dir = dataDir;
    if (dir == null) {
      if (custom()) {
        throw new IllegalArgumentException("your own files need --data-dir");
      }
      dir = SharedData.root(kShotSeed != null ? "lmbff-kshot16" : ".");
    }
    return kShotSeed != null ? t.loadKShot(dir, kShotSeed) : t.load(dir);
  }

  /** The {@code --data} / {@code --monitor-data} value that names the k-shot evaluation set. */
  static final String K_SHOT_EVAL = "k-shot-eval";

  /**
   * The examples of a labelled file, or with {@value #K_SHOT_EVAL} the set the k-shot protocol
   * evaluates on ({@link Task#kShotEvaluationSet}: GLUE dev for SST-2, the dev set for SST-5, the
   * carved dev split less the seed's k-shot examples for TREC).
   *
   * @param option the option's name for messages
   * @param seed the k-shot seed ({@code --k-shot-seed}, or the one a checkpoint's run used), or
   *     null
   */
  List<Example> readLabelled(Task t, String option, Path file, Integer seed) throws IOException {
    if (!file.toString().equals(K_SHOT_EVAL)) {
      return t.read(file);
    }
    if (seed == null) {
      throw new IllegalArgumentException(
          "%s %s needs the k-shot seed: add --k-shot-seed".formatted(option, K_SHOT_EVAL));
    }
    return t.kShotEvaluationSet(dataDir != null ? dataDir : SharedData.root("."), seed);
  }

  /** The label sentences of the prompt head: --label-sentence, else the task's own. */
  LabelPrompts prompts(Task t) {
    LabelPrompts own = custom() ? LabelPrompts.plain(t.labels()) : EncoderPrompts.forTask(t);
    if (labelSentences == null) {
      return own;
    }
    if (labelSentences.size() != own.size()) {
      throw new IllegalArgumentException(
          "--label-sentence given %d times, but task %s has %d classes %s: give one per class"
              .formatted(labelSentences.size(), t.name(), own.size(), own.words()));
    }
    for (String sentence : labelSentences) {
      if (sentence.isBlank()) {
        throw new IllegalArgumentException("--label-sentence is blank: expected a sentence");
      }
    }
    return new LabelPrompts(own.words(), labelSentences);
  }

  /** The dev metric that picks the best checkpoint. */
  static DevMetric metric(Task t) {
    return DevMetric.of(t.metric());
  }

  @Override
  public String toString() {
    return "task %s%s".formatted(task, labels == null ? "" : " " + Arrays.toString(labels));
  }
}
