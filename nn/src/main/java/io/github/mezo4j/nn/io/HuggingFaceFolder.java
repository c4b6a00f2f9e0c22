package io.github.mezo4j.nn.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.core.text.Printable;
import io.github.mezo4j.nn.io.safetensors.SafetensorsReader;
import io.github.mezo4j.nn.io.safetensors.SafetensorsTensorInfo;
import io.github.mezo4j.nn.io.safetensors.SafetensorsWriter;
import io.github.mezo4j.nn.model.BertConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToLongFunction;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Loads and saves Hugging Face model folders of BERT-family encoders, the layout {@code
 * transformers}' {@code save_pretrained} writes and {@code from_pretrained} reads:
 *
 * <pre>
 * config.json                                   the {@link BertConfig}
 * model.safetensors                             all weights, or, for large models,
 * model-00001-of-0000N.safetensors ...          shards listed by
 * model.safetensors.index.json                  {"metadata": {"total_size": bytes}, "weight_map": {tensor: shard}}
 * tokenizer.json                                optional; carried, not interpreted
 * </pre>
 *
 * <p>Loaded tensor names follow {@link BertNames} (the {@code bert.}/{@code roberta.} prefix of
 * task-model checkpoints is stripped, and saving puts it back for task-model architectures, so a
 * saved folder has the tensor names transformers writes); every encoder tensor is checked against
 * the config (present, exact shape) before anything is returned. Integer buffers that PyTorch
 * checkpoints sometimes carry ({@code embeddings.position_ids}, {@code embeddings.token_type_ids})
 * are skipped; any other tensor that is not F32, F16 or BF16 is an error. PyTorch pickles ({@code
 * pytorch_model.bin}) are not read.
 *
 * <p>Saving writes the same names and dtypes HF uses (F32 or BF16, as stored), {@code __metadata__
 * {"format": "pt"}}, and config.json with HF's keys. A folder that does not exist yet appears
 * atomically (written as a hidden sibling, then renamed). An existing folder is updated file by
 * file, each file replaced atomically, weights first and config.json last; weight files of the
 * previous layout (single file vs shards) are deleted afterwards.
 */
public final class HuggingFaceFolder {
  private HuggingFaceFolder() {}

  /** The model configuration file. */
  public static final String CONFIG = "config.json";

  /** The weights when they fit in one file. */
  public static final String WEIGHTS = "model.safetensors";

  /** The tensor-to-shard index of sharded weights. */
  public static final String INDEX = "model.safetensors.index.json";

  /** The tokenizer, copied along when the source has one. */
  public static final String TOKENIZER = "tokenizer.json";

  /** transformers' default {@code max_shard_size} ("5GB"). */
  public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

  private static final Pattern SHARD = Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");
  private static final Set<String> SKIPPED_BUFFERS =
      Set.of("embeddings.position_ids", "embeddings.token_type_ids");
  private static final JsonMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();

  /**
   * The folder's tokenizer.json, if it has one (for the tokenizer package, which reads it itself).
   */
  public static Optional<Path> tokenizerPath(Path folder) {
    Path tokenizer = folder.resolve(TOKENIZER);
    return Files.isRegularFile(tokenizer) ? Optional.of(tokenizer) : Optional.empty();
  }

  /** Loads a folder with every tensor in its natural storage (F32/F16 as f32, BF16 as bf16). */
  public static BertCheckpoint load(Path folder) throws IOException {
    return load(folder, null);
  }

  /**
   * Loads config, weights (converted to {@code storage}; null keeps the natural storage) and, if
   * present, tokenizer.json.
   *
   * @throws ModelFormatException naming the file and the tensor or field at fault
   */
  public static BertCheckpoint load(Path folder, DType storage) throws IOException {
    if (!Files.isDirectory(folder)) {
      throw new ModelFormatException(folder.toString(), "not a directory");
    }
    Path configFile = folder.resolve(CONFIG);
    if (!Files.isRegularFile(configFile)) {
      throw new ModelFormatException(folder.toString(), "missing " + CONFIG);
    }
    BertConfig config = BertConfig.read(configFile);
    Map<String, Parameter> params = new LinkedHashMap<>();
    Map<String, String> origin = new LinkedHashMap<>();
    String weightsSource;
    Path single = folder.resolve(WEIGHTS);
    Path index = folder.resolve(INDEX);
    if (Files.isRegularFile(single)) {
      weightsSource = single.toString();
      try (SafetensorsReader r = SafetensorsReader.open(single)) {
        for (String name : r.names()) {
          add(r, name, config, storage, params, origin);
        }
      }
    } else if (Files.isRegularFile(index)) {
      weightsSource = index.toString();
      loadSharded(folder, index, config, storage, params, origin);
    } else {
      throw new ModelFormatException(
          folder.toString(),
          "no %s or %s (PyTorch pickles such as pytorch_model.bin are not read: convert them to"
                  .formatted(WEIGHTS, INDEX)
              + " safetensors)");
    }
    BertNames.check(config, params, weightsSource);
    Optional<Path> tokenizer = tokenizerPath(folder);
    return new BertCheckpoint(
        config,
        BertNames.canonicalOrder(config, params),
        tokenizer.isPresent()
            ? Optional.of(TokenizerJson.read(tokenizer.get()))
            : Optional.empty());
  }

  /**
   * The weight files of {@code folder}: model.safetensors, else every .safetensors shard beside the
   * index (for estimates; {@link #load} reads the shards the index names).
   */
  public static List<Path> weightFiles(Path folder) throws IOException {
    Path single = folder.resolve(WEIGHTS);
    if (Files.isRegularFile(single)) {
      return List.of(single);
    }
    try (var files = Files.list(folder)) {
      return files
          .filter(f -> f.getFileName().toString().endsWith(".safetensors"))
          .sorted()
          .toList();
    }
  }

  private static void loadSharded(
      Path folder,
      Path index,
      BertConfig config,
      DType storage,
      Map<String, Parameter> params,
      Map<String, String> origin)
      throws IOException {
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
      JsonNode shard = e.getValue();
      if (!shard.isTextual()
          || shard.asText().contains("/")
          || shard.asText().contains("\\")
          || shard.asText().equals("..")
          || shard.asText().isEmpty()) {
        throw new ModelFormatException(
            source,
            "weight_map entry '%s': expected a shard file name in this folder, got %s"
                .formatted(Printable.escape(e.getKey()), Printable.escape(shard.toString())));
      }
      byShard.computeIfAbsent(shard.asText(), k -> new ArrayList<>()).add(e.getKey());
    }
    for (Map.Entry<String, List<String>> e : byShard.entrySet()) {
      Path shard = folder.resolve(e.getKey());
      if (!Files.isRegularFile(shard)) {
        throw new ModelFormatException(
            source,
            "shard '%s' (holding '%s' per weight_map) does not exist"
                .formatted(Printable.escape(e.getKey()), Printable.escape(e.getValue().get(0))));
      }
      try (SafetensorsReader r = SafetensorsReader.open(shard)) {
        Set<String> listed = new HashSet<>(e.getValue());
        for (String name : r.names()) {
          if (!listed.contains(name)) {
            throw new ModelFormatException(
                shard.toString(),
                "tensor '%s' is not listed in %s's weight_map"
                    .formatted(Printable.escape(name), INDEX));
          }
        }
        for (String name : e.getValue()) {
          if (!r.contains(name)) {
            throw new ModelFormatException(
                shard.toString(),
                "missing tensor '%s' (%s maps it to this shard)"
                    .formatted(Printable.escape(name), INDEX));
          }
          add(r, name, config, storage, params, origin);
        }
      }
    }
  }

  private static void add(
      SafetensorsReader r,
      String name,
      BertConfig config,
      DType storage,
      Map<String, Parameter> params,
      Map<String, String> origin)
      throws ModelFormatException {
    String canonical = BertNames.normalise(name, config.modelType());
    SafetensorsTensorInfo info = r.info(name);
    if (!info.dtype().isLoadable() && SKIPPED_BUFFERS.contains(canonical)) {
      return; // an integer buffer PyTorch saved with the weights, not a weight
    }
    String previous = origin.putIfAbsent(canonical, name);
    if (previous != null) {
      throw new ModelFormatException(
          r.file().toString(),
          "tensors '%s' and '%s' both map to '%s'".formatted(previous, name, canonical));
    }
    params.put(canonical, r.read(name, canonical, storage));
  }

  /** Saves without a tokenizer, in a single weights file up to {@link #DEFAULT_MAX_SHARD_BYTES}. */
  public static void save(Path folder, BertConfig config, ParameterSet params) throws IOException {
    save(folder, config, params, null, DEFAULT_MAX_SHARD_BYTES);
  }

  /** Saves a checkpoint (config, weights and its tokenizer.json if any). */
  public static void save(Path folder, BertCheckpoint checkpoint) throws IOException {
    save(
        folder,
        checkpoint.config(),
        checkpoint.parameters(),
        checkpoint.tokenizer().orElse(null),
        DEFAULT_MAX_SHARD_BYTES);
  }

  /**
   * Writes a Hugging Face folder.
   *
   * @param folder the folder to create or update
   * @param config written as config.json
   * @param params weights under {@link BertNames} names; every encoder tensor of {@code config}
   *     must be present with its exact shape
   * @param tokenizer written as tokenizer.json; null leaves any existing tokenizer.json alone
   * @param maxShardBytes weights above this size are split into shards with an index (a tensor
   *     larger than this gets a shard of its own)
   * @throws IllegalArgumentException if {@code params} do not match {@code config}
   */
  public static void save(
      Path folder,
      BertConfig config,
      ParameterSet params,
      TokenizerJson tokenizer,
      long maxShardBytes)
      throws IOException {
    if (maxShardBytes <= 0) {
      throw new IllegalArgumentException("maxShardBytes must be positive, got " + maxShardBytes);
    }
    Map<String, Parameter> byName = new LinkedHashMap<>();
    for (Parameter p : params) {
      byName.put(p.name(), p);
    }
    try {
      BertNames.check(config, byName, "parameters to save");
    } catch (ModelFormatException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    List<List<Parameter>> shards =
        shardPlan(onDiskNames(config, params), Parameter::bytes, maxShardBytes);
    if (Files.exists(folder)) {
      if (!Files.isDirectory(folder)) {
        throw new IOException(folder + " exists and is not a directory");
      }
      writeInto(folder, config, shards, tokenizer);
    } else {
      Path parent = folder.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path temp = Files.createDirectory(AtomicFiles.hiddenSibling(folder, ".tmp"));
      try {
        writeInto(temp, config, shards, tokenizer);
        Files.move(temp, folder, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException | RuntimeException | Error e) {
        deleteTree(temp);
        throw e;
      }
    }
  }

  /**
   * The parameters under the names Hugging Face writes: a task model ({@code
   * BertForSequenceClassification}, ...) keeps its encoder under the base-model prefix ({@code
   * bert.} / {@code roberta.}) that loading strips; a bare encoder ({@code BertModel}) has none.
   * Renamed parameters share storage with the originals.
   */
  static List<Parameter> onDiskNames(BertConfig config, ParameterSet params) {
    List<String> bare = List.of("BertModel", "RobertaModel", "XLMRobertaModel");
    boolean taskModel =
        !config.architectures().isEmpty()
            && config.architectures().stream().noneMatch(bare::contains);
    if (!taskModel) {
      return params.list();
    }
    String prefix = BertNames.basePrefix(config.modelType());
    List<Parameter> renamed = new ArrayList<>();
    for (Parameter p : params) {
      String n = p.name();
      boolean encoder =
          n.startsWith("embeddings.") || n.startsWith("encoder.") || n.startsWith("pooler.");
      renamed.add(
          !encoder
              ? p
              : switch (p.dtype()) {
                case F32 -> Parameter.f32(prefix + n, p.shape(), p.f32Data());
                case BF16 -> Parameter.bf16(prefix + n, p.shape(), p.bf16Data());
              });
    }
    return renamed;
  }

  /**
   * Splits {@code items} in order into runs (shards) of at most {@code maxBytes} each, by {@code
   * bytes}; an item larger than that gets a run of its own.
   */
  public static <T> List<List<T>> shardPlan(List<T> items, ToLongFunction<T> bytes, long maxBytes) {
    List<List<T>> shards = new ArrayList<>();
    List<T> current = new ArrayList<>();
    long size = 0;
    for (T item : items) {
      long b = bytes.applyAsLong(item);
      if (!current.isEmpty() && size + b > maxBytes) {
        shards.add(current);
        current = new ArrayList<>();
        size = 0;
      }
      current.add(item);
      size += b;
    }
    shards.add(current);
    return shards;
  }

  private static void writeInto(
      Path folder, BertConfig config, List<List<Parameter>> shards, TokenizerJson tokenizer)
      throws IOException {
    List<String> files = new ArrayList<>();
    Map<String, String> weightMap = new TreeMap<>();
    long totalBytes = 0;
    List<AtomicFiles.Staged> staged = new ArrayList<>();
    try {
      for (int i = 0; i < shards.size(); i++) {
        String file =
            shards.size() == 1
                ? WEIGHTS
                : "model-%05d-of-%05d.safetensors".formatted(i + 1, shards.size());
        files.add(file);
        List<Parameter> shard = shards.get(i);
        Path temp = stagingPath(folder, file);
        SafetensorsWriter.write(temp, shard, SafetensorsWriter.PT_METADATA);
        staged.add(new AtomicFiles.Staged(temp, folder.resolve(file)));
        for (Parameter p : shard) {
          weightMap.put(p.name(), file);
          totalBytes += p.bytes();
        }
      }
      if (shards.size() > 1) {
        ObjectNode index = JSON.createObjectNode();
        index.putObject("metadata").put("total_size", totalBytes);
        ObjectNode map = index.putObject("weight_map");
        weightMap.forEach(map::put);
        files.add(INDEX);
        staged.add(stageText(folder.resolve(INDEX), JSON.writeValueAsString(index) + "\n"));
      }
      if (tokenizer != null) {
        staged.add(AtomicFiles.stage(folder.resolve(TOKENIZER), tokenizer.bytes()));
      }
      staged.add(stageText(folder.resolve(CONFIG), config.toJson()));
    } catch (IOException | RuntimeException | Error e) {
      AtomicFiles.discard(staged);
      throw e;
    }
    // Stale weights go before config.json lands: a loader prefers model.safetensors, so an old
    // single file left beside new shards would pair old weights with the new config.
    AtomicFiles.Staged configJson = staged.removeLast();
    try {
      AtomicFiles.commit(staged);
      deleteStaleWeights(folder, files);
    } catch (IOException | RuntimeException | Error e) {
      AtomicFiles.discard(List.of(configJson));
      throw e;
    }
    AtomicFiles.commit(List.of(configJson));
  }

  /** A hidden temp path in {@code folder}; SafetensorsWriter then writes it atomically itself. */
  private static Path stagingPath(Path folder, String file) {
    return AtomicFiles.hiddenSibling(folder.resolve(file), ".staged");
  }

  private static AtomicFiles.Staged stageText(Path target, String text) throws IOException {
    return AtomicFiles.stage(target, text.getBytes(StandardCharsets.UTF_8));
  }

  private static void deleteStaleWeights(Path folder, List<String> keep) throws IOException {
    try (Stream<Path> entries = Files.list(folder)) {
      for (Path p : entries.toList()) {
        String name = p.getFileName().toString();
        boolean weights =
            name.equals(WEIGHTS) || name.equals(INDEX) || SHARD.matcher(name).matches();
        if (weights && !keep.contains(name)) {
          Files.delete(p);
        }
      }
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException ignored) {
      // best effort: the failure that brought us here is what the caller needs to see
    }
  }
}
