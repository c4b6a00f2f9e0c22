package io.github.mezo4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.core.param.Parameter;
import io.github.mezo4j.core.param.ParameterSet;
import io.github.mezo4j.nn.io.DecoderCheckpoint;
import io.github.mezo4j.nn.io.DecoderFolder;
import io.github.mezo4j.nn.io.HuggingFaceFolder;
import io.github.mezo4j.nn.io.Llama2cCheckpoint;
import io.github.mezo4j.nn.io.MemoryPlan;
import io.github.mezo4j.nn.model.DecoderConfig;
import io.github.mezo4j.tokenizer.Llama2cTokenizer;
import io.github.mezo4j.tokenizer.Tokenizer;
import io.github.mezo4j.train.checkpoint.Checkpoint;
import io.github.mezo4j.train.checkpoint.DecoderCheckpoints;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.decoder.DecoderLm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Resolves a {@code --model} value that names a decoder LM, for the training commands: a llama2.c
 * checkpoint ({@code .bin}, its tokenizer.bin or tok&lt;vocab&gt;.bin beside it), a Hugging Face
 * folder whose config.json has a decoder {@code model_type} (llama, mistral, qwen2, opt, gpt2;
 * tokenizer.json in the folder), or {@code hf:ORG/NAME} resolving to such a folder.
 */
final class DecoderModels {
  private DecoderModels() {}

  /**
   * A loaded decoder, its tokenizer and where it came from.
   *
   * @param checkpoint config and weights
   * @param tokenizer the model's tokenizer
   * @param tokenizerFile the file or folder the tokenizer was read from
   * @param model the llama2.c file or model folder that {@code --model} resolved to
   */
  record Loaded(DecoderCheckpoint checkpoint, Tokenizer tokenizer, Path tokenizerFile, Path model) {
    /** Whether the model is a llama2.c checkpoint. */
    boolean llama2c() {
      return isLlama2cFile(model);
    }

    DecoderLm lm() {
      return DecoderLm.of(checkpoint.model(), tokenizer);
    }

    DecoderConfig config() {
      return checkpoint.config();
    }
  }

  /** Whether {@code path} is a llama2.c file (a checkpoint or a tokenizer.bin): a .bin file. */
  private static boolean isLlama2cFile(Path path) {
    return Files.isRegularFile(path) && path.toString().endsWith(".bin");
  }

  /** Whether {@code spec} names a decoder (hub models are resolved, downloading if needed). */
  static boolean isDecoder(String spec) throws IOException {
    if (spec == null || Models.BUILT_IN.equals(spec)) {
      return false;
    }
    Path path = Models.localPath(spec);
    if (isLlama2cFile(path)) {
      return true;
    }
    Path config = path.resolve(HuggingFaceFolder.CONFIG);
    if (!Files.isDirectory(path) || !Files.isRegularFile(config)) {
      return false;
    }
    JsonNode type = JsonFiles.MAPPER.readTree(config.toFile()).get("model_type");
    return type != null && DecoderConfig.SUPPORTED_MODEL_TYPES.contains(type.asText());
  }

  /** Whether a checkpoint or run folder holds a decoder run. */
  static boolean isDecoderCheckpoint(Path checkpointOrRun) throws IOException {
    return DecoderCheckpoints.isDecoder(Checkpoint.open(checkpointOrRun));
  }

  /**
   * Loads the decoder {@code spec} names, its weights stored as {@code dtype} says (a llama2.c
   * checkpoint holds f32, which {@code auto} keeps).
   *
   * @param tokenizer the tokenizer file or folder, or null for the one that comes with the model
   */
  static Loaded load(String spec, Path tokenizer, LoadDType dtype) throws IOException {
    Loaded loaded = read(spec, tokenizer, dtype);
    System.gc(); // the reading's buffers, as in Models.load
    return loaded;
  }

  /**
   * The memory plan of loading {@code spec} as {@code dtype} for a run of {@code runtime} bytes
   * whose activations {@code activations} counts from the model's config; made from the headers
   * only. Null when {@code spec} is neither a llama2.c file nor a folder ({@link #load} says why).
   *
   * @param stateBytesPerWeight the optimizer's state per trained weight (all weights counted)
   */
  static MemoryPlan plan(
      String spec,
      LoadDType dtype,
      long runtime,
      long stateBytesPerWeight,
      ToLongFunction<DecoderConfig> activations,
      String planned)
      throws IOException {
    Path path = Models.localPath(spec);
    DecoderConfig config;
    long weights;
    long count;
    long loading;
    if (isLlama2cFile(path)) {
      config = Llama2cCheckpoint.readConfig(path);
      count = Files.size(path) / 4; // f32 after a 28-byte header
      weights = dtype == LoadDType.BF16 ? 2 * count : 4 * count;
      loading = 0;
    } else if (Files.isDirectory(path)) {
      DecoderFolder.Inspection i = DecoderFolder.inspect(path, dtype.storage());
      config = i.config();
      weights = i.weightBytes();
      count = i.weightCount();
      loading = i.largestTensorBytes();
    } else {
      return null;
    }
    return new MemoryPlan(
        path.toString(),
        runtime,
        weights,
        loading,
        activations.applyAsLong(config),
        stateBytesPerWeight * count,
        planned);
  }

  private static Loaded read(String spec, Path tokenizer, LoadDType dtype) throws IOException {
    Path path = Models.localPath(spec);
    if (isLlama2cFile(path)) {
      DecoderCheckpoint c = Llama2cCheckpoint.read(path);
      if (dtype == LoadDType.BF16) {
        c = new DecoderCheckpoint(c.config(), toBf16(c.parameters()));
      }
      Path tok = tokenizer != null ? tokenizer : llama2cTokenizerBeside(path, c.config());
      // a tokenizer.bin is checked against the model's vocabulary; --tokenizer may name any kind
      Tokenizer t =
          isLlama2cFile(tok)
              ? Llama2cTokenizer.load(tok, c.config().vocabSize())
              : io.github.mezo4j.tokenizer.Tokenizers.load(tok);
      return new Loaded(c, t, tok, path);
    }
    if (Files.isDirectory(path)) {
      Path tok = tokenizer != null ? tokenizer : path;
      return new Loaded(
          DecoderFolder.load(path, dtype.storage()),
          io.github.mezo4j.tokenizer.Tokenizers.load(tok),
          tok,
          path);
    }
    throw new IllegalArgumentException(
        "--model '%s': expected a llama2.c checkpoint (.bin) or a Hugging Face decoder folder%s"
            .formatted(spec, Files.exists(path) ? "" : ", and no such file or folder exists"));
  }

  /**
   * The base model of a decoder checkpoint with the step log replayed onto it (or the weights the
   * checkpoint saved, unless {@code forceReplay}), stored as its run stored it.
   *
   * @param tokenizer the tokenizer file or folder, or null for the run's own (its {@code
   *     --tokenizer}, else the model's)
   */
  static Loaded fineTuned(Checkpoint ckpt, Path tokenizer, Workers workers, boolean forceReplay)
      throws IOException {
    LoadDType dtype = LoadDType.parse(ckpt.baseDType());
    JsonNode recorded = ckpt.config().get("tokenizer");
    if (tokenizer == null && recorded != null) {
      tokenizer = Path.of(recorded.asText()); // the run's --tokenizer
    }
    Loaded base = load(ckpt.baseModel(), tokenizer, dtype);
    if (!forceReplay && ckpt.weights().isPresent()) {
      DecoderCheckpoint saved = DecoderFolder.load(ckpt.weights().get(), dtype.storage());
      return new Loaded(saved, base.tokenizer(), base.tokenizerFile(), base.model());
    }
    ParameterSet all = base.checkpoint().model().parameters();
    DecoderCheckpoints.replay(ckpt, all.select(ckpt.params().selector()), workers);
    return base;
  }

  /** Every weight rounded to bf16 (nearest even), in the same order. */
  private static ParameterSet toBf16(ParameterSet params) {
    List<Parameter> out = new ArrayList<>();
    for (Parameter p : params) {
      out.add(Parameter.of(p.name(), DType.BF16, p.shape(), p.toFloatArray()));
    }
    return ParameterSet.of(out);
  }

  /**
   * Copies the tokenizer beside weights saved as a Hugging Face folder, under the name {@link
   * io.github.mezo4j.tokenizer.Tokenizers#load} looks for (tokenizer.bin or tokenizer.json).
   */
  static void copyTokenizer(Loaded m, Path folder) throws IOException {
    Path from = m.tokenizerFile();
    if (Files.isRegularFile(from)) {
      // a llama2.c tokenizer (tok512.bin, ...) under the name the loaders look for
      String name =
          from.getFileName().toString().endsWith(".bin")
              ? "tokenizer.bin"
              : from.getFileName().toString();
      Files.copy(from, folder.resolve(name), StandardCopyOption.REPLACE_EXISTING);
      return;
    }
    for (String name : List.of("tokenizer.json", "tokenizer_config.json", "tokenizer.bin")) {
      if (Files.isRegularFile(from.resolve(name))) {
        Files.copy(from.resolve(name), folder.resolve(name), StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  /** llama2.c's tokenizer.bin, or tok&lt;vocab&gt;.bin (its name for custom vocabularies). */
  static Path llama2cTokenizerBeside(Path checkpoint, DecoderConfig c) {
    Path standard = checkpoint.resolveSibling("tokenizer.bin");
    Path custom = checkpoint.resolveSibling("tok" + c.vocabSize() + ".bin");
    if (Files.isRegularFile(standard)) {
      return standard;
    }
    if (Files.isRegularFile(custom)) {
      return custom;
    }
    throw new IllegalArgumentException(
        "no tokenizer beside %s (looked for %s and %s): pass --tokenizer"
            .formatted(checkpoint, standard.getFileName(), custom.getFileName()));
  }
}
