package io.github.mezo4j.nn.model;

import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.nn.io.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Small randomly initialised decoders written the way Hugging Face stores them: config.json with
 * each family's own keys, and model.safetensors with HF tensor names and layouts (GPT-2's Conv1D
 * weights as [in, out]). The raw tensors are kept so that {@link ReferenceDecoder} can run the
 * model from them independently of the loader.
 */
final class TinyDecoders {
  private TinyDecoders() {}

  /** A model on disk: its folder and the raw tensors (HF names, HF layouts). */
  record Written(Path folder, Map<String, float[]> tensors, String configJson) {}

  static final int VOCAB = 50;

  /** Qwen2-style Llama: grouped-query attention, q/k/v biases, untied head, rope_theta 1e6. */
  static Written qwen2(Path folder) throws IOException {
    int h = 16;
    int heads = 4;
    int kv = 2;
    int hd = 4;
    int inter = 24;
    String config =
        """
        {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "vocab_size": %d,
         "hidden_size": %d, "intermediate_size": %d, "num_hidden_layers": 2,
         "num_attention_heads": %d, "num_key_value_heads": %d, "hidden_act": "silu",
         "max_position_embeddings": 64, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0,
         "tie_word_embeddings": false, "bos_token_id": 1, "eos_token_id": 2,
         "torch_dtype": "float32", "use_sliding_window": false, "sliding_window": 4096}
        """
            .formatted(VOCAB, h, inter, heads, kv);
    Tensors t = new Tensors(31);
    t.add("model.embed_tokens.weight", VOCAB, h);
    for (int l = 0; l < 2; l++) {
      String p = "model.layers." + l + ".";
      t.norm(p + "input_layernorm.weight", h);
      t.add(p + "self_attn.q_proj.weight", heads * hd, h);
      t.add(p + "self_attn.q_proj.bias", heads * hd);
      t.add(p + "self_attn.k_proj.weight", kv * hd, h);
      t.add(p + "self_attn.k_proj.bias", kv * hd);
      t.add(p + "self_attn.v_proj.weight", kv * hd, h);
      t.add(p + "self_attn.v_proj.bias", kv * hd);
      t.add(p + "self_attn.o_proj.weight", h, heads * hd);
      t.norm(p + "post_attention_layernorm.weight", h);
      t.add(p + "mlp.gate_proj.weight", inter, h);
      t.add(p + "mlp.up_proj.weight", inter, h);
      t.add(p + "mlp.down_proj.weight", h, inter);
    }
    t.norm("model.norm.weight", h);
    t.add("lm_head.weight", VOCAB, h);
    return t.write(folder, config);
  }

  /**
   * OPT. {@code projected}: opt-350m's layout (word_embed_proj_dim != hidden_size, project_in/out,
   * post-norm blocks without a final layer norm); otherwise opt-125m's pre-norm layout.
   */
  static Written opt(Path folder, boolean projected) throws IOException {
    int h = 16;
    int e = projected ? 8 : h;
    int heads = 4;
    int ffn = 32;
    int maxPos = 40;
    String config =
        """
        {"architectures": ["OPTForCausalLM"], "model_type": "opt", "vocab_size": %d,
         "hidden_size": %d, "ffn_dim": %d, "num_hidden_layers": 2, "num_attention_heads": %d,
         "max_position_embeddings": %d, "word_embed_proj_dim": %d, "do_layer_norm_before": %b,
         "activation_function": "relu", "enable_bias": true, "layer_norm_elementwise_affine": true,
         "bos_token_id": 2, "eos_token_id": 2, "pad_token_id": 1, "torch_dtype": "float32"}
        """
            .formatted(VOCAB, h, ffn, heads, maxPos, e, !projected);
    Tensors t = new Tensors(projected ? 41 : 43);
    String p = "model.decoder.";
    t.add(p + "embed_tokens.weight", VOCAB, e);
    t.add(p + "embed_positions.weight", maxPos + 2, h);
    if (projected) {
      t.add(p + "project_in.weight", h, e);
      t.add(p + "project_out.weight", e, h);
    } else {
      t.norm(p + "final_layer_norm.weight", h);
      t.add(p + "final_layer_norm.bias", h);
    }
    for (int l = 0; l < 2; l++) {
      String q = p + "layers." + l + ".";
      for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
        t.add(q + "self_attn." + proj + ".weight", h, h);
        t.add(q + "self_attn." + proj + ".bias", h);
      }
      t.norm(q + "self_attn_layer_norm.weight", h);
      t.add(q + "self_attn_layer_norm.bias", h);
      t.add(q + "fc1.weight", ffn, h);
      t.add(q + "fc1.bias", ffn);
      t.add(q + "fc2.weight", h, ffn);
      t.add(q + "fc2.bias", h);
      t.norm(q + "final_layer_norm.weight", h);
      t.add(q + "final_layer_norm.bias", h);
    }
    // OPTForCausalLM ties lm_head to embed_tokens; HF omits it from safetensors
    return t.write(folder, config);
  }

  /** GPT-2 with Conv1D weights stored [in, out], as transformers saves them. */
  static Written gpt2(Path folder) throws IOException {
    int h = 16;
    int heads = 4;
    int maxPos = 40;
    String config =
        """
        {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": %d,
         "n_embd": %d, "n_layer": 2, "n_head": %d, "n_inner": null, "n_positions": %d,
         "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new",
         "bos_token_id": 49, "eos_token_id": 49, "torch_dtype": "float32"}
        """
            .formatted(VOCAB, h, heads, maxPos);
    Tensors t = new Tensors(47);
    String p = "transformer.";
    t.add(p + "wte.weight", VOCAB, h);
    t.add(p + "wpe.weight", maxPos, h);
    for (int l = 0; l < 2; l++) {
      String q = p + "h." + l + ".";
      t.norm(q + "ln_1.weight", h);
      t.add(q + "ln_1.bias", h);
      t.add(q + "attn.c_attn.weight", h, 3 * h); // Conv1D: [in, out]
      t.add(q + "attn.c_attn.bias", 3 * h);
      t.add(q + "attn.c_proj.weight", h, h);
      t.add(q + "attn.c_proj.bias", h);
      t.norm(q + "ln_2.weight", h);
      t.add(q + "ln_2.bias", h);
      t.add(q + "mlp.c_fc.weight", h, 4 * h);
      t.add(q + "mlp.c_fc.bias", 4 * h);
      t.add(q + "mlp.c_proj.weight", 4 * h, h);
      t.add(q + "mlp.c_proj.bias", h);
    }
    t.norm(p + "ln_f.weight", h);
    t.add(p + "ln_f.bias", h);
    return t.write(folder, config);
  }

  /** Random tensors in insertion order, with their shapes. */
  private static final class Tensors {
    final SplittableRandom random;
    final Map<String, float[]> values = new LinkedHashMap<>();
    final List<Parameter> params = new ArrayList<>();

    Tensors(long seed) {
      random = new SplittableRandom(seed);
    }

    void add(String name, int... shape) {
      put(name, shape, 0, 0.5);
    }

    /** Norm weights near 1, as trained models have them. */
    void norm(String name, int size) {
      put(name, new int[] {size}, 1, 0.2);
    }

    private void put(String name, int[] shape, double centre, double spread) {
      int n = 1;
      for (int d : shape) {
        n *= d;
      }
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = (float) (centre + spread * (2 * random.nextDouble() - 1));
      }
      values.put(name, v);
      params.add(Parameter.f32(name, shape, v.clone()));
    }

    Written write(Path folder, String config) throws IOException {
      Files.createDirectories(folder);
      Files.writeString(folder.resolve("config.json"), config);
      SafetensorsWriter.write(
          folder.resolve("model.safetensors"), params, SafetensorsWriter.PT_METADATA);
      return new Written(folder, values, config);
    }
  }
}
