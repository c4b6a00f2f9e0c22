package io.github.mezo4j.train.data;

import io.github.mezo4j.train.metrics.Metric;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The built-in tasks by name, and custom tasks for a user's own files.
 *
 * <p>Names are matched ignoring case, {@code -} and {@code _} ({@code SST-2}, {@code sst2} and
 * {@code sst_2} are one task). Encoder tasks (the MeZO paper's RoBERTa tasks, with LM-BFF k-shot
 * splits): {@code sst2, sst5, trec, rte, mnli, snli}. Decoder tasks (its OPT tasks, SuperGLUE):
 * {@code cb, copa, boolq, rte, wic}; {@code rte} is one task either way, read from GLUE TSV or
 * SuperGLUE JSONL (the same 2,490 / 277 examples), and {@code sst2} serves decoders too.
 *
 * <p>Data: see shared/data/README.md. TREC ships only a train split: its dev split is {@value
 * #TREC_DEV_SIZE} examples carved from train with {@code java.util.Random} seed {@value
 * #TREC_DEV_SEED}. BoolQ's full train set is not in the shared data, so its train split is the
 * 32-example FewGLUE set and its dev split SuperGLUE's validation set. MNLI and SNLI have only
 * k-shot splits here.
 *
 * <p>{@code demo} is the small sentiment set shipped in the jar ({@link DemoData}).
 *
 * <p>Sentence-pair tasks for embedding models ({@link PairTask}) come from {@link #pair(String)}:
 * {@code stsb}, GLUE STS-B.
 */
public final class Tasks {
  private Tasks() {}

  /** Size of the dev split carved from TREC's train split. */
  public static final int TREC_DEV_SIZE = 500;

  /** {@code java.util.Random} seed of the TREC dev carving. */
  public static final long TREC_DEV_SEED = 13;

  private static final Map<String, Task> BUILT_IN = new LinkedHashMap<>();

  /** GLUE STS-B's score range. */
  public static final double STSB_MAX_SCORE = 5;

  private static final Map<String, PairTask> PAIRS =
      Map.of(
          "stsb",
          new PairTask(
              "stsb",
              PairKind.SCORED,
              Column.named("sentence1"),
              Column.named("sentence2"),
              Column.named("score"),
              0,
              STSB_MAX_SCORE,
              true,
              StandardTask.FullSplits.of("glue-stsb/train.tsv", "glue-stsb/dev.tsv")));

  static {
    add(
        new StandardTask(
            "sst2",
            LabelSet.of("negative", "positive"),
            Metric.ACCURACY,
            false,
            Map.of(
                FileFormat.TSV,
                tsv(ColumnMapping.of(Column.named("sentence"), Column.named("label")))),
            List.of(StandardTask.FullSplits.of("glue-sst2/train.tsv", "glue-sst2/dev.tsv")),
            new StandardTask.KShotSplits("SST-2", "train.tsv", "dev.tsv")));
    ColumnMapping labelThenText = ColumnMapping.of(Column.at(1), Column.at(0));
    LabelSet sst5Labels =
        LabelSet.of("very negative", "negative", "neutral", "positive", "very positive");
    add(
        new StandardTask(
            "sst5",
            sst5Labels,
            Metric.ACCURACY,
            false,
            Map.of(
                FileFormat.TSV,
                new TableExampleReader(FileFormat.TSV, false, labelThenText, sst5Labels, false),
                FileFormat.CSV,
                new TableExampleReader(FileFormat.CSV, false, labelThenText, sst5Labels, false)),
            List.of(StandardTask.FullSplits.of("sst5/train.tsv", "sst5/dev.tsv")),
            new StandardTask.KShotSplits("sst-5", "train.csv", "dev.csv")));
    LabelSet trecLabels = LabelSet.of("DESC", "ENTY", "ABBR", "HUM", "LOC", "NUM");
    add(
        new StandardTask(
            "trec",
            trecLabels,
            Metric.ACCURACY,
            false,
            Map.of(
                FileFormat.CSV,
                new TableExampleReader(FileFormat.CSV, false, labelThenText, trecLabels, false)),
            List.of(StandardTask.FullSplits.carved("trec/train.csv", TREC_DEV_SIZE, TREC_DEV_SEED)),
            new StandardTask.KShotSplits("trec", "train.csv", "dev.csv")));
    LabelSet rteLabels = LabelSet.of("entailment", "not_entailment");
    add(
        new StandardTask(
            "rte",
            rteLabels,
            Metric.ACCURACY,
            true,
            Map.of(
                FileFormat.TSV,
                new TableExampleReader(
                    FileFormat.TSV,
                    true,
                    glueNli("label")
                        .withFields(
                            Map.of(
                                "premise",
                                Column.named("sentence1"),
                                "hypothesis",
                                Column.named("sentence2"))),
                    rteLabels,
                    false),
                FileFormat.JSONL,
                jsonl(premiseHypothesis(), rteLabels)),
            List.of(
                StandardTask.FullSplits.of("glue-rte/train.tsv", "glue-rte/dev.tsv"),
                StandardTask.FullSplits.of("superglue/RTE/train.jsonl", "superglue/RTE/val.jsonl")),
            new StandardTask.KShotSplits("RTE", "train.tsv", "dev.tsv")));
    LabelSet nliLabels = LabelSet.of("contradiction", "entailment", "neutral");
    add(
        new StandardTask(
            "mnli",
            nliLabels,
            Metric.ACCURACY,
            true,
            Map.of(
                FileFormat.TSV,
                new TableExampleReader(
                    FileFormat.TSV, true, glueNli("gold_label"), nliLabels, false)),
            List.of(),
            new StandardTask.KShotSplits("MNLI", "train.tsv", "dev_matched.tsv")));
    // SNLI rows carry label1..label5 beyond the 11 header columns; the gold label is the last.
    add(
        new StandardTask(
            "snli",
            nliLabels,
            Metric.ACCURACY,
            true,
            Map.of(
                FileFormat.TSV,
                new TableExampleReader(
                    FileFormat.TSV,
                    true,
                    ColumnMapping.pair(
                        Column.named("sentence1"), Column.named("sentence2"), Column.LAST),
                    nliLabels,
                    true)),
            List.of(),
            new StandardTask.KShotSplits("SNLI", "train.tsv", "dev.tsv")));
    LabelSet cbLabels = LabelSet.of("entailment", "contradiction", "neutral");
    add(superGlue("cb", cbLabels, Metric.MACRO_F1, premiseHypothesis(), "CB"));
    add(
        superGlue(
            "copa",
            LabelSet.of("choice1", "choice2"),
            Metric.ACCURACY,
            new ColumnMapping(
                Column.named("premise"),
                null,
                Column.named("label"),
                named("premise", "choice1", "choice2", "question")),
            "COPA"));
    LabelSet falseTrue = LabelSet.of("false", "true");
    ColumnMapping boolq =
        new ColumnMapping(
            Column.named("passage"),
            Column.named("question"),
            Column.named("label"),
            named("passage", "question"));
    add(
        new StandardTask(
            "boolq",
            falseTrue,
            Metric.ACCURACY,
            true,
            Map.of(FileFormat.JSONL, jsonl(boolq, falseTrue)),
            List.of(
                StandardTask.FullSplits.of(
                    "fewglue-32dev/BoolQ/train.jsonl", "superglue/BoolQ/val.jsonl")),
            null));
    add(
        superGlue(
            "wic",
            falseTrue,
            Metric.ACCURACY,
            new ColumnMapping(
                Column.named("sentence1"),
                Column.named("sentence2"),
                Column.named("label"),
                named("word", "sentence1", "sentence2")),
            "WiC"));
    BUILT_IN.put(DemoData.NAME, DemoData.task());
  }

  /**
   * The built-in task called {@code name} (case, {@code -} and {@code _} ignored).
   *
   * @throws IllegalArgumentException listing the known names
   */
  public static Task get(String name) {
    Task task = BUILT_IN.get(key(name));
    if (task == null && PAIRS.containsKey(key(name))) {
      throw new IllegalArgumentException(
          "task '%s' is a sentence-pair task for embedding models, not a classification task"
              .formatted(name));
    }
    if (task == null) {
      throw new IllegalArgumentException(
          "unknown task '%s'; built-in tasks: %s".formatted(name, names()));
    }
    return task;
  }

  /** The canonical names of the built-in classification tasks. */
  public static List<String> names() {
    return List.copyOf(BUILT_IN.keySet());
  }

  /**
   * The built-in sentence-pair task called {@code name} (case, {@code -} and {@code _} ignored), if
   * there is one: {@code stsb}, GLUE STS-B (train 5,749 and dev 1,500 pairs from {@code
   * glue-stsb/}, scores 0 to 5).
   */
  public static java.util.Optional<PairTask> pair(String name) {
    return java.util.Optional.ofNullable(PAIRS.get(key(name)));
  }

  /** The canonical names of the built-in sentence-pair tasks. */
  public static List<String> pairNames() {
    return PAIRS.keySet().stream().sorted().toList();
  }

  /** The built-in tasks that have LM-BFF k-shot splits. */
  public static List<String> kShotNames() {
    return BUILT_IN.values().stream()
        .filter(t -> t instanceof StandardTask s && s.hasKShot())
        .map(Task::name)
        .toList();
  }

  /**
   * A task over the user's own files: {@code read} takes {@code .tsv}, {@code .csv} or {@code
   * .jsonl} files through {@code mapping}; {@code load(dir)} reads {@code train.*} and {@code
   * dev.*} (tsv, csv or jsonl) from {@code dir}.
   *
   * @param hasHeader whether TSV/CSV files start with a header line (needed when columns are named)
   */
  public static Task custom(
      String name, LabelSet labels, Metric metric, ColumnMapping mapping, boolean hasHeader) {
    Map<FileFormat, ExampleReader> readers = new EnumMap<>(FileFormat.class);
    readers.put(
        FileFormat.TSV, new TableExampleReader(FileFormat.TSV, hasHeader, mapping, labels, false));
    readers.put(
        FileFormat.CSV, new TableExampleReader(FileFormat.CSV, hasHeader, mapping, labels, false));
    if (mapping.usesNames()) {
      readers.put(FileFormat.JSONL, jsonl(mapping, labels));
    }
    return new StandardTask(
        name,
        labels,
        metric,
        mapping.textPair() != null,
        readers,
        List.of(
            new StandardTask.FullSplits(
                List.of("train.tsv", "train.csv", "train.jsonl"),
                List.of("dev.tsv", "dev.csv", "dev.jsonl"),
                0,
                0)),
        null);
  }

  private static void add(StandardTask task) {
    BUILT_IN.put(task.name(), task);
  }

  private static String key(String name) {
    return name.strip().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
  }

  private static TableExampleReader tsv(ColumnMapping mapping) {
    return new TableExampleReader(
        FileFormat.TSV, true, mapping, LabelSet.of("negative", "positive"), false);
  }

  private static ColumnMapping glueNli(String labelColumn) {
    return ColumnMapping.pair(
        Column.named("sentence1"), Column.named("sentence2"), Column.named(labelColumn));
  }

  private static ColumnMapping premiseHypothesis() {
    return new ColumnMapping(
        Column.named("premise"),
        Column.named("hypothesis"),
        Column.named("label"),
        named("premise", "hypothesis"));
  }

  private static Map<String, Column> named(String... fields) {
    Map<String, Column> out = new LinkedHashMap<>();
    for (String f : fields) {
      out.put(f, Column.named(f));
    }
    return out;
  }

  private static JsonlExampleReader jsonl(ColumnMapping mapping, LabelSet labels) {
    return new JsonlExampleReader(mapping, labels);
  }

  private static StandardTask superGlue(
      String name, LabelSet labels, Metric metric, ColumnMapping mapping, String folder) {
    return new StandardTask(
        name,
        labels,
        metric,
        mapping.textPair() != null,
        Map.of(FileFormat.JSONL, jsonl(mapping, labels)),
        List.of(
            StandardTask.FullSplits.of(
                "superglue/" + folder + "/train.jsonl", "superglue/" + folder + "/val.jsonl")),
        null);
  }
}
