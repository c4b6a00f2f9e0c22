package io.github.mezo4j.nn.io.onnx;

import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.BertNames;
import io.github.mezo4j.nn.io.ModelFormatException;
import io.github.mezo4j.nn.model.BertConfig;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a BERT-family encoder as a new ONNX graph of standard operators (opset {@value #OPSET}),
 * for models that did not come from an ONNX file. The interface is the one Hugging Face exports of
 * sentence-transformers models have: int64 inputs {@code input_ids}, {@code attention_mask} and
 * {@code token_type_ids} of shape [batch_size, sequence_length], and the float output {@code
 * last_hidden_state} [batch_size, sequence_length, hidden]; pool and normalise it as for the
 * original model.
 *
 * <p>The graph computes what {@link io.github.mezo4j.nn.model.BertEncoder} computes: GELU in its
 * exact erf form, every layer norm with the config's {@code layer_norm_eps}, attention scaled by
 * 1/sqrt(head_dim) with masked keys excluded, and position ids 0, 1, 2, ... for BERT or counted
 * from {@code pad_token_id + 1} over non-padding tokens for RoBERTa and XLM-R. Its layout follows
 * PyTorch's export (linear weights as anonymous [in, out] MatMul operands followed by an Add of the
 * named bias, decomposed layer norms), so {@link OnnxBertImporter} reads it back and {@link
 * OnnxExport#replaceWeights} can update it. Weights are written as f32 (bf16 widens exactly); the
 * pooler is left out, as {@code last_hidden_state} does not use it.
 */
public final class OnnxBertGraph {
  /** The ONNX operator set the graph uses: the one PyTorch and optimum export BERT with. */
  public static final int OPSET = 14;

  /** Input: token ids, int64 [batch_size, sequence_length]. */
  public static final String INPUT_IDS = "input_ids";

  /** Input: 1 for real tokens, 0 for padding, int64 [batch_size, sequence_length]. */
  public static final String ATTENTION_MASK = "attention_mask";

  /** Input: segment ids (0 for the first text, 1 for the second), int64. */
  public static final String TOKEN_TYPE_IDS = "token_type_ids";

  /** Output: the last layer's hidden states, float [batch_size, sequence_length, hidden]. */
  public static final String LAST_HIDDEN_STATE = "last_hidden_state";

  // onnx.proto field numbers and codes
  private static final int IR_VERSION = 7; // the IR version of opset 14
  private static final int GRAPH_NODE = 1;
  private static final int GRAPH_NAME = 2;
  private static final int GRAPH_INITIALIZER = 5;
  private static final int GRAPH_INPUT = 11;
  private static final int GRAPH_OUTPUT = 12;

  private final BertConfig config;
  private final Map<String, Parameter> weights;
  private final ProtoWriter graph;
  private final Map<String, String> constants = new LinkedHashMap<>();
  private int matmuls;

  private OnnxBertGraph(BertConfig config, Map<String, Parameter> weights, long bytes) {
    this.config = config;
    this.weights = weights;
    this.graph = new ProtoWriter((int) Math.min(Integer.MAX_VALUE - 8, bytes + (1 << 20)));
  }

  /**
   * The .onnx file bytes of an encoder with {@code config}'s shape and {@code weights}.
   *
   * @param config the encoder's configuration; {@code hidden_act} must be {@code gelu}
   * @param weights the encoder's weights under {@link BertNames} names (a {@code pooler.*} tensor
   *     is allowed and left out)
   * @throws ModelFormatException naming the tensor that is missing, misshapen or not part of the
   *     encoder, or the unsupported activation
   */
  public static byte[] build(BertConfig config, ParameterSet weights) throws ModelFormatException {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(weights, "weights");
    String source = "the weights to export";
    if (!config.hiddenAct().equals("gelu")) {
      throw new ModelFormatException(
          source,
          "hidden_act '%s' cannot be exported: the graph implements gelu (exact erf form) only"
              .formatted(config.hiddenAct()));
    }
    Map<String, Parameter> byName = new LinkedHashMap<>();
    Map<String, int[]> encoder = BertNames.encoderShapes(config);
    long bytes = 0;
    for (Parameter p : weights) {
      if (!encoder.containsKey(p.name()) && !p.name().startsWith("pooler.")) {
        throw new ModelFormatException(
            source,
            ("tensor '%s' is not an encoder weight (expected names such as '%s'); export the"
                    + " encoder's weights only")
                .formatted(p.name(), BertNames.WORD_EMBEDDINGS));
      }
      byName.put(p.name(), p);
      bytes += 4L * p.size();
    }
    BertNames.check(config, byName, source);
    OnnxBertGraph g = new OnnxBertGraph(config, byName, bytes);
    return g.write();
  }

  private byte[] write() {
    graph.string(GRAPH_NAME, "main_graph");
    int h = config.hiddenSize();
    String x = embeddings();
    String mask = maskBias();
    for (int l = 0; l < config.numHiddenLayers(); l++) {
      boolean last = l == config.numHiddenLayers() - 1;
      x = layer(l, x, mask, last ? LAST_HIDDEN_STATE : null);
    }
    graph.message(GRAPH_INPUT, valueInfo(INPUT_IDS, OnnxTensor.INT64));
    graph.message(GRAPH_INPUT, valueInfo(ATTENTION_MASK, OnnxTensor.INT64));
    graph.message(GRAPH_INPUT, valueInfo(TOKEN_TYPE_IDS, OnnxTensor.INT64));
    graph.message(GRAPH_OUTPUT, valueInfo(LAST_HIDDEN_STATE, OnnxTensor.FLOAT, h));
    ProtoWriter opset = new ProtoWriter().string(1, "").varint(2, OPSET);
    ProtoWriter model =
        new ProtoWriter(graph.size() + 256)
            .varint(1, IR_VERSION)
            .string(2, "mezo4j")
            .message(8, opset)
            .message(7, graph);
    return model.toByteArray();
  }

  /** word + token type + position embeddings, then LayerNorm: [batch, seq, hidden]. */
  private String embeddings() {
    String words =
        op(
            "/embeddings/word_embeddings/Gather",
            "Gather",
            weight(BertNames.WORD_EMBEDDINGS),
            INPUT_IDS);
    String types =
        op(
            "/embeddings/token_type_embeddings/Gather",
            "Gather",
            weight(BertNames.TOKEN_TYPE_EMBEDDINGS),
            TOKEN_TYPE_IDS);
    String positions =
        op(
            "/embeddings/position_embeddings/Gather",
            "Gather",
            weight(BertNames.POSITION_EMBEDDINGS),
            positionIds());
    String sum = op("/embeddings/Add", "Add", words, types);
    sum = op("/embeddings/Add_1", "Add", sum, positions);
    return layerNorm("/embeddings/LayerNorm", "embeddings.LayerNorm.", sum, null);
  }

  /**
   * BERT: [1, seq] = 0, 1, 2, ...; RoBERTa: [batch, seq], each non-padding token's count of
   * non-padding tokens up to it plus pad_token_id, padding tokens pad_token_id (HF
   * create_position_ids_from_input_ids).
   */
  private String positionIds() {
    if (config.modelType().equals("bert")) {
      String shape = op("/embeddings/Shape", "Shape", INPUT_IDS);
      String seq = op("/embeddings/Gather_seq", "Gather", shape, longScalar(1));
      String range = op("/embeddings/Range", "Range", longScalar(0), seq, longScalar(1));
      return op("/embeddings/Unsqueeze", "Unsqueeze", range, longs(0));
    }
    String pad = longScalar(config.padTokenId());
    String isPad = op("/embeddings/Equal", "Equal", INPUT_IDS, pad);
    String notPad = op("/embeddings/Not", "Not", isPad);
    String counts =
        op(
            "/embeddings/Cast",
            "Cast",
            new String[] {notPad},
            ProtoWriter.intAttribute("to", OnnxTensor.INT64));
    String cumulative = op("/embeddings/CumSum", "CumSum", counts, longScalar(1));
    String real = op("/embeddings/Mul", "Mul", cumulative, counts);
    return op("/embeddings/Add_positions", "Add", real, pad);
  }

  /** (1 - mask) * float_min as [batch, 1, 1, seq], added to the attention scores. */
  private String maskBias() {
    String unsqueezed = op("/Unsqueeze_mask", "Unsqueeze", ATTENTION_MASK, longs(1, 2));
    String mask =
        op(
            "/Cast_mask",
            "Cast",
            new String[] {unsqueezed},
            ProtoWriter.intAttribute("to", OnnxTensor.FLOAT));
    String inverted = op("/Sub_mask", "Sub", floatScalar(1), mask);
    return op("/Mul_mask", "Mul", inverted, floatScalar(-Float.MAX_VALUE));
  }

  /** One transformer layer; its output is named {@code output} when not null. */
  private String layer(int l, String x, String mask, String output) {
    String p = "encoder.layer." + l + ".";
    String n = "/encoder/layer." + l;
    int heads = config.numAttentionHeads();
    int headDim = config.hiddenSize() / heads;
    String split = longs(0, 0, heads, headDim);
    String q = linear(n + "/attention/self/query", p + "attention.self.query.", x);
    String k = linear(n + "/attention/self/key", p + "attention.self.key.", x);
    String v = linear(n + "/attention/self/value", p + "attention.self.value.", x);
    q = op(n + "/attention/self/Reshape", "Reshape", q, split);
    k = op(n + "/attention/self/Reshape_1", "Reshape", k, split);
    v = op(n + "/attention/self/Reshape_2", "Reshape", v, split);
    q = transpose(n + "/attention/self/Transpose", q, 0, 2, 1, 3); // [b, heads, seq, head_dim]
    k = transpose(n + "/attention/self/Transpose_1", k, 0, 2, 3, 1); // [b, heads, head_dim, seq]
    v = transpose(n + "/attention/self/Transpose_2", v, 0, 2, 1, 3);
    String scores = op(n + "/attention/self/MatMul", "MatMul", q, k);
    scores = op(n + "/attention/self/Div", "Div", scores, floatScalar((float) Math.sqrt(headDim)));
    scores = op(n + "/attention/self/Add", "Add", scores, mask);
    String probs =
        op(
            n + "/attention/self/Softmax",
            "Softmax",
            new String[] {scores},
            ProtoWriter.intAttribute("axis", -1));
    String context = op(n + "/attention/self/MatMul_1", "MatMul", probs, v);
    context = transpose(n + "/attention/self/Transpose_3", context, 0, 2, 1, 3);
    context =
        op(n + "/attention/self/Reshape_3", "Reshape", context, longs(0, 0, config.hiddenSize()));
    String attention =
        linear(n + "/attention/output/dense", p + "attention.output.dense.", context);
    attention = op(n + "/attention/output/Add", "Add", attention, x);
    attention =
        layerNorm(
            n + "/attention/output/LayerNorm", p + "attention.output.LayerNorm.", attention, null);

    String inner = linear(n + "/intermediate/dense", p + "intermediate.dense.", attention);
    inner = gelu(n + "/intermediate/intermediate_act_fn", inner);
    String out = linear(n + "/output/dense", p + "output.dense.", inner);
    out = op(n + "/output/Add", "Add", out, attention);
    return layerNorm(n + "/output/LayerNorm", p + "output.LayerNorm.", out, output);
  }

  /** x W^T + b, W written as PyTorch's export does: an anonymous [in, out] MatMul operand. */
  private String linear(String name, String prefix, String x) {
    Parameter w = weights.get(prefix + "weight");
    int out = w.dim(0);
    int in = w.dim(1);
    String operand = "onnx::MatMul_" + (++matmuls);
    float[] transposed = OnnxBertImporter.transpose(w.toFloatArray(), out, in);
    graph.message(
        GRAPH_INITIALIZER, ProtoWriter.floatTensor(operand, new long[] {in, out}, transposed));
    String y = op(name + "/MatMul", "MatMul", x, operand);
    return op(name + "/Add", "Add", y, weight(prefix + "bias"));
  }

  /** 0.5 x (1 + erf(x / sqrt 2)), in the order PyTorch exports it. */
  private String gelu(String name, String x) {
    String scaled = op(name + "/Div", "Div", x, floatScalar((float) Math.sqrt(2)));
    String erf = op(name + "/Erf", "Erf", scaled);
    String plusOne = op(name + "/Add", "Add", erf, floatScalar(1));
    String product = op(name + "/Mul", "Mul", x, plusOne);
    return op(name + "/Mul_1", "Mul", product, floatScalar(0.5f));
  }

  /** (x - mean) / sqrt(var + eps) * weight + bias over the last axis, decomposed as in opset 14. */
  private String layerNorm(String name, String prefix, String x, String output) {
    ProtoWriter lastAxis = ProtoWriter.intsAttribute("axes", -1);
    String mean = op(name + "/ReduceMean", "ReduceMean", new String[] {x}, lastAxis);
    String centred = op(name + "/Sub", "Sub", x, mean);
    String squared = op(name + "/Pow", "Pow", centred, floatScalar(2));
    String variance =
        op(
            name + "/ReduceMean_1",
            "ReduceMean",
            new String[] {squared},
            ProtoWriter.intsAttribute("axes", -1));
    String shifted = op(name + "/Add", "Add", variance, floatScalar((float) config.layerNormEps()));
    String deviation = op(name + "/Sqrt", "Sqrt", shifted);
    String normalised = op(name + "/Div", "Div", centred, deviation);
    String scaled = op(name + "/Mul", "Mul", normalised, weight(prefix + "weight"));
    String[] inputs = {scaled, weight(prefix + "bias")};
    String out = output != null ? output : name + "/Add_1_output_0";
    graph.message(GRAPH_NODE, ProtoWriter.node(name + "/Add_1", "Add", inputs, new String[] {out}));
    return out;
  }

  private String transpose(String name, String x, long... perm) {
    return op(name, "Transpose", new String[] {x}, ProtoWriter.intsAttribute("perm", perm));
  }

  /** Adds node {@code name}; returns its single output, named {@code name + "_output_0"}. */
  private String op(String name, String type, String... inputs) {
    return op(name, type, inputs, new ProtoWriter[0]);
  }

  private String op(String name, String type, String[] inputs, ProtoWriter... attributes) {
    String out = name + "_output_0";
    graph.message(GRAPH_NODE, ProtoWriter.node(name, type, inputs, new String[] {out}, attributes));
    return out;
  }

  /**
   * The named weight as an initializer of its shape (written once), named as in the weights; for
   * RoBERTa and XLM-R with the {@code roberta.} prefix, which tells {@link OnnxBertImporter} the
   * family (their position ids differ from BERT's).
   */
  private String weight(String name) {
    return constants.computeIfAbsent(
        name,
        n -> {
          Parameter p = weights.get(n);
          long[] dims = new long[p.shape().length];
          for (int i = 0; i < dims.length; i++) {
            dims[i] = p.shape()[i];
          }
          String graphName =
              config.modelType().equals("bert") ? n : BertNames.basePrefix("roberta") + n;
          graph.message(
              GRAPH_INITIALIZER, ProtoWriter.floatTensor(graphName, dims, p.toFloatArray()));
          return graphName;
        });
  }

  /** A float scalar initializer, shared by every node that uses the same value. */
  private String floatScalar(float value) {
    String key = "float:" + Float.floatToRawIntBits(value);
    return constants.computeIfAbsent(
        key,
        k -> {
          String name = "/Constant_f" + constants.size();
          graph.message(
              GRAPH_INITIALIZER, ProtoWriter.floatTensor(name, new long[0], new float[] {value}));
          return name;
        });
  }

  private String longScalar(long value) {
    return longConstant(new long[0], value);
  }

  /** A 1-D int64 initializer (shapes, axes). */
  private String longs(long... values) {
    return longConstant(new long[] {values.length}, values);
  }

  private String longConstant(long[] dims, long... values) {
    String key = "int64:" + Arrays.toString(dims) + Arrays.toString(values);
    return constants.computeIfAbsent(
        key,
        k -> {
          String name = "/Constant_i" + constants.size();
          graph.message(GRAPH_INITIALIZER, ProtoWriter.longTensor(name, dims, values));
          return name;
        });
  }

  /** ValueInfoProto of a tensor [batch_size, sequence_length, extra...]. */
  private static ProtoWriter valueInfo(String name, int elemType, long... extra) {
    ProtoWriter shape = new ProtoWriter();
    shape.message(1, new ProtoWriter().string(2, "batch_size"));
    shape.message(1, new ProtoWriter().string(2, "sequence_length"));
    for (long d : extra) {
      shape.message(1, new ProtoWriter().varint(1, d));
    }
    ProtoWriter tensor = new ProtoWriter().varint(1, elemType).message(2, shape);
    return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensor));
  }
}
