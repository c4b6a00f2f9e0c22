package io.github.mezo4j.train.data;

import io.github.mezo4j.train.metrics.Metric;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A classification task: its labels, the metric it is reported with, how its files are read and
 * where its built-in splits live. Get the built-in ones from {@link Tasks#get(String)}; describe a
 * file of your own with {@link Tasks#custom}.
 *
 * <p>Data locations: {@link #load(Path)} takes either the shared data folder (the one holding
 * {@code glue-sst2/}, {@code superglue/}, ...) or the task's own folder; {@link #loadKShot(Path,
 * int)} takes either the LM-BFF {@code k-shot} folder (holding {@code SST-2/16-13/train.tsv}) or
 * the shared data folder that holds it as {@code lmbff-kshot16/}.
 */
public interface Task {

  /** The canonical lower-case name, e.g. {@code sst2}. */
  String name();

  /** The labels; a class id is an index into them. */
  LabelSet labels();

  /** The metric results are reported with (and that {@code --objective f1} optimises). */
  Metric metric();

  /** Whether examples carry a second text (sentence-pair tasks). */
  boolean pairTask();

  /**
   * Reads any file in one of this task's formats (chosen by the file's extension), e.g. a dev or
   * test split for {@code mezo4j eval --data FILE}.
   *
   * @throws DataFormatException naming file and line of a malformed row or unknown label
   */
  List<Example> read(Path file) throws IOException;

  /**
   * The task's full train and dev splits.
   *
   * @throws java.nio.file.NoSuchFileException naming the places looked at
   * @throws IllegalArgumentException if the task has no full-data splits here (MNLI, SNLI)
   */
  Dataset load(Path dataDir) throws IOException;

  /**
   * The LM-BFF 16-shot train and dev splits of one seed (13, 21, 42, 87 or 100).
   *
   * @throws java.nio.file.NoSuchFileException naming the places looked at
   * @throws IllegalArgumentException if the task has no k-shot splits (the SuperGLUE tasks)
   */
  default Dataset loadKShot(Path dataDir, int seed) throws IOException {
    return loadKShot(dataDir, 16, seed);
  }

  /** The LM-BFF {@code k}-shot splits of one seed, from {@code <Task>/<k>-<seed>/}. */
  Dataset loadKShot(Path dataDir, int k, int seed) throws IOException;

  /**
   * Where to report a 16-shot run of {@code seed}: the full-data dev split minus every example of
   * that seed's k-shot train and dev splits. For SST-2 and RTE this is the GLUE dev set, which
   * LM-BFF and MeZO use as their test set; for SST-5 the SST-5 dev set (the test split is held
   * back); for TREC the carved dev split without the k-shot examples (LM-BFF drew them from the
   * same train file).
   *
   * @param dataDir the shared data folder (holding both the full data and {@code lmbff-kshot16/})
   * @throws IllegalArgumentException if the task lacks full-data or k-shot splits (MNLI, SNLI)
   */
  default List<Example> kShotEvaluationSet(Path dataDir, int seed) throws IOException {
    return Dataset.excluding(load(dataDir).dev(), loadKShot(dataDir, seed));
  }
}
