package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.HuggingFaceFolder;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.nn.io.onnx.OnnxBertImporter;
import io.github.mezo4j.nn.io.onnx.OnnxExport;
import io.github.mezo4j.nn.io.onnx.OnnxGraph;
import io.github.mezo4j.nn.io.onnx.OnnxTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MiniLM with changed weights, exported into its own ONNX file or (read from a Hugging Face folder)
 * as a new graph, computes in ONNX Runtime what our engine computes on the changed weights: the
 * export writes every weight where the graph reads it, and the new graph computes what the engine
 * does.
 */
class MiniLmOnnxExportTest {
  /** Well above the engines' numerical gap (~1e-5), far below what the weight changes move. */
  private static final double CHANGED = 1e-2;

  private static final double SAME = 1e-5;

  private static Workers workers;
  private static EncoderInput input;
  private static byte[] sourceModel;
  private static float[] originalOrt;

  @BeforeAll
  static void setUp() throws Exception {
    workers = Workers.of(2);
    input =
        MiniLmFixture.batch(
            List.of(
                "a gripping, beautifully shot film.",
                "the plot never comes together, and the jokes fall flat for most of its two hours.",
                "ok.",
                "The cat sat on the mat while the dog slept by the fire."));
    sourceModel = MiniLm.onnxBytes();
    try (OrtReference ort = new OrtReference(sourceModel, 2)) {
      originalOrt = ort.lastHiddenState(input);
    }
  }

  @AfterAll
  static void closeWorkers() {
    workers.close();
  }

  @Test
  void unchangedWeightsReproduceTheSourceFileByteForByte() throws Exception {
    byte[] exported =
        OnnxExport.replaceWeights(sourceModel, "minilm", MiniLmFixture.checkpoint().parameters());
    assertArrayEquals(sourceModel, exported);
  }

  @Test
  void changedF32WeightsGiveOurEnginesOutputsInOnnxRuntime(@TempDir Path dir) throws Exception {
    BertCheckpoint base = MiniLmFixture.checkpoint();
    ParameterSet weights = base.parameters().copy();
    change(weights);
    checkExport(dir, base, weights);
  }

  @Test
  void bf16TrainedWeightsAreWrittenAsTheSourceF32(@TempDir Path dir) throws Exception {
    BertCheckpoint bf16 = MiniLm.load(DType.BF16);
    ParameterSet weights = bf16.parameters();
    change(weights); // rounds each changed value to bf16, as a bf16 training step does
    Path model = checkExport(dir, bf16, weights);
    for (OnnxTensor t : OnnxGraph.parse(Files.readAllBytes(model), "x").initializers().values()) {
      if (t.isFloatingPoint()) {
        assertEquals(OnnxTensor.FLOAT, t.dataType(), t.name());
      }
    }
  }

  @Test
  void folderSourcedF32WeightsExportAsAGraphOnnxRuntimeAgreesWith(@TempDir Path dir)
      throws Exception {
    checkFolderExport(dir, DType.F32);
  }

  @Test
  void folderSourcedBf16TrainedWeightsExportAsAGraphOnnxRuntimeAgreesWith(@TempDir Path dir)
      throws Exception {
    checkFolderExport(dir, DType.BF16);
  }

  /** MiniLM saved as a Hugging Face folder, loaded as {@code storage}, changed, exported anew. */
  private static void checkFolderExport(Path dir, DType storage) throws Exception {
    Path folder = dir.resolve("hf");
    HuggingFaceFolder.save(folder, MiniLmFixture.checkpoint());
    BertCheckpoint base = HuggingFaceFolder.load(folder, storage);
    ParameterSet weights = base.parameters();
    change(weights);
    Path out = dir.resolve("onnx");
    checkExport(
        out,
        base,
        weights,
        "new graph",
        () -> OnnxExport.write(out, base.config(), weights, base.tokenizer().orElseThrow()));
    BertCheckpoint reimported =
        OnnxBertImporter.importBert(out.resolve(OnnxExport.MODEL_FILE), base.config().padTokenId());
    BertConfig c = reimported.config();
    assertEquals(base.config().numAttentionHeads(), c.numAttentionHeads());
    assertEquals(base.config().layerNormEps(), c.layerNormEps());
    assertEquals(base.config().hiddenAct(), c.hiddenAct());
  }

  /** An export that writes {@code model.onnx} and {@code tokenizer.json}. */
  private interface Export {
    void run() throws Exception;
  }

  /**
   * Exports {@code weights} into the source graph and checks ONNX Runtime on the file against our
   * engine on the weights; returns the model file.
   */
  private static Path checkExport(Path dir, BertCheckpoint base, ParameterSet weights)
      throws Exception {
    return checkExport(
        dir,
        base,
        weights,
        "source graph",
        () ->
            OnnxExport.write(dir, sourceModel, "minilm", weights, base.tokenizer().orElseThrow()));
  }

  private static Path checkExport(
      Path dir, BertCheckpoint base, ParameterSet weights, String label, Export export)
      throws Exception {
    export.run();
    Path model = dir.resolve(OnnxExport.MODEL_FILE);
    assertArrayEquals(
        base.tokenizer().orElseThrow().bytes(),
        Files.readAllBytes(dir.resolve(OnnxExport.TOKENIZER_FILE)));
    try (var files = Files.list(dir)) {
      assertEquals(2, files.count(), "only model.onnx and tokenizer.json, no temporary files");
    }

    // the file holds exactly the weights: importing it gives them back bit for bit (as f32)
    BertCheckpoint reimported = OnnxBertImporter.importBert(model, base.config().padTokenId());
    for (Parameter p : weights) {
      if (p.name().startsWith("pooler.")) {
        continue; // last_hidden_state does not use the pooler; a new graph leaves it out
      }
      assertArrayEquals(
          p.toFloatArray(), reimported.parameters().get(p.name()).toFloatArray(), p.name());
    }

    float[] ours = BertEncoder.of(base.config(), weights).forward(input, workers);
    float[] ort;
    try (OrtReference session = new OrtReference(Files.readAllBytes(model), 2)) {
      ort = session.lastHiddenState(input);
    }
    int hidden = base.config().hiddenSize();
    double hiddenDiff = TinyBert.maxDiffReal(ours, toDouble(ort), input, hidden);
    double moved = TinyBert.maxDiffReal(originalOrt, toDouble(ort), input, hidden);
    float[] a = SentenceEmbedder.pool(ours, input, hidden, SentencePooling.MEAN, false);
    float[] b = SentenceEmbedder.pool(ort, input, hidden, SentencePooling.MEAN, false);
    double embeddingDiff = 0;
    for (int i = 0; i < a.length; i++) {
      embeddingDiff = Math.max(embeddingDiff, Math.abs(a[i] - b[i]));
    }
    System.out.printf(
        "exported MiniLM (%s, %s): ORT vs engine max |diff| last_hidden_state %.3g, mean-pooled %.3g;"
            + " ORT exported vs original %.3g%n",
        weights.list().get(0).dtype(), label, hiddenDiff, embeddingDiff, moved);
    assertTrue(moved > CHANGED, "the changed weights move ORT's outputs: " + moved);
    assertTrue(hiddenDiff <= SAME, "last_hidden_state max |ORT - engine| = " + hiddenDiff);
    assertTrue(embeddingDiff <= SAME, "mean-pooled max |ORT - engine| = " + embeddingDiff);
    return model;
  }

  /**
   * Deterministic changes to several kinds of weight: a MatMul weight the graph stores transposed
   * (and asymmetrically, so a missing transpose shows), a bias, a LayerNorm weight and an embedding
   * table.
   */
  private static void change(ParameterSet weights) {
    Parameter query = weights.get("encoder.layer.0.attention.self.query.weight");
    for (int i = 0; i < query.size(); i++) {
      query.set(i, query.get(i) + 0.02f * (float) Math.sin(0.37 * i));
    }
    Parameter intermediate = weights.get("encoder.layer.3.intermediate.dense.weight");
    int in = intermediate.dim(1);
    for (int r = 0; r < intermediate.dim(0); r++) {
      intermediate.set(r * in + r % in, intermediate.get(r * in + r % in) + 0.05f);
    }
    Parameter bias = weights.get("encoder.layer.2.output.dense.bias");
    for (int i = 0; i < bias.size(); i++) {
      bias.set(i, bias.get(i) + 0.1f * (i % 7 - 3));
    }
    Parameter norm = weights.get("encoder.layer.5.output.LayerNorm.weight");
    for (int i = 0; i < norm.size(); i++) {
      norm.set(i, norm.get(i) * (1 + 0.01f * (i % 5)));
    }
    Parameter words = weights.get("embeddings.word_embeddings.weight");
    for (int i = 0; i < words.size(); i += 3) {
      words.set(i, words.get(i) - 0.01f);
    }
  }

  private static double[] toDouble(float[] x) {
    double[] d = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      d[i] = x[i];
    }
    return d;
  }
}
