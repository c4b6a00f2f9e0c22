package io.github.mezo4j.nn.io.onnx;

import static io.github.mezo4j.nn.io.onnx.ProtoWriter.floatAttribute;
import static io.github.mezo4j.nn.io.onnx.ProtoWriter.floatTensor;
import static io.github.mezo4j.nn.io.onnx.ProtoWriter.longTensor;
import static io.github.mezo4j.nn.io.onnx.ProtoWriter.node;
import static io.github.mezo4j.nn.io.onnx.ProtoWriter.stringAttribute;
import static io.github.mezo4j.nn.io.onnx.ProtoWriter.tensorAttribute;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.ModelFormatException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The graph patterns the importer understands, on tiny hand-built BERT graphs (hidden 4, 2 heads,
 * intermediate 8, one layer): each way exporters write layer norms, attention scaling and GELU.
 */
class OnnxBertImporterTest {

  /** Builds a one-layer BERT export; the fields choose the graph pattern. */
  private static final class TinyBert {
    boolean fusedLayerNorm;
    Float eps = 1e-12f; // null: LayerNormalization without an epsilon attribute
    Float secondEps; // if set, the last layer norm uses it
    boolean reshape = true;
    String scale = "div"; // div, mul or none
    float scaleHeadDim = 2;
    String activation = "erf"; // erf, gelu-tanh, relu
    boolean intermediateFeedsRelu; // break the MatMul -> Add(bias) naming pattern
    Set<String> omit = new HashSet<>();
    String prefix = ""; // e.g. "bert." for an export of BertForSequenceClassification

    private final List<ProtoWriter> inits = new ArrayList<>();
    private final List<ProtoWriter> nodes = new ArrayList<>();
    private int counter = 700;
    private int values;

    private float[] values(int n) {
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = (values++ % 97) / 97f - 0.5f;
      }
      return v;
    }

    private void init(String name, long... dims) {
      long n = 1;
      for (long d : dims) {
        n *= d;
      }
      if (!omit.contains(name)) {
        inits.add(floatTensor(prefix + name, dims, values((int) n)));
      }
    }

    private String constant(ProtoWriter tensor) {
      String out = "c" + counter++;
      nodes.add(
          node("Constant", new String[0], new String[] {out}, tensorAttribute("value", tensor)));
      return out;
    }

    private String scalar(float v) {
      return constant(floatTensor("", new long[0], new float[] {v}));
    }

    private String op(String type, String... inputs) {
      String out = "v" + counter++;
      nodes.add(node(type, inputs, new String[] {out}));
      return out;
    }

    private String layerNorm(String in, String prefix, Float epsilon) {
      init(prefix + ".weight", 4);
      init(prefix + ".bias", 4);
      if (fusedLayerNorm) {
        String out = "v" + counter++;
        ProtoWriter[] attrs =
            epsilon == null
                ? new ProtoWriter[0]
                : new ProtoWriter[] {floatAttribute("epsilon", epsilon)};
        nodes.add(
            node(
                "LayerNormalization",
                new String[] {in, this.prefix + prefix + ".weight", this.prefix + prefix + ".bias"},
                new String[] {out},
                attrs));
        return out;
      }
      String mean = op("ReduceMean", in);
      String centred = op("Sub", in, mean);
      String variance = op("ReduceMean", op("Pow", centred, scalar(2)));
      String std = op("Sqrt", op("Add", variance, scalar(epsilon)));
      return op(
          "Add",
          op("Mul", op("Div", centred, std), this.prefix + prefix + ".weight"),
          this.prefix + prefix + ".bias");
    }

    String lastWeight;

    private String linear(String in, String module, int inDim, int outDim) {
      String w = "onnx::MatMul_" + counter++;
      inits.add(floatTensor(w, new long[] {inDim, outDim}, values(inDim * outDim)));
      lastWeight = w;
      init(module + ".bias", outDim);
      String mm = op("MatMul", in, w);
      if (intermediateFeedsRelu && module.endsWith("intermediate.dense")) {
        return op("Relu", mm);
      }
      return op("Add", prefix + module + ".bias", mm);
    }

    byte[] build() {
      init("embeddings.word_embeddings.weight", 10, 4);
      init("embeddings.position_embeddings.weight", 6, 4);
      init("embeddings.token_type_embeddings.weight", 2, 4);
      inits.add(longTensor("embeddings.position_ids", new long[] {1, 6}, 0, 1, 2, 3, 4, 5));
      String x = layerNorm("embedded", "embeddings.LayerNorm", eps);
      String p = "encoder.layer.0.";
      String q = linear(x, p + "attention.self.query", 4, 4);
      String k = linear(x, p + "attention.self.key", 4, 4);
      String v = linear(x, p + "attention.self.value", 4, 4);
      if (reshape) {
        String shape =
            op(
                "Concat",
                "batch",
                "seq",
                constant(longTensor("", new long[] {1}, 2)),
                constant(longTensor("", new long[] {1}, 2)));
        q = op("Reshape", q, shape);
      }
      String scores = op("MatMul", q, op("Transpose", k));
      switch (scale) {
        case "div" -> scores = op("Div", scores, scalar((float) Math.sqrt(scaleHeadDim)));
        case "mul" -> scores = op("Mul", scores, scalar((float) (1 / Math.sqrt(scaleHeadDim))));
        default -> {}
      }
      String ctx = op("MatMul", op("Softmax", scores), v);
      String attn = linear(ctx, p + "attention.output.dense", 4, 4);
      x = layerNorm(op("Add", attn, x), p + "attention.output.LayerNorm", eps);
      String h = linear(x, p + "intermediate.dense", 4, 8);
      String act =
          switch (activation) {
            case "erf" ->
                op(
                    "Mul",
                    op("Mul", h, op("Add", op("Erf", op("Div", h, scalar(1.4142135f))), scalar(1))),
                    scalar(0.5f));
            case "gelu-tanh" -> {
              String out = "v" + counter++;
              nodes.add(
                  node(
                      "Gelu",
                      new String[] {h},
                      new String[] {out},
                      stringAttribute("approximate", "tanh")));
              yield out;
            }
            default -> op("Relu", h);
          };
      String o = linear(act, p + "output.dense", 8, 4);
      layerNorm(op("Add", o, x), p + "output.LayerNorm", secondEps != null ? secondEps : eps);
      ProtoWriter graph = new ProtoWriter();
      for (ProtoWriter n : nodes) {
        graph.message(1, n);
      }
      graph.string(2, "tiny");
      for (ProtoWriter t : inits) {
        graph.message(5, t);
      }
      return ProtoWriter.model(graph);
    }
  }

  private static BertCheckpoint load(TinyBert bert) throws ModelFormatException {
    return OnnxBertImporter.importBert(bert.build(), "tiny.onnx", 0);
  }

  private static void fails(TinyBert bert, String... mentions) {
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> load(bert));
    assertTrue(e.getMessage().startsWith("tiny.onnx: "), e.getMessage());
    for (String m : mentions) {
      assertTrue(e.getMessage().contains(m), "'" + m + "' not in: " + e.getMessage());
    }
  }

  @Test
  void readsAPyTorchStyleExport() throws Exception {
    TinyBert bert = new TinyBert();
    byte[] onnx = bert.build();
    BertCheckpoint c = OnnxBertImporter.importBert(onnx, "tiny.onnx", 0);
    assertEquals(4, c.config().hiddenSize());
    assertEquals(2, c.config().numAttentionHeads());
    assertEquals(8, c.config().intermediateSize());
    assertEquals(1, c.config().numHiddenLayers());
    assertEquals(10, c.config().vocabSize());
    assertEquals(6, c.config().maxPositionEmbeddings());
    assertEquals(2, c.config().typeVocabSize());
    assertEquals(1e-12, c.config().layerNormEps());
    assertEquals("gelu", c.config().hiddenAct());
    assertEquals(5 + 16, c.parameters().count());
    // the output projection's MatMul operand was [8, 4]: nn.Linear holds its transpose [4, 8]
    OnnxGraph g = OnnxGraph.parse(onnx, "tiny.onnx");
    float[] inOut = g.initializers().get(bert.lastWeight).toFloats();
    Parameter w = c.parameters().get("encoder.layer.0.output.dense.weight");
    assertArrayEquals(new int[] {4, 8}, w.shape());
    for (int o = 0; o < 4; o++) {
      for (int i = 0; i < 8; i++) {
        assertEquals(inOut[i * 4 + o], w.get(o * 8 + i));
      }
    }
  }

  @Test
  void readsFusedLayerNormsMulScalingAndTanhGelu() throws Exception {
    TinyBert bert = new TinyBert();
    bert.fusedLayerNorm = true;
    bert.eps = 1e-6f;
    bert.reshape = false;
    bert.scale = "mul";
    bert.activation = "gelu-tanh";
    BertCheckpoint c = load(bert);
    assertEquals(1e-6, c.config().layerNormEps());
    assertEquals(2, c.config().numAttentionHeads());
    assertEquals("gelu_new", c.config().hiddenAct());

    TinyBert defaults = new TinyBert();
    defaults.fusedLayerNorm = true;
    defaults.eps = null; // ONNX's default epsilon
    defaults.scale = "none";
    defaults.activation = "relu";
    BertCheckpoint d = load(defaults);
    assertEquals(1e-5, d.config().layerNormEps());
    assertEquals(2, d.config().numAttentionHeads());
    assertEquals("relu", d.config().hiddenAct());
  }

  @Test
  void stripsTaskModelPrefixes() throws Exception {
    BertCheckpoint plain = load(new TinyBert());
    TinyBert prefixed = new TinyBert();
    prefixed.prefix = "bert.";
    BertCheckpoint bert = load(prefixed);
    assertEquals(plain.config(), bert.config());
    assertTrue(plain.parameters().contentEquals(bert.parameters()));

    TinyBert roberta = new TinyBert();
    roberta.prefix = "roberta.";
    BertCheckpoint r = load(roberta);
    assertEquals("roberta", r.config().modelType());
    assertEquals(List.of("RobertaModel"), r.config().architectures());
    assertEquals(plain.parameters().names(), r.parameters().names());
    assertEquals(2, r.config().numAttentionHeads());
    assertEquals(1e-12, r.config().layerNormEps());
  }

  @Test
  void explainsWhatCannotBeInferred() {
    TinyBert noHeads = new TinyBert();
    noHeads.reshape = false;
    noHeads.scale = "none";
    fails(noHeads, "cannot infer num_attention_heads");

    TinyBert inconsistent = new TinyBert();
    inconsistent.scaleHeadDim = 1;
    fails(inconsistent, "inconsistent num_attention_heads", "Reshape says 2", "scale says 4");

    TinyBert mixedEps = new TinyBert();
    mixedEps.secondEps = 1e-5f;
    fails(mixedEps, "layer norms disagree on epsilon", "encoder.layer.0.output.LayerNorm.weight");

    TinyBert unnamed = new TinyBert();
    unnamed.intermediateFeedsRelu = true;
    fails(unnamed, "cannot name initializer 'onnx::MatMul_", "named '....bias'");

    TinyBert missing = new TinyBert();
    missing.omit.add("encoder.layer.0.output.LayerNorm.bias");
    fails(missing, "missing tensor 'encoder.layer.0.output.LayerNorm.bias'");

    TinyBert noEmbeddings = new TinyBert();
    noEmbeddings.omit.add("embeddings.token_type_embeddings.weight");
    fails(noEmbeddings, "missing tensor 'embeddings.token_type_embeddings.weight'");
  }
}
