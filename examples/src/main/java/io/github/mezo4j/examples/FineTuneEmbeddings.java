package io.github.mezo4j.examples;

import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.train.data.TextPair;
import io.github.mezo4j.train.trainer.EmbeddingFineTuning;
import io.github.mezo4j.train.trainer.PairFineTuner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Fine-tunes the built-in all-MiniLM-L6-v2 on sentence pairs with similarity scores held in memory,
 * evaluates it, and names the run folder that replays it.
 *
 * <p>Usage: {@code examples/run FineTuneEmbeddings [STS-B FOLDER] [STEPS] [OUT]}. The pairs come
 * from GLUE STS-B's train.tsv and dev.tsv (default folder: $MEZO4J_DATA/glue-stsb, else
 * ../shared/data/glue-stsb); any {@code List<TextPair>} works the same way.
 */
public final class FineTuneEmbeddings {
  private FineTuneEmbeddings() {}

  /**
   * Runs the example; the arguments are optional, in the order of the usage line of the class
   * comment.
   */
  public static void main(String[] args) throws IOException {
    Path data = args.length > 0 ? Path.of(args[0]) : defaultData();
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 300;
    Path out = Path.of(args.length > 2 ? args[2] : "runs/example-embeddings");
    List<TextPair> train = readStsb(data.resolve("train.tsv"));
    List<TextPair> dev = readStsb(data.resolve("dev.tsv"));

    // The ten lines a developer writes: model, settings, fit, evaluate.
    BertCheckpoint base = MiniLm.load();
    EmbeddingFineTuning tuning =
        EmbeddingFineTuning.scored(0, 5).steps(steps).evalEvery(100).out(out).progress(System.err);
    PairFineTuner.Result result = tuning.fit(base, train, dev);
    double after = tuning.evaluate(result.model(), dev).spearman();
    System.out.printf(
        "dev Spearman: %.4f untrained, %.4f after %d steps (best %.4f); run folder %s%n",
        result.initialDevMetric(), after, steps, result.bestDevMetric(), out);
  }

  /** GLUE STS-B's TSV: sentence1, sentence2 and score are the last three columns. */
  static List<TextPair> readStsb(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file);
    List<TextPair> pairs = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split("\t", -1);
      int n = f.length;
      pairs.add(new TextPair(f[n - 3], f[n - 2], Double.parseDouble(f[n - 1])));
    }
    return pairs;
  }

  private static Path defaultData() {
    String env = System.getenv("MEZO4J_DATA");
    return Path.of(env != null ? env : "../shared/data").resolve("glue-stsb");
  }
}
