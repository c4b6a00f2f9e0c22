package io.github.mezo4j.nn.io;

import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.model.BertConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one tensor-naming convention every mezo4j BERT loader produces: Hugging Face's {@code
 * BertModel} state-dict names <em>without</em> the base-model prefix, as in {@code
 * sentence-transformers} checkpoints and PyTorch ONNX exports:
 *
 * <pre>
 * embeddings.word_embeddings.weight            [vocab, H]
 * embeddings.position_embeddings.weight        [max_positions, H]
 * embeddings.token_type_embeddings.weight      [type_vocab, H]
 * embeddings.LayerNorm.weight / .bias          [H]
 * encoder.layer.{i}.attention.self.query.weight / key / value   [H, H]   (nn.Linear: [out, in])
 * encoder.layer.{i}.attention.self.query.bias  / key / value    [H]
 * encoder.layer.{i}.attention.output.dense.weight [H, H], .bias [H]
 * encoder.layer.{i}.attention.output.LayerNorm.weight / .bias   [H]
 * encoder.layer.{i}.intermediate.dense.weight [I, H], .bias [I]
 * encoder.layer.{i}.output.dense.weight [H, I], .bias [H]
 * encoder.layer.{i}.output.LayerNorm.weight / .bias             [H]
 * pooler.dense.weight [H, H], .bias [H]        (optional: not every checkpoint has a pooler)
 * </pre>
 *
 * Checkpoints of task models ({@code BertForSequenceClassification}, ...) prefix the encoder with
 * {@code bert.} ({@code roberta.} for RoBERTa and XLM-RoBERTa); {@link #normalise} strips it, and
 * renames the legacy {@code LayerNorm.gamma/.beta} to {@code .weight/.bias}. Head tensors ({@code
 * classifier.weight}, {@code cls.predictions.*}, {@code lm_head.*}) keep their names.
 */
public final class BertNames {
  private BertNames() {}

  /** Suffixes of the 16 tensors of one encoder layer, in canonical order. */
  public static final List<String> LAYER_SUFFIXES =
      List.of(
          "attention.self.query.weight",
          "attention.self.query.bias",
          "attention.self.key.weight",
          "attention.self.key.bias",
          "attention.self.value.weight",
          "attention.self.value.bias",
          "attention.output.dense.weight",
          "attention.output.dense.bias",
          "attention.output.LayerNorm.weight",
          "attention.output.LayerNorm.bias",
          "intermediate.dense.weight",
          "intermediate.dense.bias",
          "output.dense.weight",
          "output.dense.bias",
          "output.LayerNorm.weight",
          "output.LayerNorm.bias");

  /** The token embedding table, [vocab, hidden]. */
  public static final String WORD_EMBEDDINGS = "embeddings.word_embeddings.weight";

  /** The learned position embeddings, [maxPositions, hidden]. */
  public static final String POSITION_EMBEDDINGS = "embeddings.position_embeddings.weight";

  /** The segment (token type) embeddings, [typeVocab, hidden]. */
  public static final String TOKEN_TYPE_EMBEDDINGS = "embeddings.token_type_embeddings.weight";

  /** The gain of the layer norm after the embedding sum. */
  public static final String EMBEDDINGS_LAYER_NORM_WEIGHT = "embeddings.LayerNorm.weight";

  /** The bias of the layer norm after the embedding sum. */
  public static final String EMBEDDINGS_LAYER_NORM_BIAS = "embeddings.LayerNorm.bias";

  /** The pooler's dense weight over the [CLS] state (optional in a checkpoint). */
  public static final String POOLER_WEIGHT = "pooler.dense.weight";

  /** The pooler's dense bias. */
  public static final String POOLER_BIAS = "pooler.dense.bias";

  /**
   * The name of a tensor of encoder layer {@code i}, e.g. {@code layer(0, "output.dense.bias")}.
   */
  public static String layer(int i, String suffix) {
    return "encoder.layer." + i + "." + suffix;
  }

  /** The base-model prefix HF task models put before the encoder for {@code modelType}. */
  public static String basePrefix(String modelType) {
    return modelType.equals("bert") ? "bert." : "roberta.";
  }

  /**
   * The canonical name of a checkpoint tensor: strips the base-model prefix ({@code bert.} or
   * {@code roberta.}) and maps {@code LayerNorm.gamma/.beta} to {@code .weight/.bias}.
   */
  public static String normalise(String name, String modelType) {
    String prefix = basePrefix(modelType);
    String n = name.startsWith(prefix) ? name.substring(prefix.length()) : name;
    if (n.endsWith("LayerNorm.gamma")) {
      n = n.substring(0, n.length() - "gamma".length()) + "weight";
    } else if (n.endsWith("LayerNorm.beta")) {
      n = n.substring(0, n.length() - "beta".length()) + "bias";
    }
    return n;
  }

  /** Every tensor the encoder needs (pooler excluded) with its shape, in canonical order. */
  public static Map<String, int[]> encoderShapes(BertConfig c) {
    int h = c.hiddenSize();
    int inter = c.intermediateSize();
    Map<String, int[]> shapes = new LinkedHashMap<>();
    shapes.put(WORD_EMBEDDINGS, new int[] {c.vocabSize(), h});
    shapes.put(POSITION_EMBEDDINGS, new int[] {c.maxPositionEmbeddings(), h});
    shapes.put(TOKEN_TYPE_EMBEDDINGS, new int[] {c.typeVocabSize(), h});
    shapes.put(EMBEDDINGS_LAYER_NORM_WEIGHT, new int[] {h});
    shapes.put(EMBEDDINGS_LAYER_NORM_BIAS, new int[] {h});
    for (int i = 0; i < c.numHiddenLayers(); i++) {
      for (String suffix : LAYER_SUFFIXES) {
        int[] shape =
            switch (suffix) {
              case "intermediate.dense.weight" -> new int[] {inter, h};
              case "intermediate.dense.bias" -> new int[] {inter};
              case "output.dense.weight" -> new int[] {h, inter};
              default ->
                  suffix.endsWith(".weight") && !suffix.contains("LayerNorm")
                      ? new int[] {h, h}
                      : new int[] {h};
            };
        shapes.put(layer(i, suffix), shape);
      }
    }
    return shapes;
  }

  /**
   * Checks that {@code params} holds every encoder tensor of {@code config} with its exact shape
   * (and the pooler's, if present), and no encoder layer beyond {@code num_hidden_layers}.
   *
   * @throws ModelFormatException naming {@code source} and the first missing or misshapen tensor
   */
  public static void check(BertConfig config, Map<String, Parameter> params, String source)
      throws ModelFormatException {
    Map<String, int[]> expected = encoderShapes(config);
    int h = config.hiddenSize();
    expected.put(POOLER_WEIGHT, new int[] {h, h});
    expected.put(POOLER_BIAS, new int[] {h});
    for (Map.Entry<String, int[]> e : expected.entrySet()) {
      Parameter p = params.get(e.getKey());
      if (p == null) {
        if (e.getKey().startsWith("pooler.")) {
          continue;
        }
        throw new ModelFormatException(
            source,
            "missing tensor '%s' (expected shape %s for %s)"
                .formatted(e.getKey(), Arrays.toString(e.getValue()), describe(config)));
      }
      if (!Arrays.equals(p.shape(), e.getValue())) {
        throw new ModelFormatException(
            source,
            "tensor '%s' has shape %s, expected %s for %s"
                .formatted(
                    e.getKey(),
                    Arrays.toString(p.shape()),
                    Arrays.toString(e.getValue()),
                    describe(config)));
      }
    }
    if (params.containsKey(POOLER_WEIGHT) != params.containsKey(POOLER_BIAS)) {
      throw new ModelFormatException(
          source, "the pooler needs both '%s' and '%s'".formatted(POOLER_WEIGHT, POOLER_BIAS));
    }
    for (String name : params.keySet()) {
      if (name.startsWith("encoder.") && !expected.containsKey(name)) {
        throw new ModelFormatException(
            source,
            "unexpected encoder tensor '%s' for %s (num_hidden_layers=%d)"
                .formatted(name, describe(config), config.numHiddenLayers()));
      }
    }
  }

  /**
   * {@code params} as a set in canonical order: the encoder tensors, then the pooler, then every
   * other tensor (task heads) in the given order.
   */
  public static ParameterSet canonicalOrder(BertConfig config, Map<String, Parameter> params) {
    List<Parameter> ordered = new ArrayList<>();
    Map<String, Parameter> rest = new LinkedHashMap<>(params);
    List<String> names = new ArrayList<>(encoderShapes(config).keySet());
    names.add(POOLER_WEIGHT);
    names.add(POOLER_BIAS);
    for (String name : names) {
      Parameter p = rest.remove(name);
      if (p != null) {
        ordered.add(p);
      }
    }
    ordered.addAll(rest.values());
    return ParameterSet.of(ordered);
  }

  private static String describe(BertConfig c) {
    return "%s hidden=%d layers=%d intermediate=%d vocab=%d"
        .formatted(
            c.modelType(),
            c.hiddenSize(),
            c.numHiddenLayers(),
            c.intermediateSize(),
            c.vocabSize());
  }
}
