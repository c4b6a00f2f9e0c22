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
import java.util.List;
import java.util.Objects;

/**
 * The shape of a decoder-only language model, read from a Hugging Face {@code config.json} ({@link
 * #read}) for {@code model_type} llama, mistral, qwen2, opt or gpt2, or built directly (the
 * llama2.c reader does). {@link #toJson()} writes the keys {@code transformers} reads back.
 *
 * @param family which architecture (and tensor naming) this is
 * @param modelType HF {@code model_type}: llama, mistral, qwen2, opt or gpt2
 * @param vocabSize rows of the token embedding and of the output head
 * @param hiddenSize width of the residual stream
 * @param numLayers number of transformer blocks
 * @param numHeads query heads per attention layer
 * @param numKvHeads key/value heads (grouped-query attention); equals numHeads for OPT and GPT-2
 * @param headDim width of one head (usually hiddenSize / numHeads)
 * @param intermediateSize width of the feed-forward block
 * @param maxPositions longest sequence (learned-position tables have this many rows)
 * @param normEps epsilon of every RMSNorm / LayerNorm
 * @param ropeTheta rotary base (Llama family only; ignored otherwise)
 * @param ropeScaling Llama 3.1-style frequency scaling, or null for none
 * @param tieWordEmbeddings true if the output head is the token embedding matrix
 * @param qkvBias true if the query, key and value projections have biases
 * @param outputBias true if the attention output projection has a bias
 * @param mlpBias true if the feed-forward projections have biases
 * @param normBefore pre-norm blocks (true except for OPT-350m's post-norm layout)
 * @param wordEmbedProjDim OPT's embedding width (project_in/out when it differs from hiddenSize);
 *     equals hiddenSize otherwise
 * @param slidingWindow Mistral's attention window, or 0 for none; longer sequences are rejected
 * @param bosTokenId beginning-of-sequence id, or -1 if none
 * @param eosTokenId end-of-sequence id, or -1 if none
 */
public record DecoderConfig(
    DecoderFamily family,
    String modelType,
    int vocabSize,
    int hiddenSize,
    int numLayers,
    int numHeads,
    int numKvHeads,
    int headDim,
    int intermediateSize,
    int maxPositions,
    double normEps,
    double ropeTheta,
    RopeScaling ropeScaling,
    boolean tieWordEmbeddings,
    boolean qkvBias,
    boolean outputBias,
    boolean mlpBias,
    boolean normBefore,
    int wordEmbedProjDim,
    int slidingWindow,
    int bosTokenId,
    int eosTokenId) {

  /** The {@code model_type} values {@link #read} accepts. */
  public static final List<String> SUPPORTED_MODEL_TYPES =
      List.of("llama", "mistral", "qwen2", "opt", "gpt2");

  private static final JsonMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();

  /** Validates every size (positive, divisible where the architecture needs it). */
  public DecoderConfig {
    Objects.requireNonNull(family, "family");
    Objects.requireNonNull(modelType, "modelType");
    positive("vocab_size", vocabSize);
    positive("hidden_size", hiddenSize);
    positive("num_hidden_layers", numLayers);
    positive("num_attention_heads", numHeads);
    positive("num_key_value_heads", numKvHeads);
    positive("head_dim", headDim);
    positive("intermediate_size", intermediateSize);
    positive("max_position_embeddings", maxPositions);
    positive("word_embed_proj_dim", wordEmbedProjDim);
    if (numHeads % numKvHeads != 0) {
      throw new IllegalArgumentException(
          "num_attention_heads %d is not a multiple of num_key_value_heads %d"
              .formatted(numHeads, numKvHeads));
    }
    if (family != DecoderFamily.LLAMA && numHeads * headDim != hiddenSize) {
      throw new IllegalArgumentException(
          "hidden_size %d is not divisible by num_attention_heads %d"
              .formatted(hiddenSize, numHeads));
    }
    if (family == DecoderFamily.LLAMA && headDim % 2 != 0) {
      throw new IllegalArgumentException("head_dim must be even for rotary embeddings: " + headDim);
    }
    if (!(normEps > 0) || !(ropeTheta > 0) || Double.isInfinite(ropeTheta)) {
      throw new IllegalArgumentException(
          "norm eps and rope_theta must be finite and > 0, got %s and %s"
              .formatted(normEps, ropeTheta));
    }
    if (slidingWindow < 0) {
      throw new IllegalArgumentException("sliding_window must be >= 0, got " + slidingWindow);
    }
  }

  /**
   * A Llama-family config with the defaults Llama uses (no biases, pre-norm, no sliding window):
   * the shape a llama2.c checkpoint describes.
   */
  public static DecoderConfig llama(
      int vocabSize,
      int hiddenSize,
      int numLayers,
      int numHeads,
      int numKvHeads,
      int intermediateSize,
      int maxPositions,
      double rmsNormEps,
      double ropeTheta,
      boolean tieWordEmbeddings,
      int bosTokenId,
      int eosTokenId) {
    if (numHeads <= 0 || hiddenSize % numHeads != 0) {
      throw new IllegalArgumentException(
          "hidden_size %d is not divisible by num_attention_heads %d"
              .formatted(hiddenSize, numHeads));
    }
    return new DecoderConfig(
        DecoderFamily.LLAMA,
        "llama",
        vocabSize,
        hiddenSize,
        numLayers,
        numHeads,
        numKvHeads,
        hiddenSize / numHeads,
        intermediateSize,
        maxPositions,
        rmsNormEps,
        ropeTheta,
        null,
        tieWordEmbeddings,
        false,
        false,
        false,
        true,
        hiddenSize,
        0,
        bosTokenId,
        eosTokenId);
  }

  /**
   * The most tokens one sequence may hold in this engine: {@link #maxPositions}, or the sliding
   * window when it is shorter (sliding-window attention is not implemented, so longer sequences are
   * refused rather than attended differently from Hugging Face).
   */
  public int maxSequenceLength() {
    return slidingWindow > 0 ? Math.min(maxPositions, slidingWindow) : maxPositions;
  }

  /** Reads and validates a config.json. */
  public static DecoderConfig read(Path configJson) throws IOException {
    return fromJson(ModelText.read(configJson), configJson.toString());
  }

  /**
   * Parses config.json text; {@code source} names it in errors.
   *
   * @throws ModelFormatException naming the field and what was expected
   */
  public static DecoderConfig fromJson(String json, String source) throws ModelFormatException {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JacksonException e) {
      throw new ModelFormatException(source, "invalid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new ModelFormatException(source, "expected a JSON object");
    }
    Fields f = new Fields(root, source);
    String type = f.text("model_type");
    try {
      return switch (type) {
        case "llama", "mistral", "qwen2" -> llamaFamily(f, type);
        case "opt" -> opt(f);
        case "gpt2" -> gpt2(f);
        default ->
            throw new ModelFormatException(
                source,
                "model_type '%s' is not supported; expected one of %s"
                    .formatted(type, SUPPORTED_MODEL_TYPES));
      };
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(source, e.getMessage(), e);
    }
  }

  private static DecoderConfig llamaFamily(Fields f, String type) throws ModelFormatException {
    String act = f.textOr("hidden_act", "silu");
    if (!act.equals("silu")) {
      throw f.error("hidden_act", "'silu' (SwiGLU)", act);
    }
    if (f.boolOr("mlp_bias", false)) {
      throw f.error(
          "mlp_bias", "false (feed-forward biases are not implemented for Llama)", "true");
    }
    int hidden = f.integer("hidden_size");
    int heads = f.integer("num_attention_heads");
    int headDim = f.integerOr("head_dim", heads > 0 ? hidden / heads : 0);
    boolean attentionBias = f.boolOr("attention_bias", false);
    // Qwen2 has biases on q, k and v but not on o; Llama's attention_bias covers all four.
    boolean qkvBias = type.equals("qwen2") || attentionBias;
    boolean outputBias = !type.equals("qwen2") && attentionBias;
    int window = 0;
    if (type.equals("mistral") || (type.equals("qwen2") && f.boolOr("use_sliding_window", false))) {
      window = f.integerOr("sliding_window", 0);
    }
    return new DecoderConfig(
        DecoderFamily.LLAMA,
        type,
        f.integer("vocab_size"),
        hidden,
        f.integer("num_hidden_layers"),
        heads,
        f.integerOr("num_key_value_heads", heads),
        headDim,
        f.integer("intermediate_size"),
        f.integer("max_position_embeddings"),
        f.number("rms_norm_eps"),
        f.numberOr("rope_theta", 10000.0),
        ropeScaling(f),
        f.boolOr("tie_word_embeddings", false),
        qkvBias,
        outputBias,
        false,
        true,
        hidden,
        window,
        f.tokenId("bos_token_id"),
        f.tokenId("eos_token_id"));
  }

  /** null, or Llama 3.1's "llama3" scaling; other rope types are refused by name. */
  private static RopeScaling ropeScaling(Fields f) throws ModelFormatException {
    JsonNode scaling = f.root.get("rope_scaling");
    if (scaling == null || scaling.isNull()) {
      return null;
    }
    JsonNode type = scaling.has("rope_type") ? scaling.get("rope_type") : scaling.get("type");
    if (type == null || !"llama3".equals(type.asText())) {
      throw f.error("rope_scaling", "null or {\"rope_type\": \"llama3\", ...}", scaling.toString());
    }
    Fields s = new Fields(scaling, f.source() + " rope_scaling");
    return new RopeScaling(
        s.number("factor"),
        s.number("low_freq_factor"),
        s.number("high_freq_factor"),
        s.integer("original_max_position_embeddings"));
  }

  private static DecoderConfig opt(Fields f) throws ModelFormatException {
    String act = f.textOr("activation_function", "relu");
    if (!act.equals("relu")) {
      throw f.error("activation_function", "'relu'", act);
    }
    if (!f.boolOr("enable_bias", true)) {
      throw f.error("enable_bias", "true", "false");
    }
    if (!f.boolOr("layer_norm_elementwise_affine", true)) {
      throw f.error("layer_norm_elementwise_affine", "true", "false");
    }
    if (f.boolOr("_remove_final_layer_norm", false)) {
      throw f.error("_remove_final_layer_norm", "false", "true");
    }
    int hidden = f.integer("hidden_size");
    int heads = f.integer("num_attention_heads");
    return new DecoderConfig(
        DecoderFamily.OPT,
        "opt",
        f.integer("vocab_size"),
        hidden,
        f.integer("num_hidden_layers"),
        heads,
        heads,
        heads > 0 ? hidden / heads : 0,
        f.integer("ffn_dim"),
        f.integer("max_position_embeddings"),
        1e-5, // OPT's LayerNorms use torch's default eps; config.json does not carry it
        10000.0,
        null,
        f.boolOr("tie_word_embeddings", true),
        true,
        true,
        true,
        f.boolOr("do_layer_norm_before", true),
        f.integerOr("word_embed_proj_dim", hidden),
        0,
        f.tokenId("bos_token_id"),
        f.tokenId("eos_token_id"));
  }

  private static DecoderConfig gpt2(Fields f) throws ModelFormatException {
    String act = f.textOr("activation_function", "gelu_new");
    if (!act.equals("gelu_new") && !act.equals("gelu_pytorch_tanh")) {
      throw f.error("activation_function", "'gelu_new' (tanh GELU)", act);
    }
    if (f.boolOr("scale_attn_by_inverse_layer_idx", false)) {
      throw f.error("scale_attn_by_inverse_layer_idx", "false", "true");
    }
    if (!f.boolOr("scale_attn_weights", true)) {
      throw f.error("scale_attn_weights", "true", "false");
    }
    int hidden = f.integer("n_embd");
    int heads = f.integer("n_head");
    return new DecoderConfig(
        DecoderFamily.GPT2,
        "gpt2",
        f.integer("vocab_size"),
        hidden,
        f.integer("n_layer"),
        heads,
        heads,
        heads > 0 ? hidden / heads : 0,
        f.integerOr("n_inner", 4 * hidden),
        f.integer("n_positions"),
        f.numberOr("layer_norm_epsilon", 1e-5),
        10000.0,
        null,
        true,
        true,
        true,
        true,
        true,
        hidden,
        0,
        f.tokenId("bos_token_id"),
        f.tokenId("eos_token_id"));
  }

  /** The config.json transformers reads for this model (with {@code architectures}). */
  public String toJson() {
    ObjectNode n = JSON.createObjectNode();
    switch (family) {
      case LLAMA -> {
        String arch =
            switch (modelType) {
              case "mistral" -> "MistralForCausalLM";
              case "qwen2" -> "Qwen2ForCausalLM";
              default -> "LlamaForCausalLM";
            };
        n.putArray("architectures").add(arch);
        n.put("model_type", modelType);
        n.put("vocab_size", vocabSize);
        n.put("hidden_size", hiddenSize);
        n.put("intermediate_size", intermediateSize);
        n.put("num_hidden_layers", numLayers);
        n.put("num_attention_heads", numHeads);
        n.put("num_key_value_heads", numKvHeads);
        n.put("head_dim", headDim);
        n.put("hidden_act", "silu");
        n.put("max_position_embeddings", maxPositions);
        n.put("rms_norm_eps", normEps);
        n.put("rope_theta", ropeTheta);
        if (ropeScaling == null) {
          n.putNull("rope_scaling");
        } else {
          ObjectNode r = n.putObject("rope_scaling");
          r.put("rope_type", "llama3");
          r.put("factor", ropeScaling.factor());
          r.put("low_freq_factor", ropeScaling.lowFreqFactor());
          r.put("high_freq_factor", ropeScaling.highFreqFactor());
          r.put("original_max_position_embeddings", ropeScaling.originalMaxPositions());
        }
        n.put("tie_word_embeddings", tieWordEmbeddings);
        if (!modelType.equals("qwen2")) {
          n.put("attention_bias", qkvBias);
          n.put("mlp_bias", mlpBias);
        }
        if (slidingWindow > 0) {
          n.put("sliding_window", slidingWindow);
          if (modelType.equals("qwen2")) {
            n.put("use_sliding_window", true);
          }
        }
      }
      case OPT -> {
        n.putArray("architectures").add("OPTForCausalLM");
        n.put("model_type", "opt");
        n.put("vocab_size", vocabSize);
        n.put("hidden_size", hiddenSize);
        n.put("ffn_dim", intermediateSize);
        n.put("num_hidden_layers", numLayers);
        n.put("num_attention_heads", numHeads);
        n.put("max_position_embeddings", maxPositions);
        n.put("word_embed_proj_dim", wordEmbedProjDim);
        n.put("do_layer_norm_before", normBefore);
        n.put("activation_function", "relu");
        n.put("enable_bias", true);
        n.put("tie_word_embeddings", tieWordEmbeddings);
      }
      case GPT2 -> {
        n.putArray("architectures").add("GPT2LMHeadModel");
        n.put("model_type", "gpt2");
        n.put("vocab_size", vocabSize);
        n.put("n_embd", hiddenSize);
        n.put("n_layer", numLayers);
        n.put("n_head", numHeads);
        n.put("n_inner", intermediateSize);
        n.put("n_positions", maxPositions);
        n.put("layer_norm_epsilon", normEps);
        n.put("activation_function", "gelu_new");
      }
    }
    if (bosTokenId >= 0) {
      n.put("bos_token_id", bosTokenId);
    }
    if (eosTokenId >= 0) {
      n.put("eos_token_id", eosTokenId);
    }
    n.put("torch_dtype", "float32");
    try {
      return JSON.writeValueAsString(n) + "\n";
    } catch (JacksonException e) {
      throw new IllegalStateException("cannot serialise a JSON tree", e);
    }
  }

  private static void positive(String field, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be > 0, got " + value);
    }
  }

  /** Typed access to config.json fields; every error names the file and the field. */
  private record Fields(JsonNode root, String source) {
    ModelFormatException error(String field, String expected, String got) {
      return new ModelFormatException(
          source, "field '%s': expected %s, got %s".formatted(field, expected, got));
    }

    private JsonNode required(String field, String expected) throws ModelFormatException {
      JsonNode v = root.get(field);
      if (v == null || v.isNull()) {
        throw new ModelFormatException(
            source, "missing field '%s' (expected %s)".formatted(field, expected));
      }
      return v;
    }

    String text(String field) throws ModelFormatException {
      JsonNode v = required(field, "a string");
      if (!v.isTextual()) {
        throw error(field, "a string", v.toString());
      }
      return v.asText();
    }

    String textOr(String field, String fallback) throws ModelFormatException {
      JsonNode v = root.get(field);
      return v == null || v.isNull() ? fallback : text(field);
    }

    int integer(String field) throws ModelFormatException {
      JsonNode v = required(field, "an integer");
      if (!v.isIntegralNumber() || !v.canConvertToInt()) {
        throw error(field, "an integer", v.toString());
      }
      return v.intValue();
    }

    int integerOr(String field, int fallback) throws ModelFormatException {
      JsonNode v = root.get(field);
      return v == null || v.isNull() ? fallback : integer(field);
    }

    double number(String field) throws ModelFormatException {
      JsonNode v = required(field, "a number");
      if (!v.isNumber()) {
        throw error(field, "a number", v.toString());
      }
      return v.doubleValue();
    }

    double numberOr(String field, double fallback) throws ModelFormatException {
      JsonNode v = root.get(field);
      return v == null || v.isNull() ? fallback : number(field);
    }

    boolean boolOr(String field, boolean fallback) throws ModelFormatException {
      JsonNode v = root.get(field);
      if (v == null || v.isNull()) {
        return fallback;
      }
      if (!v.isBoolean()) {
        throw error(field, "true or false", v.toString());
      }
      return v.booleanValue();
    }

    /** A token id, the first of a list (Llama 3 lists several eos ids), or -1 when absent. */
    int tokenId(String field) throws ModelFormatException {
      JsonNode v = root.get(field);
      if (v == null || v.isNull()) {
        return -1;
      }
      if (v.isArray() && !v.isEmpty()) {
        v = v.get(0);
      }
      if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
        throw error(field, "a non-negative integer or a list of them", root.get(field).toString());
      }
      return v.intValue();
    }
  }
}
