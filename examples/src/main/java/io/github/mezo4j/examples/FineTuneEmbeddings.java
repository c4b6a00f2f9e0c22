package io.github.mezo4j.examples;

import io.github.mezo4j.core.data.SharedData;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.nn.io.onnx.OnnxExport;
import io.github.mezo4j.train.data.PairTask;
import io.github.mezo4j.train.data.Tasks;
import io.github.mezo4j.train.data.TextPair;
import io.github.mezo4j.train.trainer.EmbeddingFineTuning;
import io.github.mezo4j.train.trainer.PairFineTuner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Fine-tunes the built-in all-MiniLM-L6-v2 on sentence pairs with similarity scores held in memory,
 * evaluates it, and exports it as an ONNX file that ONNX Runtime loads in place of the original.
 *
 * <p>Usage: {@code examples/run FineTuneEmbeddings [STS-B FOLDER] [STEPS] [OUT]}. The pairs come
 * from GLUE STS-B's train.tsv and dev.tsv (default: glue-stsb in the shared data folder,
 * $MEZO4J_DATA or ../shared/data); any {@code List<TextPair>} works the same way.
 */
public final class FineTuneEmbeddings {
  private FineTuneEmbeddings() {}

  /**
   * Runs the example; the arguments are optional, in the order of the usage line of the class
   * comment.
   */
  public static void main(String[] args) throws IOException {
    Path data = args.length > 0 ? Path.of(args[0]) : SharedData.root("glue-stsb");
    Path out = Path.of(args.length > 2 ? args[2] : "runs/example-embeddings");
    PairTask.Splits stsb = Tasks.pair("stsb").orElseThrow().load(data); // any List<TextPair> works
    List<TextPair> train = stsb.train();
    List<TextPair> dev = stsb.dev();

    // The lines a developer writes: model, settings, fit, evaluate, export.
    BertCheckpoint base = MiniLm.load();
    EmbeddingFineTuning tuning = EmbeddingFineTuning.scored(0, 5).out(out).progress(System.err);
    if (args.length > 1) {
      tuning.steps(Integer.parseInt(args[1])); // else the recipe's
    }
    PairFineTuner.Result result = tuning.fit(base, train, dev);
    double after = tuning.evaluate(result.model(), dev).spearman();
    Path onnx = out.resolve("onnx"); // model.onnx + tokenizer.json, a drop-in for the original
    OnnxExport.write(
        onnx,
        MiniLm.onnxBytes(),
        "minilm",
        result.model().embedder().encoder().mergedParameters(),
        base.tokenizer().orElseThrow());
    System.out.printf(
        "dev Spearman: %.4f untrained, %.4f after %d steps (best %.4f); run folder %s, ONNX %s%n",
        result.initialDevMetric(),
        after,
        result.summary().get("steps").asInt(),
        result.bestDevMetric(),
        out,
        onnx);
  }
}
