package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.HuggingFaceFolder;
import io.github.mezo4j.nn.io.ModelFormatException;
import io.github.mezo4j.nn.io.onnx.OnnxBertGraph;
import io.github.mezo4j.nn.io.onnx.OnnxBertImporter;
import io.github.mezo4j.nn.io.onnx.OnnxExport;
import io.github.mezo4j.nn.io.onnx.OnnxGraph;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link OnnxBertGraph} on tiny random BERT and RoBERTa models read from Hugging Face folders: ONNX
 * Runtime on the written graph computes what our engine computes, the importer reads the graph back
 * as the same model, and bad weights are refused by name.
 */
class OnnxBertGraphTest {
  private static final double SAME = 1e-5;

  private static Workers workers;

  @BeforeAll
  static void setUp() {
    workers = Workers.of(2);
  }

  @AfterAll
  static void closeWorkers() {
    workers.close();
  }

  /** A tiny model saved as a Hugging Face folder and loaded back as {@code storage}. */
  private static BertCheckpoint folderModel(Path dir, BertConfig config, DType storage)
      throws Exception {
    Path folder = dir.resolve("hf-" + config.modelType());
    HuggingFaceFolder.save(folder, config, TinyBert.params(config, 5, ""));
    return HuggingFaceFolder.load(folder, storage);
  }

  @Test
  void bertF32(@TempDir Path dir) throws Exception {
    check(dir, TinyBert.bert(), DType.F32, true);
  }

  @Test
  void bertBf16(@TempDir Path dir) throws Exception {
    check(dir, TinyBert.bert(), DType.BF16, true);
  }

  @Test
  void robertaCountsPositionsFromThePadId(@TempDir Path dir) throws Exception {
    check(dir, TinyBert.roberta(), DType.F32, false);
  }

  private static void check(Path dir, BertConfig config, DType storage, boolean pairs)
      throws Exception {
    BertCheckpoint model = folderModel(dir, config, storage);
    Path out = dir.resolve("out");
    OnnxExport.write(out, model.config(), model.parameters(), null);
    byte[] onnx = Files.readAllBytes(out.resolve(OnnxExport.MODEL_FILE));
    EncoderInput input = TinyBert.randomBatch(config, 9, new int[] {7, 3, 12, 1}, pairs);

    float[] ours = BertEncoder.of(model.config(), model.parameters()).forward(input, workers);
    float[] ort;
    try (OrtReference session = new OrtReference(onnx, 2)) {
      ort = session.lastHiddenState(input);
    }
    double diff = TinyBert.maxDiffReal(ort, toDouble(ours), input, config.hiddenSize());
    System.out.printf(
        "new ONNX graph, tiny %s (%s): ORT vs engine max |diff| %.3g%n",
        config.modelType(), storage, diff);
    assertTrue(diff <= SAME, "max |ORT - engine| over real tokens = " + diff);

    // the importer reads the same model back: config and weights (bf16 widened exactly)
    BertCheckpoint back = OnnxBertImporter.importBert(onnx, "out", config.padTokenId());
    BertConfig c = back.config();
    assertEquals(config.modelType(), c.modelType());
    assertEquals(config.numAttentionHeads(), c.numAttentionHeads());
    assertEquals(config.intermediateSize(), c.intermediateSize());
    assertEquals(config.layerNormEps(), c.layerNormEps());
    assertEquals("gelu", c.hiddenAct());
    assertEquals(model.parameters().count(), back.parameters().count());
    for (Parameter p : model.parameters()) {
      assertArrayEquals(p.toFloatArray(), back.parameters().get(p.name()).toFloatArray(), p.name());
    }
  }

  @Test
  void exportingNewWeightsIntoAWrittenGraphGivesTheGraphOfTheNewWeights() throws Exception {
    BertConfig config = TinyBert.bert();
    ParameterSet a = TinyBert.params(config, 1, "");
    ParameterSet b = TinyBert.params(config, 2, "");
    byte[] graphA = OnnxBertGraph.build(config, a);
    assertArrayEquals(
        OnnxBertGraph.build(config, b), OnnxExport.replaceWeights(graphA, "a.onnx", b));
  }

  @Test
  void theGraphHasTheInterfaceOfHuggingFaceExports() throws Exception {
    BertConfig config = TinyBert.bert();
    OnnxGraph g = OnnxGraph.parse(OnnxBertGraph.build(config, TinyBert.params(config, 1, "")), "x");
    assertEquals(List.of("input_ids", "attention_mask", "token_type_ids"), g.inputs());
    assertEquals(List.of("last_hidden_state"), g.outputs());
  }

  @Test
  void refusesWeightsItCannotWriteNamingTheTensor(@TempDir Path dir) {
    BertConfig config = TinyBert.bert();
    ParameterSet full = TinyBert.params(config, 1, "");

    List<Parameter> missing = new ArrayList<>(full.list());
    missing.removeIf(p -> p.name().equals("encoder.layer.1.output.dense.bias"));
    assertRefused(dir, config, ParameterSet.of(missing), "'encoder.layer.1.output.dense.bias'");

    List<Parameter> head = new ArrayList<>(full.list());
    head.add(Parameter.f32("classifier.weight", new int[] {2, 16}, new float[32]));
    assertRefused(dir, config, ParameterSet.of(head), "'classifier.weight'", "not an encoder");

    assertRefused(
        dir, config, TinyBert.params(config, 1, "bert."), "'bert.embeddings.word_embeddings");

    BertConfig relu =
        new BertConfig("bert", List.of(), 50, 16, 2, 2, 40, "relu", 32, 2, 1e-12, 0, Map.of());
    assertRefused(dir, relu, full, "hidden_act 'relu'");

    List<Parameter> misshapen = new ArrayList<>(full.list());
    misshapen.replaceAll(
        p ->
            p.name().equals("encoder.layer.0.intermediate.dense.weight")
                ? TinyBert.random(new SplittableRandom(1), p.name(), 1, 16, 40)
                : p);
    assertRefused(
        dir,
        config,
        ParameterSet.of(misshapen),
        "'encoder.layer.0.intermediate.dense.weight'",
        "[16, 40]",
        "[40, 16]");
  }

  /** The export fails with a message naming {@code mentions}, and writes nothing. */
  private static void assertRefused(
      Path dir, BertConfig config, ParameterSet weights, String... mentions) {
    Path out = dir.resolve("refused");
    ModelFormatException e =
        assertThrows(
            ModelFormatException.class, () -> OnnxExport.write(out, config, weights, null));
    for (String m : mentions) {
      assertTrue(e.getMessage().contains(m), "'" + m + "' not in: " + e.getMessage());
    }
    assertFalse(Files.exists(out), "nothing written");
  }

  private static double[] toDouble(float[] x) {
    double[] d = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      d[i] = x[i];
    }
    return d;
  }
}
