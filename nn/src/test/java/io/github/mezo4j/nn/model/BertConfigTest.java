package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.nn.io.ModelFormatException;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class BertConfigTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  // config.json as published for sentence-transformers/all-MiniLM-L6-v2
  private static final String MINILM =
      """
      {
        "_name_or_path": "nreimers/MiniLM-L6-H384-uncased",
        "architectures": ["BertModel"],
        "attention_probs_dropout_prob": 0.1,
        "gradient_checkpointing": false,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": 384,
        "initializer_range": 0.02,
        "intermediate_size": 1536,
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": 512,
        "model_type": "bert",
        "num_attention_heads": 12,
        "num_hidden_layers": 6,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "transformers_version": "4.8.2",
        "type_vocab_size": 2,
        "use_cache": true,
        "vocab_size": 30522
      }
      """;

  // config.json as published for FacebookAI/roberta-base
  private static final String ROBERTA =
      """
      {
        "architectures": ["RobertaForMaskedLM"],
        "attention_probs_dropout_prob": 0.1,
        "bos_token_id": 0,
        "eos_token_id": 2,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": 768,
        "initializer_range": 0.02,
        "intermediate_size": 3072,
        "layer_norm_eps": 1e-05,
        "max_position_embeddings": 514,
        "model_type": "roberta",
        "num_attention_heads": 12,
        "num_hidden_layers": 12,
        "pad_token_id": 1,
        "type_vocab_size": 1,
        "vocab_size": 50265
      }
      """;

  @Test
  void parsesPublishedConfigs() throws ModelFormatException {
    BertConfig minilm = BertConfig.fromJson(MINILM, "config.json");
    assertEquals("bert", minilm.modelType());
    assertEquals(List.of("BertModel"), minilm.architectures());
    assertEquals(30522, minilm.vocabSize());
    assertEquals(384, minilm.hiddenSize());
    assertEquals(6, minilm.numHiddenLayers());
    assertEquals(12, minilm.numAttentionHeads());
    assertEquals(32, minilm.headDim());
    assertEquals(1536, minilm.intermediateSize());
    assertEquals("gelu", minilm.hiddenAct());
    assertEquals(512, minilm.maxPositionEmbeddings());
    assertEquals(2, minilm.typeVocabSize());
    assertEquals(1e-12, minilm.layerNormEps());
    assertEquals(0, minilm.padTokenId());
    assertEquals("absolute", minilm.extras().get("position_embedding_type"));
    assertEquals(0.1, minilm.extras().get("hidden_dropout_prob"));
    assertEquals(false, minilm.extras().get("gradient_checkpointing"));

    BertConfig roberta = BertConfig.fromJson(ROBERTA, "config.json");
    assertEquals("roberta", roberta.modelType());
    assertEquals(1, roberta.padTokenId());
    assertEquals(514, roberta.maxPositionEmbeddings());
    assertEquals(1e-5, roberta.layerNormEps());
  }

  @Test
  void writesBackTheSameKeysAndValues() throws Exception {
    for (String published : List.of(MINILM, ROBERTA)) {
      BertConfig config = BertConfig.fromJson(published, "config.json");
      String written = config.toJson();
      assertEquals(JSON.readTree(published), JSON.readTree(written));
      assertEquals(config, BertConfig.fromJson(written, "again.json"));
    }
    // keys sorted, like transformers' to_json_string
    JsonNode tree = JSON.readTree(BertConfig.fromJson(MINILM, "c").toJson());
    List<String> keys = tree.properties().stream().map(Map.Entry::getKey).toList();
    assertEquals(keys.stream().sorted().toList(), keys);
  }

  private static String edited(Consumer<ObjectNode> edit) throws Exception {
    ObjectNode node = (ObjectNode) JSON.readTree(MINILM);
    edit.accept(node);
    return node.toString();
  }

  private static void rejects(String json, String... mentions) {
    ModelFormatException e =
        assertThrows(ModelFormatException.class, () -> BertConfig.fromJson(json, "my/config.json"));
    assertTrue(e.getMessage().startsWith("my/config.json: "), e.getMessage());
    for (String m : mentions) {
      assertTrue(e.getMessage().contains(m), "'" + m + "' not in: " + e.getMessage());
    }
  }

  @Test
  void rejectsInvalidConfigsNamingTheField() throws Exception {
    for (String field : BertConfig.KEYS) {
      if (!field.equals("architectures")) {
        rejects(edited(c -> c.remove(field)), "missing field '" + field + "'");
      }
    }
    rejects(
        edited(c -> c.put("hidden_size", "384")), "field 'hidden_size': expected a 32-bit integer");
    rejects(edited(c -> c.put("hidden_size", 384.5)), "field 'hidden_size'");
    rejects(
        edited(c -> c.put("hidden_size", 400)),
        "hidden_size 400 is not divisible by num_attention_heads 12");
    rejects(edited(c -> c.put("num_hidden_layers", 0)), "num_hidden_layers must be positive");
    rejects(edited(c -> c.put("layer_norm_eps", -1)), "layer_norm_eps must be a positive");
    rejects(
        edited(c -> c.put("pad_token_id", 30522)), "pad_token_id 30522 is outside the vocabulary");
    rejects(
        edited(c -> c.put("model_type", "distilbert")),
        "model_type 'distilbert' is not supported",
        "[bert, roberta, xlm-roberta]");
    rejects(
        edited(c -> c.putArray("architectures").add("RobertaModel")),
        "architecture 'RobertaModel' is not supported for model_type 'bert'",
        "BertModel");
    // options under which transformers would compute another graph than this engine runs
    rejects(
        edited(c -> c.put("position_embedding_type", "relative_key_query")),
        "position_embedding_type relative_key_query is not supported");
    rejects(edited(c -> c.put("is_decoder", true)), "is_decoder true is not supported");
    rejects(
        edited(c -> c.put("add_cross_attention", true)),
        "add_cross_attention true is not supported");
    BertConfig.fromJson(
        edited(c -> c.put("position_embedding_type", "absolute").put("is_decoder", false)), "ok");
    rejects("{\"model_type\": \"bert\",", "invalid JSON");
    rejects("[1]", "expected a JSON object");
    rejects(
        MINILM.replace("\"vocab_size\": 30522", "\"vocab_size\": 30522, \"vocab_size\": 7"),
        "invalid JSON",
        "vocab_size");
  }

  @Test
  void listsSupportedArchitectures() {
    assertTrue(BertConfig.supportedArchitectures("bert").contains("BertForSequenceClassification"));
    assertTrue(BertConfig.supportedArchitectures("xlm-roberta").contains("XLMRobertaModel"));
    assertEquals(List.of(), BertConfig.supportedArchitectures("gpt2"));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new BertConfig(
                "bert",
                List.of(),
                10,
                4,
                1,
                2,
                8,
                "gelu",
                6,
                2,
                1e-12,
                0,
                Map.of("hidden_size", 3)));
  }
}
