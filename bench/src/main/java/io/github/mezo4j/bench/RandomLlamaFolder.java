package io.github.mezo4j.bench;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.param.BFloat16;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.nn.io.HuggingFaceFolder;
import io.github.mezo4j.nn.io.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Writes a Llama-shaped decoder with random bf16 weights as a sharded Hugging Face folder
 * (config.json, model-0000K-of-0000N.safetensors, model.safetensors.index.json): a stand-in for a
 * model too large to download here, to measure memory and time at its real shapes. Weights are
 * uniform with standard deviation 0.02 (norm weights 1), from a fixed seed; one shard is in memory
 * at a time.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar \
 *     io.github.mezo4j.bench.RandomLlamaFolder OUT [llama-7b|llama-13b|llama-1b|tiny] [VOCAB] [SHARD_MB]
 * </pre>
 */
public final class RandomLlamaFolder {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private RandomLlamaFolder() {}

  /**
   * A Llama shape.
   *
   * @param hidden hidden size
   * @param layers decoder layers
   * @param heads attention heads (as many key-value heads)
   * @param intermediate the MLP's width
   * @param vocab vocabulary size
   */
  public record Shape(int hidden, int layers, int heads, int intermediate, int vocab) {
    /**
     * The shape a preset names: llama-7b, llama-13b (Llama 2), llama-1b (TinyLlama's widths with
     * full attention heads, 1.3 G weights) or tiny (for tests).
     */
    public static Shape of(String preset) {
      return switch (preset) {
        case "llama-7b" -> new Shape(4096, 32, 32, 11008, 32000);
        case "llama-13b" -> new Shape(5120, 40, 40, 13824, 32000);
        case "llama-1b" -> new Shape(2048, 22, 32, 5632, 32000);
        case "tiny" -> new Shape(64, 2, 4, 160, 512);
        default ->
            throw new IllegalArgumentException(
                "unknown shape '%s': expected llama-7b, llama-13b, llama-1b or tiny"
                    .formatted(preset));
      };
    }

    /** The same shape with another vocabulary. */
    public Shape withVocab(int v) {
      return new Shape(hidden, layers, heads, intermediate, v);
    }

    /** Weights in all: those of the tensors {@link RandomLlamaFolder#write} writes. */
    public long parameters() {
      long n = 0;
      for (Tensor t : tensors(this)) {
        n += t.bytes() / 2;
      }
      return n;
    }
  }

  /** Writes the folder; arguments as in the class comment. */
  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println(
          "usage: RandomLlamaFolder OUT [llama-7b|llama-13b|llama-1b|tiny] [VOCAB] [SHARD_MB]");
      System.exit(2);
    }
    Shape shape = Shape.of(args.length > 1 ? args[1] : "llama-7b");
    if (args.length > 2) {
      shape = shape.withVocab(Integer.parseInt(args[2]));
    }
    long shardBytes = (args.length > 3 ? Long.parseLong(args[3]) : 1000) * 1_000_000L;
    long t0 = System.nanoTime();
    write(Path.of(args[0]), shape, shardBytes, 1);
    System.out.printf(
        Locale.ROOT,
        "{\"out\":\"%s\",\"parameters\":%d,\"bytes\":%d,\"seconds\":%.1f}%n",
        args[0],
        shape.parameters(),
        2 * shape.parameters(),
        (System.nanoTime() - t0) / 1e9);
  }

  /**
   * Writes a random model of {@code shape} into {@code folder} in shards of at most {@code
   * shardBytes} (a single tensor larger than that gets a shard of its own).
   *
   * @throws IllegalArgumentException if {@code folder} exists: nothing is overwritten
   */
  public static void write(Path folder, Shape shape, long shardBytes, long seed)
      throws IOException {
    if (Files.exists(folder)) {
      throw new IllegalArgumentException(folder + " exists; give a folder that does not");
    }
    List<List<Tensor>> shards =
        HuggingFaceFolder.shardPlan(tensors(shape), Tensor::bytes, shardBytes);
    Files.createDirectories(folder);
    ObjectNode index = JSON.createObjectNode();
    index.putObject("metadata").put("total_size", 2 * shape.parameters());
    ObjectNode map = index.putObject("weight_map");
    int k = 0;
    for (List<Tensor> shard : shards) {
      String name = "model-%05d-of-%05d.safetensors".formatted(++k, shards.size());
      List<Parameter> params = new ArrayList<>();
      for (Tensor t : shard) {
        params.add(t.fill(seed));
        map.put(t.name(), name);
      }
      SafetensorsWriter.write(folder.resolve(name), params, SafetensorsWriter.PT_METADATA);
    }
    Files.writeString(
        folder.resolve(HuggingFaceFolder.INDEX),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index));
    Files.writeString(folder.resolve(HuggingFaceFolder.CONFIG), config(shape));
  }

  /** One tensor to write: its name, shape, whether it is a norm weight, and its position. */
  private record Tensor(String name, int[] shape, boolean norm, int ordinal) {
    long bytes() {
      long n = 1;
      for (int d : shape) {
        n *= d;
      }
      return 2 * n;
    }

    Parameter fill(long seed) {
      short[] bits = new short[(int) (bytes() / 2)];
      if (norm) {
        java.util.Arrays.fill(bits, BFloat16.fromFloat(1f));
      } else {
        // uniform on [-a, a] with a = 0.02 sqrt(3): standard deviation 0.02
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + ordinal);
        float a = (float) (0.02 * Math.sqrt(3) / 2147483648.0);
        for (int i = 0; i < bits.length; i++) {
          bits[i] = BFloat16.fromFloat(r.nextInt() * a);
        }
      }
      return Parameter.bf16(name, shape, bits);
    }
  }

  private static List<Tensor> tensors(Shape s) {
    List<Tensor> t = new ArrayList<>();
    int h = s.hidden();
    t.add(new Tensor("model.embed_tokens.weight", new int[] {s.vocab(), h}, false, t.size()));
    for (int l = 0; l < s.layers(); l++) {
      String p = "model.layers." + l + ".";
      t.add(new Tensor(p + "input_layernorm.weight", new int[] {h}, true, t.size()));
      for (String proj : List.of("q_proj", "k_proj", "v_proj", "o_proj")) {
        t.add(new Tensor(p + "self_attn." + proj + ".weight", new int[] {h, h}, false, t.size()));
      }
      t.add(new Tensor(p + "post_attention_layernorm.weight", new int[] {h}, true, t.size()));
      int i = s.intermediate();
      t.add(new Tensor(p + "mlp.gate_proj.weight", new int[] {i, h}, false, t.size()));
      t.add(new Tensor(p + "mlp.up_proj.weight", new int[] {i, h}, false, t.size()));
      t.add(new Tensor(p + "mlp.down_proj.weight", new int[] {h, i}, false, t.size()));
    }
    t.add(new Tensor("model.norm.weight", new int[] {h}, true, t.size()));
    t.add(new Tensor("lm_head.weight", new int[] {s.vocab(), h}, false, t.size()));
    return t;
  }

  private static String config(Shape s) {
    return """
        {
          "architectures": ["LlamaForCausalLM"],
          "model_type": "llama",
          "hidden_size": %d,
          "intermediate_size": %d,
          "num_hidden_layers": %d,
          "num_attention_heads": %d,
          "num_key_value_heads": %d,
          "hidden_act": "silu",
          "max_position_embeddings": 4096,
          "rms_norm_eps": 1e-05,
          "rope_theta": 10000.0,
          "vocab_size": %d,
          "tie_word_embeddings": false,
          "bos_token_id": 1,
          "eos_token_id": 2,
          "torch_dtype": "bfloat16"
        }
        """
        .formatted(s.hidden(), s.intermediate(), s.layers(), s.heads(), s.heads(), s.vocab());
  }
}
