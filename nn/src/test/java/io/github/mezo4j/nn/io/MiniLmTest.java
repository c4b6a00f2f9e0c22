package io.github.mezo4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.param.BFloat16;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.nn.io.onnx.OnnxGraph;
import io.github.mezo4j.nn.io.onnx.OnnxNode;
import io.github.mezo4j.nn.io.onnx.OnnxTensor;
import io.github.mezo4j.nn.model.BertConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Imports the real all-MiniLM-L6-v2 ONNX export once and checks config, names and layouts. */
class MiniLmTest {
  private static BertCheckpoint minilm;
  private static OnnxGraph graph;

  @BeforeAll
  static void load() throws Exception {
    minilm = MiniLm.load();
    graph = OnnxGraph.parse(MiniLm.onnxBytes(), "minilm");
  }

  @Test
  void infersThePublishedConfig() {
    // the published config.json of sentence-transformers/all-MiniLM-L6-v2
    BertConfig expected =
        new BertConfig(
            "bert",
            List.of("BertModel"),
            30522,
            384,
            6,
            12,
            1536,
            "gelu",
            512,
            2,
            1e-12,
            0,
            Map.of());
    assertEquals(expected, minilm.config());
    assertEquals(32, minilm.config().headDim());
  }

  @Test
  void loadsAsBf16RoundingEachWeightToNearest() throws Exception {
    BertCheckpoint bf16 = MiniLm.load(DType.BF16);
    assertEquals(minilm.config(), bf16.config());
    assertEquals(minilm.parameters().names(), bf16.parameters().names());
    long f32Bytes = 0;
    long bf16Bytes = 0;
    for (Parameter p : bf16.parameters()) {
      Parameter f = minilm.parameters().get(p.name());
      assertEquals(DType.BF16, p.dtype(), p.name());
      assertArrayEquals(f.shape(), p.shape(), p.name());
      short[] bits = p.bf16Data();
      for (int i = 0; i < bits.length; i++) {
        if (bits[i] != BFloat16.fromFloat(f.get(i))) {
          throw new AssertionError(
              "%s[%d]: %s, expected the bf16 nearest to %s"
                  .formatted(p.name(), i, BFloat16.toFloat(bits[i]), f.get(i)));
        }
      }
      f32Bytes += f.bytes();
      bf16Bytes += p.bytes();
    }
    assertEquals(90_261_504L, f32Bytes);
    assertEquals(f32Bytes / 2, bf16Bytes);
  }

  @Test
  void holdsEveryEncoderTensorInCanonicalOrder() {
    List<String> expected = List.copyOf(BertNames.encoderShapes(minilm.config()).keySet());
    assertEquals(5 + 6 * 16, expected.size());
    assertEquals(expected, minilm.parameters().names());
    for (Parameter p : minilm.parameters()) {
      assertEquals(DType.F32, p.dtype(), p.name());
      assertArrayEquals(
          BertNames.encoderShapes(minilm.config()).get(p.name()), p.shape(), p.name());
    }
    assertFalse(minilm.parameters().contains("embeddings.position_ids"));
  }

  @Test
  void linearWeightsAreTheTransposedMatMulOperandsNamedByTheExporter() throws Exception {
    // independent route: the exporter's node names (module paths) identify each MatMul
    String[] modules = {
      "attention/self/query", "attention/self/key", "attention/self/value",
      "attention/output/dense", "intermediate/dense", "output/dense"
    };
    int checked = 0;
    for (int layer = 0; layer < 6; layer++) {
      for (String module : modules) {
        String nodeName = "/encoder/layer.%d/%s/MatMul".formatted(layer, module);
        OnnxNode matmul =
            graph.nodes().stream().filter(n -> n.name().equals(nodeName)).findFirst().orElseThrow();
        OnnxTensor w = graph.initializers().get(matmul.input(1));
        long[] dims = w.dims();
        float[] inOut = w.toFloats();
        Parameter p =
            minilm.parameters().get(BertNames.layer(layer, module.replace('/', '.') + ".weight"));
        assertArrayEquals(new int[] {(int) dims[1], (int) dims[0]}, p.shape());
        for (int o = 0; o < dims[1]; o++) {
          for (int i = 0; i < dims[0]; i++) {
            assertEquals(
                Float.floatToRawIntBits(inOut[(int) (i * dims[1] + o)]),
                Float.floatToRawIntBits(p.get((int) (o * dims[0] + i))));
          }
        }
        checked++;
      }
    }
    assertEquals(36, checked);
  }

  @Test
  void namedInitializersAreCopiedBitForBit() throws Exception {
    for (String name :
        List.of(BertNames.WORD_EMBEDDINGS, BertNames.layer(5, "output.LayerNorm.bias"))) {
      float[] raw = graph.initializers().get(name).toFloats();
      assertArrayEquals(raw, minilm.parameters().get(name).toFloatArray());
    }
  }

  @Test
  void carriesTheTokenizerJson() {
    TokenizerJson tok = minilm.tokenizer().orElseThrow();
    assertTrue(tok.text().contains("\"WordPiece\""));
    assertTrue(tok.source().contains(MiniLm.TOKENIZER_RESOURCE));
  }
}
