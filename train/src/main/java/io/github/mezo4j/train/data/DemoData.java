package io.github.mezo4j.train.data;

import io.github.mezo4j.train.metrics.Metric;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * The demo task: 300 short English review sentences (products, restaurants, films, hotels) written
 * for mezo4j and shipped inside the jar, labelled negative (0) / positive (1), balanced: 200 train
 * (100 per class) and 100 dev (50 per class). Many pairs share most words and differ in meaning ("I
 * expected to be bored, but..." / "I expected a thrilling documentary, but..."), so keyword
 * matching alone does not solve it and learning is visible. Files: {@code
 * io/github/mezo4j/train/demo/{train,dev}.tsv} (TSV with header {@code sentence<TAB>label}), see
 * the README.md beside them.
 */
public final class DemoData {
  private DemoData() {}

  /** The demo task's name in {@link Tasks}. */
  public static final String NAME = "demo";

  private static final String FOLDER = "/io/github/mezo4j/train/demo/";

  private static final LabelSet LABELS = LabelSet.of("negative", "positive");

  private static final TableExampleReader READER =
      new TableExampleReader(
          FileFormat.TSV,
          true,
          ColumnMapping.of(Column.named("sentence"), Column.named("label")),
          LABELS,
          false);

  /** The bundled train and dev splits. */
  public static Dataset load() throws IOException {
    return new Dataset(
        NAME,
        LABELS,
        resource("train.tsv"),
        resource("dev.tsv"),
        "train=classpath:" + FOLDER + "train.tsv dev=classpath:" + FOLDER + "dev.tsv");
  }

  /**
   * The demo as a {@link Task}: {@code load} ignores its data dir and returns the bundled splits;
   * {@code read} takes any file of the same format ({@code sentence<TAB>label} TSV).
   */
  public static Task task() {
    return TASK;
  }

  private static final Task TASK =
      new Task() {
        @Override
        public String name() {
          return NAME;
        }

        @Override
        public LabelSet labels() {
          return LABELS;
        }

        @Override
        public Metric metric() {
          return Metric.ACCURACY;
        }

        @Override
        public boolean pairTask() {
          return false;
        }

        @Override
        public List<Example> read(Path file) throws IOException {
          if (FileFormat.of(file) != FileFormat.TSV) {
            throw new DataFormatException(file, 0, "the demo task reads TSV files");
          }
          return READER.read(file);
        }

        @Override
        public Dataset load(Path dataDir) throws IOException {
          return DemoData.load();
        }

        @Override
        public Dataset loadKShot(Path dataDir, int k, int seed) {
          throw new IllegalArgumentException(
              "the demo task has no k-shot splits; k-shot tasks: " + Tasks.kShotNames());
        }

        @Override
        public String toString() {
          return NAME + " " + LABELS.names() + " (accuracy)";
        }
      };

  private static List<Example> resource(String name) throws IOException {
    String path = FOLDER + name;
    try (InputStream in = DemoData.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new NoSuchFileException("classpath:" + path, null, "demo data missing from the jar");
      }
      return READER.parse(Path.of(name), TextFiles.decode(Path.of(name), in.readAllBytes()));
    }
  }
}
