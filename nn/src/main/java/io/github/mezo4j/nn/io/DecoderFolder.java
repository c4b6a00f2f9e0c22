package io.github.mezo4j.nn.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.safetensors.SafetensorsReader;
import io.github.mezo4j.nn.io.safetensors.SafetensorsWriter;
import io.github.mezo4j.nn.model.DecoderConfig;
import io.github.mezo4j.nn.model.DecoderFamily;
import io.github.mezo4j.nn.model.DecoderModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Loads and saves Hugging Face folders of decoder-only language models (Llama, Mistral, Qwen2, OPT,
 * GPT-2): {@code config.json} plus {@code model.safetensors}, or shards listed by {@code
 * model.safetensors.index.json}. A {@code tokenizer.json} beside them is for the tokenizer package
 * ({@link HuggingFaceFolder#tokenizerPath}).
 *
 * <p>Every tensor is loaded as F32 (F16 and BF16 are widened), because the engine computes in f32.
 * GPT-2 stores its projections as {@code Conv1D} weights {@code [in, out]}; they are transposed at
 * load into the {@code nn.Linear} layout {@code [out, in]} the engine uses, keeping their HF names,
 * and transposed back by {@link #save}. GPT-2's attention-mask buffers ({@code attn.bias}, {@code
 * attn.masked_bias}) and Llama's {@code rotary_emb.inv_freq} are skipped: they are recomputed, not
 * learned. The result is checked by building a {@link DecoderModel} before it is returned, so a
 * missing or misshapen tensor is reported with the folder's name and no half-loaded model escapes.
 */
public final class DecoderFolder {
  private DecoderFolder() {}

  private static final JsonMapper JSON = JsonMapper.builder().build();

  /**
   * Loads config.json and the weights of {@code folder}, every weight widened to f32.
   *
   * @throws ModelFormatException naming the file and the field or tensor at fault
   */
  public static DecoderCheckpoint load(Path folder) throws IOException {
    return load(folder, DType.F32);
  }

  /**
   * Loads config.json and the weights of {@code folder}, converted to {@code storage}: F32, BF16
   * (F32 and F16 tensors rounded to nearest even), or null for each tensor's natural storage (BF16
   * stays BF16, F16 is widened to F32). The model computes from either.
   *
   * @throws ModelFormatException naming the file and the field or tensor at fault
   */
  public static DecoderCheckpoint load(Path folder, DType storage) throws IOException {
    Layout layout = layout(folder);
    DecoderConfig config = layout.config();
    Map<String, List<String>> byShard = layout.byShard();
    Path index = folder.resolve(HuggingFaceFolder.INDEX);
    checkHeapFits(folder, inspect(folder, layout, storage).weightBytes());
    Map<String, Parameter> params = new LinkedHashMap<>();
    for (Map.Entry<String, List<String>> e : byShard.entrySet()) {
      Path file = folder.resolve(e.getKey());
      if (!Files.isRegularFile(file)) {
        throw new ModelFormatException(
            index.toString(), "shard '%s' does not exist".formatted(e.getKey()));
      }
      try (SafetensorsReader r = SafetensorsReader.open(file)) {
        List<String> names = e.getValue() == null ? r.names() : e.getValue();
        for (String name : names) {
          if (skipped(config, name)) {
            continue;
          }
          if (!r.contains(name)) {
            throw new ModelFormatException(
                file.toString(), "missing tensor '%s' listed in the index".formatted(name));
          }
          Parameter p = r.read(name, storage);
          try {
            params.put(name, isConv1d(config, name) ? transpose(p) : p);
          } catch (IllegalArgumentException bad) {
            throw new ModelFormatException(file.toString(), bad.getMessage(), bad);
          }
        }
      }
    }
    ParameterSet set = ParameterSet.of(new ArrayList<>(params.values()));
    try {
      DecoderModel.of(config, set);
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(folder.toString(), e.getMessage(), e);
    }
    return new DecoderCheckpoint(config, set);
  }

  /** A folder's config and its weight files, each with the tensors to read (null: all). */
  private record Layout(DecoderConfig config, Map<String, List<String>> byShard) {}

  private static Layout layout(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      throw new ModelFormatException(folder.toString(), "not a directory");
    }
    Path configFile = folder.resolve(HuggingFaceFolder.CONFIG);
    if (!Files.isRegularFile(configFile)) {
      throw new ModelFormatException(folder.toString(), "missing " + HuggingFaceFolder.CONFIG);
    }
    DecoderConfig config = DecoderConfig.read(configFile);
    Map<String, List<String>> byShard = new TreeMap<>();
    Path single = folder.resolve(HuggingFaceFolder.WEIGHTS);
    Path index = folder.resolve(HuggingFaceFolder.INDEX);
    if (Files.isRegularFile(single)) {
      byShard.put(HuggingFaceFolder.WEIGHTS, null);
    } else if (Files.isRegularFile(index)) {
      byShard.putAll(shards(index));
    } else {
      throw new ModelFormatException(
          folder.toString(),
          "no %s or %s (PyTorch pickles such as pytorch_model.bin are not read)"
              .formatted(HuggingFaceFolder.WEIGHTS, HuggingFaceFolder.INDEX));
    }
    return new Layout(config, byShard);
  }

  /**
   * What loading a folder will take, from its config and safetensors headers only (no weight is
   * read): for a {@link MemoryPlan}.
   *
   * @param config the model's config
   * @param weightBytes the weights as {@code storage} stores them
   * @param weightCount how many weights there are
   * @param largestTensorBytes the largest tensor as stored, mapped while it is copied out
   */
  public record Inspection(
      DecoderConfig config, long weightBytes, long weightCount, long largestTensorBytes) {}

  /**
   * {@link Inspection} of {@code folder} for weights stored as {@code storage} (null: as saved).
   */
  public static Inspection inspect(Path folder, DType storage) throws IOException {
    return inspect(folder, layout(folder), storage);
  }

  private static Inspection inspect(Path folder, Layout layout, DType storage) throws IOException {
    DecoderConfig config = layout.config();
    MemoryPlan.Stored s =
        MemoryPlan.stored(
            layout.byShard().keySet().stream().map(folder::resolve).toList(),
            storage,
            name -> !skipped(config, name));
    return new Inspection(config, s.bytes(), s.elements(), s.largestTensorBytes());
  }

  /**
   * Refuses, before any weight is read, weights that cannot fit in the heap this JVM has left: the
   * alternative is an OutOfMemoryError minutes into reading gigabytes.
   */
  private static void checkHeapFits(Path folder, long bytes) {
    Runtime rt = Runtime.getRuntime();
    String refusal =
        heapRefusal(
            folder.toString(),
            bytes,
            rt.maxMemory() - (rt.totalMemory() - rt.freeMemory()),
            rt.maxMemory());
    if (refusal != null) {
      throw new IllegalStateException(refusal);
    }
  }

  /** Why {@code bytes} of weights do not fit in {@code freeHeap}, or null when they do. */
  static String heapRefusal(String what, long bytes, long freeHeap, long maxHeap) {
    if (bytes <= freeHeap) {
      return null;
    }
    return ("%s: its weights take %.1f GB in memory as loaded, more than the %.1f GB this JVM's"
            + " heap has free (at most %.1f GB, -Xmx): load bf16 weights as bf16 (--dtype auto or"
            + " bf16, half of f32), or on a machine with the memory raise the heap with"
            + " MEZO4J_JAVA_OPTS=-Xmx<size>")
        .formatted(what, bytes / 1e9, freeHeap / 1e9, maxHeap / 1e9);
  }

  /**
   * Writes config.json and model.safetensors into {@code folder} (created if needed), each file
   * replaced atomically, weights first. GPT-2 Conv1D weights are written back as {@code [in, out]}.
   */
  public static void save(Path folder, DecoderConfig config, ParameterSet params)
      throws IOException {
    DecoderModel.of(config, params); // refuse to write a folder that would not load
    List<Parameter> onDisk = new ArrayList<>();
    for (Parameter p : params) {
      onDisk.add(isConv1d(config, p.name()) ? transpose(p) : p);
    }
    Files.createDirectories(folder);
    SafetensorsWriter.write(
        folder.resolve(HuggingFaceFolder.WEIGHTS), onDisk, SafetensorsWriter.PT_METADATA);
    AtomicFiles.write(
        folder.resolve(HuggingFaceFolder.CONFIG), config.toJson().getBytes(StandardCharsets.UTF_8));
  }

  private static Map<String, List<String>> shards(Path index) throws IOException {
    String source = index.toString();
    JsonNode root;
    try {
      root = JSON.readTree(ModelText.read(index));
    } catch (JacksonException e) {
      throw new ModelFormatException(source, "invalid JSON: " + e.getOriginalMessage(), e);
    }
    JsonNode map = root == null ? null : root.get("weight_map");
    if (map == null || !map.isObject()) {
      throw new ModelFormatException(source, "missing field 'weight_map' (expected an object)");
    }
    Map<String, List<String>> byShard = new TreeMap<>();
    for (Map.Entry<String, JsonNode> e : map.properties()) {
      String shard = e.getValue().isTextual() ? e.getValue().asText() : "";
      if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.equals("..")) {
        throw new ModelFormatException(
            source,
            "weight_map entry '%s': expected a shard file name in this folder, got %s"
                .formatted(e.getKey(), e.getValue()));
      }
      byShard.computeIfAbsent(shard, k -> new ArrayList<>()).add(e.getKey());
    }
    return byShard;
  }

  private static boolean skipped(DecoderConfig config, String name) {
    return switch (config.family()) {
      case GPT2 -> name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias");
      case LLAMA -> name.endsWith(".rotary_emb.inv_freq");
      case OPT -> false;
    };
  }

  /** GPT-2's Conv1D weights: c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj. */
  private static boolean isConv1d(DecoderConfig config, String name) {
    return config.family() == DecoderFamily.GPT2
        && (name.endsWith(".attn.c_attn.weight")
            || name.endsWith(".attn.c_proj.weight")
            || name.endsWith(".mlp.c_fc.weight")
            || name.endsWith(".mlp.c_proj.weight"));
  }

  /** A new parameter with the same name and dtype holding the transpose of a 2-D parameter. */
  private static Parameter transpose(Parameter p) {
    if (p.rank() != 2) {
      throw new IllegalArgumentException(
          "tensor '%s' has rank %d, expected a 2-D Conv1D weight".formatted(p.name(), p.rank()));
    }
    int rows = p.dim(0);
    int cols = p.dim(1);
    float[] src = p.toFloatArray();
    float[] out = new float[src.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        out[c * rows + r] = src[r * cols + c];
      }
    }
    return Parameter.of(p.name(), p.dtype(), new int[] {cols, rows}, out);
  }
}
