package io.github.mezo4j.nn.model;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.nn.io.ModelFormatException;
import io.github.mezo4j.nn.io.ModelText;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The shape of a BERT-family encoder (BERT, RoBERTa, XLM-RoBERTa), as Hugging Face's {@code
 * config.json} describes it. {@link #read(Path)} parses and validates a config.json; {@link
 * #toJson()} writes one back with the same keys, so {@code transformers} can load a folder we
 * write.
 *
 * <p>Keys this record does not model (dropout rates, {@code id2label}, {@code torch_dtype}, ...)
 * are kept in {@link #extras()} and written back unchanged.
 *
 * @param modelType {@code "bert"}, {@code "roberta"} or {@code "xlm-roberta"}
 * @param architectures HF class names such as {@code BertModel}; may be empty (older configs)
 * @param vocabSize rows of {@code embeddings.word_embeddings.weight}
 * @param hiddenSize model width H
 * @param numHiddenLayers number of {@code encoder.layer.N} blocks
 * @param numAttentionHeads heads per attention layer; divides {@code hiddenSize}
 * @param intermediateSize width of the feed-forward block
 * @param hiddenAct feed-forward activation as HF names it ({@code gelu}, {@code gelu_new}, {@code
 *     relu}, ...); this record does not restrict it, the engine does
 * @param maxPositionEmbeddings rows of {@code embeddings.position_embeddings.weight}
 * @param typeVocabSize rows of {@code embeddings.token_type_embeddings.weight}
 * @param layerNormEps epsilon of every LayerNorm
 * @param padTokenId id of the padding token (RoBERTa also offsets positions by it)
 * @param extras every other config.json key, in file order, written back verbatim
 */
public record BertConfig(
    String modelType,
    List<String> architectures,
    int vocabSize,
    int hiddenSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int intermediateSize,
    String hiddenAct,
    int maxPositionEmbeddings,
    int typeVocabSize,
    double layerNormEps,
    int padTokenId,
    Map<String, Object> extras) {

  /** The {@code model_type} values this record accepts. */
  public static final List<String> SUPPORTED_MODEL_TYPES =
      List.of("bert", "roberta", "xlm-roberta");

  private static final Map<String, String> CLASS_PREFIX =
      Map.of("bert", "Bert", "roberta", "Roberta", "xlm-roberta", "XLMRoberta");
  private static final List<String> BERT_CLASSES =
      List.of(
          "Model",
          "ForMaskedLM",
          "ForPreTraining",
          "ForSequenceClassification",
          "ForTokenClassification",
          "ForQuestionAnswering",
          "ForMultipleChoice",
          "ForNextSentencePrediction",
          "LMHeadModel");
  private static final List<String> ROBERTA_CLASSES =
      List.of(
          "Model",
          "ForMaskedLM",
          "ForSequenceClassification",
          "ForTokenClassification",
          "ForQuestionAnswering",
          "ForMultipleChoice",
          "ForCausalLM");

  /** The config.json keys modelled by the record components (everything else is an extra). */
  public static final Set<String> KEYS =
      Set.of(
          "model_type",
          "architectures",
          "vocab_size",
          "hidden_size",
          "num_hidden_layers",
          "num_attention_heads",
          "intermediate_size",
          "hidden_act",
          "max_position_embeddings",
          "type_vocab_size",
          "layer_norm_eps",
          "pad_token_id");

  private static final JsonMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();

  /**
   * Validates every component.
   *
   * @throws IllegalArgumentException naming the field and the expected value
   */
  public BertConfig {
    Objects.requireNonNull(modelType, "modelType");
    Objects.requireNonNull(hiddenAct, "hiddenAct");
    architectures = List.copyOf(Objects.requireNonNull(architectures, "architectures"));
    extras = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(extras)));
    if (!SUPPORTED_MODEL_TYPES.contains(modelType)) {
      throw new IllegalArgumentException(
          "model_type '%s' is not supported; supported: %s"
              .formatted(modelType, SUPPORTED_MODEL_TYPES));
    }
    List<String> supported = supportedArchitectures(modelType);
    for (String architecture : architectures) {
      if (!supported.contains(architecture)) {
        throw new IllegalArgumentException(
            "architecture '%s' is not supported for model_type '%s'; supported: %s"
                .formatted(architecture, modelType, supported));
      }
    }
    positive("vocab_size", vocabSize);
    positive("hidden_size", hiddenSize);
    positive("num_hidden_layers", numHiddenLayers);
    positive("num_attention_heads", numAttentionHeads);
    positive("intermediate_size", intermediateSize);
    positive("max_position_embeddings", maxPositionEmbeddings);
    positive("type_vocab_size", typeVocabSize);
    if (hiddenSize % numAttentionHeads != 0) {
      throw new IllegalArgumentException(
          "hidden_size %d is not divisible by num_attention_heads %d"
              .formatted(hiddenSize, numAttentionHeads));
    }
    if (hiddenAct.isEmpty()) {
      throw new IllegalArgumentException("hidden_act must not be empty");
    }
    if (!(layerNormEps > 0) || Double.isInfinite(layerNormEps)) {
      throw new IllegalArgumentException(
          "layer_norm_eps must be a positive finite number, got " + layerNormEps);
    }
    if (padTokenId < 0 || padTokenId >= vocabSize) {
      throw new IllegalArgumentException(
          "pad_token_id %d is outside the vocabulary [0, %d)".formatted(padTokenId, vocabSize));
    }
    for (String key : extras.keySet()) {
      if (KEYS.contains(key)) {
        throw new IllegalArgumentException(
            "extras must not hold '%s': it is a record component".formatted(key));
      }
    }
    requireGraphOption(extras, "position_embedding_type", "absolute");
    requireGraphOption(extras, "is_decoder", false);
    requireGraphOption(extras, "add_cross_attention", false);
  }

  /**
   * Rejects a config.json option that would make transformers compute a different graph from the
   * one this engine runs (relative positions, causal or cross attention), so such a model fails
   * loudly instead of giving plausible but wrong outputs. Absent means the supported default.
   */
  private static void requireGraphOption(Map<String, Object> extras, String key, Object supported) {
    Object value = extras.get(key);
    if (value != null && !value.equals(supported)) {
      throw new IllegalArgumentException(
          "%s %s is not supported: this engine runs the encoder with %s = %s"
              .formatted(key, value, key, supported));
    }
  }

  private static void positive(String field, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be positive, got " + value);
    }
  }

  /** The HF class names accepted for {@code modelType} (e.g. {@code BertModel}). */
  public static List<String> supportedArchitectures(String modelType) {
    String prefix = CLASS_PREFIX.get(modelType);
    if (prefix == null) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    for (String suffix : modelType.equals("bert") ? BERT_CLASSES : ROBERTA_CLASSES) {
      names.add(prefix + suffix);
    }
    return List.copyOf(names);
  }

  /** Width of one attention head: {@code hiddenSize / numAttentionHeads}. */
  public int headDim() {
    return hiddenSize / numAttentionHeads;
  }

  /** A copy with other {@code architectures} (e.g. when adding a classification head). */
  public BertConfig withArchitectures(List<String> newArchitectures) {
    return new BertConfig(
        modelType,
        newArchitectures,
        vocabSize,
        hiddenSize,
        numHiddenLayers,
        numAttentionHeads,
        intermediateSize,
        hiddenAct,
        maxPositionEmbeddings,
        typeVocabSize,
        layerNormEps,
        padTokenId,
        extras);
  }

  /**
   * Reads and validates a Hugging Face {@code config.json}.
   *
   * @throws ModelFormatException naming the file and the missing or invalid field
   */
  public static BertConfig read(Path configJson) throws IOException {
    return fromJson(ModelText.read(configJson), configJson.toString());
  }

  /**
   * Parses config.json text; {@code source} names it in error messages.
   *
   * @throws ModelFormatException naming {@code source} and the missing or invalid field
   */
  public static BertConfig fromJson(String json, String source) throws ModelFormatException {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JacksonException e) {
      throw new ModelFormatException(source, "invalid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new ModelFormatException(source, "expected a JSON object at the top level");
    }
    String modelType = text(root, "model_type", source);
    List<String> architectures = new ArrayList<>();
    JsonNode archNode = root.get("architectures");
    if (archNode != null && !archNode.isNull()) {
      if (!archNode.isArray()) {
        throw new ModelFormatException(
            source, "field 'architectures': expected an array of strings, got " + archNode);
      }
      for (JsonNode a : archNode) {
        if (!a.isTextual()) {
          throw new ModelFormatException(
              source, "field 'architectures': expected strings, got " + a);
        }
        architectures.add(a.asText());
      }
    }
    Map<String, Object> extras = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      if (!KEYS.contains(e.getKey())) {
        extras.put(e.getKey(), JSON.convertValue(e.getValue(), Object.class));
      }
    }
    try {
      return new BertConfig(
          modelType,
          architectures,
          integer(root, "vocab_size", source),
          integer(root, "hidden_size", source),
          integer(root, "num_hidden_layers", source),
          integer(root, "num_attention_heads", source),
          integer(root, "intermediate_size", source),
          text(root, "hidden_act", source),
          integer(root, "max_position_embeddings", source),
          integer(root, "type_vocab_size", source),
          number(root, "layer_norm_eps", source),
          integer(root, "pad_token_id", source),
          extras);
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(source, e.getMessage(), e);
    }
  }

  private static JsonNode field(JsonNode root, String field, String expected, String source)
      throws ModelFormatException {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      throw new ModelFormatException(
          source, "missing field '%s' (expected %s)".formatted(field, expected));
    }
    return node;
  }

  private static String text(JsonNode root, String field, String source)
      throws ModelFormatException {
    JsonNode node = field(root, field, "a string", source);
    if (!node.isTextual()) {
      throw new ModelFormatException(
          source, "field '%s': expected a string, got %s".formatted(field, node));
    }
    return node.asText();
  }

  private static int integer(JsonNode root, String field, String source)
      throws ModelFormatException {
    JsonNode node = field(root, field, "an integer", source);
    if (!node.isIntegralNumber() || !node.canConvertToInt()) {
      throw new ModelFormatException(
          source, "field '%s': expected a 32-bit integer, got %s".formatted(field, node));
    }
    return node.intValue();
  }

  private static double number(JsonNode root, String field, String source)
      throws ModelFormatException {
    JsonNode node = field(root, field, "a number", source);
    if (!node.isNumber()) {
      throw new ModelFormatException(
          source, "field '%s': expected a number, got %s".formatted(field, node));
    }
    return node.doubleValue();
  }

  /**
   * This config as Hugging Face config.json text: the same keys {@code transformers} writes, sorted
   * like its {@code to_json_string} (so diffs against HF's own files stay small), ending in a
   * newline.
   */
  public String toJson() {
    Map<String, Object> all = new TreeMap<>(extras);
    if (!architectures.isEmpty()) {
      all.put("architectures", architectures);
    }
    all.put("model_type", modelType);
    all.put("vocab_size", vocabSize);
    all.put("hidden_size", hiddenSize);
    all.put("num_hidden_layers", numHiddenLayers);
    all.put("num_attention_heads", numAttentionHeads);
    all.put("intermediate_size", intermediateSize);
    all.put("hidden_act", hiddenAct);
    all.put("max_position_embeddings", maxPositionEmbeddings);
    all.put("type_vocab_size", typeVocabSize);
    all.put("layer_norm_eps", layerNormEps);
    all.put("pad_token_id", padTokenId);
    ObjectNode node = JSON.valueToTree(all);
    try {
      return JSON.writeValueAsString(node) + "\n";
    } catch (JacksonException e) {
      throw new IllegalStateException("cannot serialise config extras: " + e.getMessage(), e);
    }
  }
}
