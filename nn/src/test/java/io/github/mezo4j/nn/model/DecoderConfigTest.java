package io.github.mezo4j.nn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mezo4j.nn.io.ModelFormatException;
import org.junit.jupiter.api.Test;

/** config.json files as published on the Hugging Face hub for each supported model type. */
class DecoderConfigTest {

  static final String LLAMA_3_2_1B =
      """
      {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
       "bos_token_id": 128000, "eos_token_id": 128001, "head_dim": 64, "hidden_act": "silu",
       "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 8192,
       "max_position_embeddings": 131072, "mlp_bias": false, "model_type": "llama",
       "num_attention_heads": 32, "num_hidden_layers": 16, "num_key_value_heads": 8,
       "pretraining_tp": 1, "rms_norm_eps": 1e-05,
       "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                        "original_max_position_embeddings": 8192, "rope_type": "llama3"},
       "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
       "use_cache": true, "vocab_size": 128256}
      """;

  static final String MISTRAL_7B =
      """
      {"architectures": ["MistralForCausalLM"], "bos_token_id": 1, "eos_token_id": 2,
       "hidden_act": "silu", "hidden_size": 4096, "initializer_range": 0.02,
       "intermediate_size": 14336, "max_position_embeddings": 32768, "model_type": "mistral",
       "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8,
       "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "sliding_window": 4096,
       "tie_word_embeddings": false, "torch_dtype": "bfloat16", "use_cache": true,
       "vocab_size": 32000}
      """;

  static final String QWEN2_0_5B =
      """
      {"architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
       "eos_token_id": 151643, "hidden_act": "silu", "hidden_size": 896,
       "initializer_range": 0.02, "intermediate_size": 4864, "max_position_embeddings": 131072,
       "max_window_layers": 24, "model_type": "qwen2", "num_attention_heads": 14,
       "num_hidden_layers": 24, "num_key_value_heads": 2, "rms_norm_eps": 1e-06,
       "rope_theta": 1000000.0, "sliding_window": 131072, "tie_word_embeddings": true,
       "torch_dtype": "bfloat16", "use_cache": true, "use_sliding_window": false,
       "vocab_size": 151936}
      """;

  static final String OPT_350M =
      """
      {"_name_or_path": "facebook/opt-350m", "activation_dropout": 0.0,
       "activation_function": "relu", "architectures": ["OPTForCausalLM"],
       "attention_dropout": 0.0, "bos_token_id": 2, "do_layer_norm_before": false,
       "dropout": 0.1, "eos_token_id": 2, "ffn_dim": 4096, "hidden_size": 1024,
       "init_std": 0.02, "layerdrop": 0.0, "max_position_embeddings": 2048, "model_type": "opt",
       "num_attention_heads": 16, "num_hidden_layers": 24, "pad_token_id": 1, "prefix": "</s>",
       "torch_dtype": "float16", "use_cache": true, "vocab_size": 50272,
       "word_embed_proj_dim": 512}
      """;

  static final String GPT2 =
      """
      {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"],
       "attn_pdrop": 0.1, "bos_token_id": 50256, "embd_pdrop": 0.1, "eos_token_id": 50256,
       "initializer_range": 0.02, "layer_norm_epsilon": 1e-05, "model_type": "gpt2",
       "n_ctx": 1024, "n_embd": 768, "n_head": 12, "n_layer": 12, "n_positions": 1024,
       "resid_pdrop": 0.1, "summary_activation": null, "vocab_size": 50257}
      """;

  @Test
  void llama32ReadsGroupedQueryAttentionTiedHeadAndLlama3Scaling() throws Exception {
    DecoderConfig c = DecoderConfig.fromJson(LLAMA_3_2_1B, "llama");
    assertEquals(DecoderFamily.LLAMA, c.family());
    assertEquals(8, c.numKvHeads());
    assertEquals(64, c.headDim());
    assertEquals(500000.0, c.ropeTheta());
    assertTrue(c.tieWordEmbeddings());
    assertEquals(new RopeScaling(32, 1, 4, 8192), c.ropeScaling());
    assertEquals(128001, c.eosTokenId());
    assertEquals(c, DecoderConfig.fromJson(c.toJson(), "written"));
  }

  @Test
  void mistralKeepsItsSlidingWindowAndQwen2ItsBiases() throws Exception {
    DecoderConfig m = DecoderConfig.fromJson(MISTRAL_7B, "mistral");
    assertEquals(4096, m.slidingWindow());
    assertFalse(m.qkvBias());
    assertFalse(m.tieWordEmbeddings());
    assertEquals(m, DecoderConfig.fromJson(m.toJson(), "written"));
    DecoderConfig q = DecoderConfig.fromJson(QWEN2_0_5B, "qwen2");
    assertTrue(q.qkvBias());
    assertFalse(q.outputBias());
    assertEquals(0, q.slidingWindow(), "use_sliding_window is false");
    assertEquals(64, q.headDim());
    assertEquals(q, DecoderConfig.fromJson(q.toJson(), "written"));
  }

  @Test
  void opt350mIsPostNormWithProjections() throws Exception {
    DecoderConfig c = DecoderConfig.fromJson(OPT_350M, "opt");
    assertEquals(DecoderFamily.OPT, c.family());
    assertFalse(c.normBefore());
    assertEquals(512, c.wordEmbedProjDim());
    assertEquals(4096, c.intermediateSize());
    assertTrue(c.tieWordEmbeddings());
    assertNull(c.ropeScaling());
    assertEquals(c, DecoderConfig.fromJson(c.toJson(), "written"));
  }

  @Test
  void gpt2DefaultsItsFeedForwardWidth() throws Exception {
    DecoderConfig c = DecoderConfig.fromJson(GPT2, "gpt2");
    assertEquals(3072, c.intermediateSize());
    assertEquals(1024, c.maxPositions());
    assertEquals(50256, c.bosTokenId());
    assertEquals(c, DecoderConfig.fromJson(c.toJson(), "written"));
  }

  @Test
  void unsupportedSettingsAreNamed() {
    ModelFormatException e =
        assertThrows(
            ModelFormatException.class,
            () ->
                DecoderConfig.fromJson(
                    LLAMA_3_2_1B.replace("\"llama3\"", "\"yarn\""), "config.json"));
    assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    assertTrue(e.getMessage().contains("rope_scaling"), e.getMessage());
    e =
        assertThrows(
            ModelFormatException.class,
            () -> DecoderConfig.fromJson(GPT2.replace("\"n_head\": 12", "\"n_head\": 7"), "g"));
    assertTrue(e.getMessage().contains("not divisible by num_attention_heads 7"), e.getMessage());
    e =
        assertThrows(
            ModelFormatException.class,
            () -> DecoderConfig.fromJson(MISTRAL_7B.replace("\"hidden_size\": 4096,", ""), "m"));
    assertTrue(e.getMessage().contains("missing field 'hidden_size'"), e.getMessage());
  }

  @Test
  void llama3ScalingKeepsHighFrequenciesAndDividesLowOnes() {
    RopeScaling s = new RopeScaling(32, 1, 4, 8192);
    double[] plain = RopeScaling.plain(64, 500000);
    double[] scaled = s.inverseFrequencies(64, 500000);
    int kept = 0;
    int divided = 0;
    for (int i = 0; i < plain.length; i++) {
      double wavelength = 2 * Math.PI / plain[i];
      if (wavelength < 8192 / 4.0) {
        assertEquals(plain[i], scaled[i], 0, "high frequency " + i);
        kept++;
      } else if (wavelength > 8192) {
        assertEquals(plain[i] / 32, scaled[i], 1e-18, "low frequency " + i);
        divided++;
      } else {
        assertTrue(scaled[i] < plain[i] && scaled[i] > plain[i] / 32, "band " + i);
      }
    }
    assertTrue(kept > 0 && divided > 0, "both bands are present for Llama 3.2's shape");
  }
}
