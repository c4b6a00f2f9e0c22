package io.github.mezo4j.nn.io.onnx;

import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.BertNames;
import io.github.mezo4j.nn.io.ModelFormatException;
import io.github.mezo4j.nn.io.TokenizerJson;
import io.github.mezo4j.nn.model.BertConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Imports the weights of a BERT-family encoder exported to ONNX by PyTorch ({@code
 * torch.onnx.export} of a Hugging Face {@code BertModel}), and infers its {@link BertConfig} from
 * the graph. The result uses the {@link BertNames} convention and matches the Hugging Face layout
 * bit for bit.
 *
 * <p>How weights are named:
 *
 * <ul>
 *   <li>Initializers with a dotted parameter name ({@code
 *       encoder.layer.0.attention.self.query.bias}) are the PyTorch tensors themselves and are kept
 *       as they are.
 *   <li>Linear weights are usually constant-folded into anonymous {@code MatMul} operands ({@code
 *       onnx::MatMul_787}) of shape [in, out]. Each is named by following the graph: its MatMul's
 *       output feeds an {@code Add} whose other operand is a named {@code ....bias}, so the weight
 *       is {@code ....weight}; it is transposed to nn.Linear's [out, in].
 *   <li>Non-floating initializers (e.g. the int64 buffer {@code embeddings.position_ids}) are graph
 *       constants, not weights, and are skipped.
 *   <li>Exports of task models whose names carry {@code bert.} or {@code roberta.} are normalised
 *       like {@link BertNames#normalise}; a {@code roberta.} prefix makes the config RoBERTa, any
 *       other export is taken as BERT.
 * </ul>
 *
 * <p>How the config is inferred: sizes from the embedding and layer shapes; {@code
 * num_attention_heads} from the {@code Reshape} of the layer-0 query projection to [batch, seq,
 * heads, head_dim] and/or the attention-score scale 1/sqrt(head_dim) (both must agree when both are
 * present); {@code layer_norm_eps} from a {@code LayerNormalization} node's {@code epsilon} or, for
 * a decomposed layer norm, the constant added to the variance before {@code Sqrt} (every layer norm
 * must agree); {@code hidden_act} from the operators after the intermediate projection ({@code Erf}
 * → gelu, {@code Tanh} → gelu_new, {@code Relu} → relu). The ONNX graph carries no padding id, so
 * the caller supplies {@code pad_token_id} (it is in the tokenizer).
 */
public final class OnnxBertImporter {
  private OnnxBertImporter() {}

  private static final Pattern PARAMETER_NAME = Pattern.compile("[A-Za-z_]\\w*(\\.\\w+)+");
  private static final Pattern LAYER_INDEX = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.");

  /** Reads and imports an ONNX file; see {@link #importBert(byte[], String, int)}. */
  public static BertCheckpoint importBert(Path onnxFile, int padTokenId) throws IOException {
    return importBert(Files.readAllBytes(onnxFile), onnxFile.toString(), padTokenId);
  }

  /**
   * Imports a BERT-family encoder from ONNX model bytes.
   *
   * @param onnx the whole .onnx file
   * @param source the file or resource name, used in error messages
   * @param padTokenId the padding token id (not recorded in ONNX graphs)
   * @throws ModelFormatException naming {@code source} and the tensor, node or property that could
   *     not be read or inferred
   */
  public static BertCheckpoint importBert(byte[] onnx, String source, int padTokenId)
      throws ModelFormatException {
    return importBert(onnx, source, padTokenId, null);
  }

  /** As {@link #importBert(byte[], String, int)}, attaching {@code tokenizer} to the checkpoint. */
  public static BertCheckpoint importBert(
      byte[] onnx, String source, int padTokenId, TokenizerJson tokenizer)
      throws ModelFormatException {
    return importBert(onnx, source, padTokenId, tokenizer, DType.F32);
  }

  /**
   * As {@link #importBert(byte[], String, int, TokenizerJson)}, storing every weight as {@code
   * storage}: {@link DType#BF16} rounds each tensor to nearest as it is decoded, so no f32 copy of
   * the whole model is ever held.
   */
  public static BertCheckpoint importBert(
      byte[] onnx, String source, int padTokenId, TokenizerJson tokenizer, DType storage)
      throws ModelFormatException {
    Objects.requireNonNull(storage, "storage");
    OnnxGraph graph = OnnxGraph.parse(onnx, source);
    String modelType = modelType(graph);
    Map<String, String> graphNames = new LinkedHashMap<>();
    Map<String, Parameter> params = weights(graph, modelType, graphNames, storage);
    BertConfig config = inferConfig(graph, params, graphNames, padTokenId, modelType);
    BertNames.check(config, params, source);
    return new BertCheckpoint(
        config, BertNames.canonicalOrder(config, params), Optional.ofNullable(tokenizer));
  }

  /**
   * "roberta" if the weights carry RobertaModel's task-model prefix, else "bert" (an unprefixed
   * RoBERTa export cannot be told from BERT by its weights alone).
   */
  static String modelType(OnnxGraph graph) {
    for (String name : graph.initializers().keySet()) {
      if (name.startsWith("roberta.")) {
        return "roberta";
      }
    }
    return "bert";
  }

  /**
   * One model weight in an ONNX graph: the initializer that holds it, the {@link BertNames} name it
   * is imported under, and whether the graph stores it transposed (a MatMul operand [in, out] of an
   * nn.Linear weight [out, in]). Import and export share this mapping, so a weight is written back
   * exactly where it was read from.
   *
   * @param tensor the initializer
   * @param name the weight's {@link BertNames} name
   * @param transposed true when {@code tensor} is the [in, out] transpose of the weight
   */
  record GraphWeight(OnnxTensor tensor, String name, boolean transposed) {}

  /**
   * Every floating-point initializer as a Parameter under its HF name and layout; {@code
   * graphNames} receives, for each canonical name, the value name the graph uses for it.
   */
  static Map<String, Parameter> weights(
      OnnxGraph graph, String modelType, Map<String, String> graphNames, DType storage)
      throws ModelFormatException {
    Map<String, Parameter> params = new LinkedHashMap<>();
    for (GraphWeight w : graphWeights(graph, modelType)) {
      OnnxTensor t = w.tensor();
      int[] shape = t.shape();
      Parameter p;
      if (w.transposed()) {
        float[] inOut = t.toFloats();
        p =
            stored(
                w.name(),
                new int[] {shape[1], shape[0]},
                transpose(inOut, shape[0], shape[1]),
                storage);
      } else {
        p =
            storage == DType.BF16
                ? Parameter.bf16(w.name(), shape, t.toBFloat16())
                : Parameter.f32(w.name(), shape, t.toFloats());
      }
      params.put(w.name(), p);
      graphNames.put(w.name(), t.name());
    }
    return params;
  }

  /**
   * Maps the graph's weight initializers to {@link BertNames} names without decoding them: named
   * floating-point initializers by their (normalised) names, anonymous MatMul operands by the bias
   * added after them.
   *
   * @throws ModelFormatException naming the initializer that cannot be named, has the wrong shape,
   *     or maps to a name another initializer already has
   */
  static List<GraphWeight> graphWeights(OnnxGraph graph, String modelType)
      throws ModelFormatException {
    String source = graph.source();
    Map<String, GraphWeight> byName = new LinkedHashMap<>();
    for (OnnxTensor t : graph.initializers().values()) {
      if (t.isFloatingPoint() && isParameterName(t.name())) {
        put(byName, new GraphWeight(t, BertNames.normalise(t.name(), modelType), false), source);
      }
    }
    for (OnnxNode node : graph.nodes()) {
      if (!node.opType().equals("MatMul")) {
        continue;
      }
      OnnxTensor w = graph.initializers().get(node.input(1));
      if (w == null || !w.isFloatingPoint() || isParameterName(w.name())) {
        continue;
      }
      String bias = biasAfter(graph, node);
      if (bias == null || !bias.endsWith(".bias")) {
        throw new ModelFormatException(
            source,
            ("cannot name initializer '%s' (MatMul '%s'): expected the MatMul's output to feed an"
                    + " Add with a named '....bias' initializer")
                .formatted(w.name(), node.name()));
      }
      int[] shape = w.shape();
      GraphWeight b = byName.get(BertNames.normalise(bias, modelType));
      long biasSize = b == null ? -1 : b.tensor().elementCount();
      if (shape.length != 2 || biasSize != shape[1]) {
        throw new ModelFormatException(
            source,
            "initializer '%s' has shape %s, expected [in, %d] to match bias '%s'"
                .formatted(w.name(), Arrays.toString(shape), biasSize, bias));
      }
      String name =
          BertNames.normalise(
              bias.substring(0, bias.length() - "bias".length()) + "weight", modelType);
      put(byName, new GraphWeight(w, name, true), source);
    }
    return List.copyOf(byName.values());
  }

  /** Takes {@code values} as an f32 parameter, or rounds them to a bf16 one (they are dropped). */
  private static Parameter stored(String name, int[] shape, float[] values, DType storage) {
    return storage == DType.F32
        ? Parameter.f32(name, shape, values)
        : Parameter.of(name, storage, shape, values);
  }

  private static void put(Map<String, GraphWeight> byName, GraphWeight w, String source)
      throws ModelFormatException {
    GraphWeight previous = byName.putIfAbsent(w.name(), w);
    if (previous != null) {
      throw new ModelFormatException(
          source,
          "initializers '%s' and '%s' both map to the tensor name '%s'"
              .formatted(previous.tensor().name(), w.tensor().name(), w.name()));
    }
  }

  static boolean isParameterName(String name) {
    return PARAMETER_NAME.matcher(name).matches();
  }

  /**
   * The named initializer added to {@code matmul}'s output by the Add that consumes it, or null.
   */
  private static String biasAfter(OnnxGraph graph, OnnxNode matmul) {
    List<OnnxNode> consumers = graph.consumers(matmul.output(0));
    if (consumers.size() != 1 || !consumers.get(0).opType().equals("Add")) {
      return null;
    }
    OnnxNode add = consumers.get(0);
    String other = add.input(0).equals(matmul.output(0)) ? add.input(1) : add.input(0);
    return graph.initializers().containsKey(other) ? other : null;
  }

  /** [rows, cols] row-major to [cols, rows] row-major. */
  static float[] transpose(float[] a, int rows, int cols) {
    float[] t = new float[a.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        t[c * rows + r] = a[r * cols + c];
      }
    }
    return t;
  }

  /**
   * Infers the configuration from the weights' shapes and the graph's constants.
   *
   * @throws ModelFormatException naming the property that cannot be inferred and why
   */
  static BertConfig inferConfig(
      OnnxGraph graph,
      Map<String, Parameter> params,
      Map<String, String> graphNames,
      int padTokenId,
      String modelType)
      throws ModelFormatException {
    String source = graph.source();
    Parameter words = required(params, BertNames.WORD_EMBEDDINGS, source);
    Parameter positions = required(params, BertNames.POSITION_EMBEDDINGS, source);
    Parameter types = required(params, BertNames.TOKEN_TYPE_EMBEDDINGS, source);
    int hidden = words.dim(1);
    Set<Integer> layers = new TreeSet<>();
    for (String name : params.keySet()) {
      Matcher m = LAYER_INDEX.matcher(name);
      if (m.find()) {
        layers.add(Integer.parseInt(m.group(1)));
      }
    }
    if (layers.isEmpty()) {
      throw new ModelFormatException(source, "no 'encoder.layer.N.*' tensors: not a BERT encoder");
    }
    int numLayers = layers.size();
    if (!layers.equals(
        new TreeSet<>(java.util.stream.IntStream.range(0, numLayers).boxed().toList()))) {
      throw new ModelFormatException(
          source, "encoder layer indices %s are not 0..%d".formatted(layers, numLayers - 1));
    }
    int intermediate =
        required(params, BertNames.layer(0, "intermediate.dense.bias"), source).size();
    required(params, BertNames.layer(0, "attention.self.query.bias"), source);
    String queryBias = graphNames.get(BertNames.layer(0, "attention.self.query.bias"));
    int heads = inferHeads(graph, hidden, queryBias);
    double eps = inferLayerNormEps(graph, graphNames);
    String act =
        inferActivation(graph, graphNames.get(BertNames.layer(0, "intermediate.dense.bias")));
    try {
      return new BertConfig(
          modelType,
          List.of(modelType.equals("bert") ? "BertModel" : "RobertaModel"),
          words.dim(0),
          hidden,
          numLayers,
          heads,
          intermediate,
          act,
          positions.dim(0),
          types.dim(0),
          eps,
          padTokenId,
          Map.of());
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(source, "inferred config is invalid: " + e.getMessage(), e);
    }
  }

  private static Parameter required(Map<String, Parameter> params, String name, String source)
      throws ModelFormatException {
    Parameter p = params.get(name);
    if (p == null) {
      throw new ModelFormatException(
          source, "missing tensor '%s': not a BERT encoder export".formatted(name));
    }
    return p;
  }

  /** The node consuming initializer {@code name} with op {@code op}, or null. */
  private static OnnxNode consumer(OnnxGraph graph, String value, String op) {
    for (OnnxNode n : graph.consumers(value)) {
      if (n.opType().equals(op)) {
        return n;
      }
    }
    return null;
  }

  static int inferHeads(OnnxGraph graph, int hidden, String query) throws ModelFormatException {
    int fromReshape = -1;
    OnnxNode add = consumer(graph, query, "Add");
    if (add != null) {
      OnnxNode reshape = consumer(graph, add.output(0), "Reshape");
      if (reshape != null) {
        long[] shape = shapeConstant(graph, reshape.input(1));
        int n = shape == null ? 0 : shape.length;
        if (n >= 2
            && shape[n - 2] > 0
            && shape[n - 1] > 0
            && shape[n - 2] * shape[n - 1] == hidden) {
          fromReshape = (int) shape[n - 2];
        }
      }
    }
    int fromScale = headsFromScale(graph, hidden);
    if (fromReshape > 0 && fromScale > 0 && fromReshape != fromScale) {
      throw new ModelFormatException(
          graph.source(),
          ("inconsistent num_attention_heads: the query Reshape says %d, the attention-score scale"
                  + " says %d")
              .formatted(fromReshape, fromScale));
    }
    int heads = fromReshape > 0 ? fromReshape : fromScale;
    if (heads <= 0) {
      throw new ModelFormatException(
          graph.source(),
          ("cannot infer num_attention_heads: found neither a Reshape of '%s' + query MatMul to"
                  + " [.., heads, head_dim] nor a 1/sqrt(head_dim) scale of the attention scores")
              .formatted(query));
    }
    return heads;
  }

  /** A shape operand as longs: a constant, or a Concat of constants (-1 for dynamic parts). */
  private static long[] shapeConstant(OnnxGraph graph, String value) throws ModelFormatException {
    Optional<OnnxTensor> c = graph.constant(value);
    if (c.isPresent()) {
      return c.get().toLongs();
    }
    OnnxNode concat = graph.producer(value).orElse(null);
    if (concat == null || !concat.opType().equals("Concat")) {
      return null;
    }
    long[] out = new long[0];
    for (String in : concat.inputs()) {
      Optional<OnnxTensor> part = graph.constant(in);
      long[] values = part.isPresent() ? part.get().toLongs() : new long[] {-1};
      long[] joined = Arrays.copyOf(out, out.length + values.length);
      System.arraycopy(values, 0, joined, out.length, values.length);
      out = joined;
    }
    return out;
  }

  /**
   * Heads from the scale of Q·Kᵀ: a Div by sqrt(head_dim) or a Mul by 1/sqrt(head_dim) applied to
   * the output of a MatMul of two computed values (the attention scores), in encoder layer 0.
   */
  private static int headsFromScale(OnnxGraph graph, int hidden) throws ModelFormatException {
    for (OnnxNode node : graph.nodes()) {
      boolean div = node.opType().equals("Div");
      if (!div && !node.opType().equals("Mul")) {
        continue;
      }
      OnnxNode scores = graph.producer(node.input(0)).orElse(null);
      Optional<OnnxTensor> scale = graph.constant(node.input(1));
      if (scores == null
          || !scores.opType().equals("MatMul")
          || graph.initializers().containsKey(scores.input(1))
          || scale.isEmpty()
          || !scale.get().isFloatingPoint()
          || scale.get().elementCount() != 1) {
        continue;
      }
      double s = scale.get().toFloats()[0];
      double headDim = div ? s * s : 1 / (s * s);
      long rounded = Math.round(headDim);
      if (rounded > 0 && Math.abs(headDim - rounded) < 1e-3 * rounded && hidden % rounded == 0) {
        return (int) (hidden / rounded);
      }
    }
    return -1;
  }

  static double inferLayerNormEps(OnnxGraph graph, Map<String, String> graphNames)
      throws ModelFormatException {
    Float eps = null;
    String first = null;
    for (String name : graphNames.keySet()) {
      if (!name.endsWith("LayerNorm.weight")) {
        continue;
      }
      Float e = layerNormEps(graph, graphNames.get(name));
      if (e == null) {
        throw new ModelFormatException(
            graph.source(),
            ("cannot infer layer_norm_eps for '%s': expected a LayerNormalization node or a"
                    + " decomposed layer norm (Mul by the weight of Div(x - mean,"
                    + " Sqrt(variance + eps)))")
                .formatted(name));
      }
      if (eps == null) {
        eps = e;
        first = name;
      } else if (!eps.equals(e)) {
        throw new ModelFormatException(
            graph.source(),
            "layer norms disagree on epsilon: %s for '%s', %s for '%s'"
                .formatted(eps, first, e, name));
      }
    }
    if (eps == null) {
      throw new ModelFormatException(graph.source(), "no '*.LayerNorm.weight' tensor");
    }
    // ONNX stores eps as f32: report the shortest decimal that rounds to it (1e-12, not 9.99e-13)
    return Double.parseDouble(Float.toString(eps));
  }

  private static Float layerNormEps(OnnxGraph graph, String weight) throws ModelFormatException {
    for (OnnxNode n : graph.consumers(weight)) {
      if (n.opType().endsWith("LayerNormalization")) {
        // ONNX LayerNormalization: epsilon defaults to 1e-5 when the attribute is absent
        return n.attribute("epsilon").map(OnnxAttribute::f).orElse(1e-5f);
      }
      if (!n.opType().equals("Mul")) {
        continue;
      }
      String normalised = n.input(0).equals(weight) ? n.input(1) : n.input(0);
      OnnxNode div = graph.producer(normalised).orElse(null);
      if (div == null || !div.opType().equals("Div")) {
        continue;
      }
      OnnxNode sqrt = graph.producer(div.input(1)).orElse(null);
      if (sqrt == null || !sqrt.opType().equals("Sqrt")) {
        continue;
      }
      OnnxNode add = graph.producer(sqrt.input(0)).orElse(null);
      if (add == null || !add.opType().equals("Add")) {
        continue;
      }
      for (String in : add.inputs()) {
        Optional<OnnxTensor> c = graph.constant(in);
        if (c.isPresent() && c.get().isFloatingPoint() && c.get().elementCount() == 1) {
          return c.get().toFloats()[0];
        }
      }
    }
    return null;
  }

  static String inferActivation(OnnxGraph graph, String bias) throws ModelFormatException {
    OnnxNode add = consumer(graph, bias, "Add");
    if (add == null) {
      throw new ModelFormatException(
          graph.source(), "cannot infer hidden_act: no Add consumes '%s'".formatted(bias));
    }
    // breadth-first over the few operators between the intermediate projection and the output one
    ArrayDeque<String> frontier = new ArrayDeque<>(List.of(add.output(0)));
    Set<String> seen = new HashSet<>();
    for (int depth = 0; depth < 4 && !frontier.isEmpty(); depth++) {
      ArrayDeque<String> next = new ArrayDeque<>();
      for (String value : frontier) {
        for (OnnxNode n : graph.consumers(value)) {
          if (!seen.add(n.output(0))) {
            continue;
          }
          switch (n.opType()) {
            case "Erf" -> {
              return "gelu";
            }
            case "Gelu" -> {
              String approx = n.attribute("approximate").map(OnnxAttribute::s).orElse("none");
              return approx.equals("tanh") ? "gelu_new" : "gelu";
            }
            case "Tanh", "FastGelu" -> {
              return "gelu_new";
            }
            case "Relu" -> {
              return "relu";
            }
            default -> next.addAll(n.outputs());
          }
        }
      }
      frontier = next;
    }
    throw new ModelFormatException(
        graph.source(),
        "cannot infer hidden_act: no Erf, Gelu, Tanh or Relu after '%s'".formatted(bias));
  }
}
