package io.github.mezo4j.cli;

import io.github.mezo4j.core.param.DType;
import io.github.mezo4j.nn.hub.DownloadListener;
import io.github.mezo4j.nn.hub.HubClient;
import io.github.mezo4j.nn.hub.HubModelDownloader;
import io.github.mezo4j.nn.hub.HubRepo;
import io.github.mezo4j.nn.hub.HubSettings;
import io.github.mezo4j.nn.io.BertCheckpoint;
import io.github.mezo4j.nn.io.HuggingFaceFolder;
import io.github.mezo4j.nn.io.MemoryPlan;
import io.github.mezo4j.nn.io.MiniLm;
import io.github.mezo4j.nn.io.TokenizerJson;
import io.github.mezo4j.nn.io.onnx.OnnxBertImporter;
import io.github.mezo4j.nn.model.BertConfig;
import io.github.mezo4j.train.data.Dataset;
import io.github.mezo4j.train.data.Example;
import io.github.mezo4j.train.trainer.EncoderClassifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Resolves a {@code --model} value: the built-in MiniLM, a Hugging Face folder, a Hugging Face hub
 * repository ({@code hf:ORG/NAME[@REVISION]}, downloaded into the shared hub cache) or an .onnx
 * file.
 */
public final class Models {
  /** The built-in model's name: all-MiniLM-L6-v2, carried in the jar. */
  public static final String BUILT_IN = "minilm";

  static final String HUB_PREFIX = "hf:";

  private Models() {}

  /** Loads {@code spec} with every weight widened to f32. */
  public static BertCheckpoint load(String spec) throws IOException {
    return load(spec, LoadDType.F32);
  }

  /**
   * Loads {@code spec} with its weights stored as {@code dtype} says: the built-in MiniLM and .onnx
   * files hold f32 ({@code auto} keeps it), a Hugging Face folder's bf16 tensors stay bf16 under
   * {@code auto}; the engine reads bf16 directly, so nothing is widened in memory.
   */
  public static BertCheckpoint load(String spec, LoadDType dtype) throws IOException {
    BertCheckpoint loaded = read(spec, dtype);
    // The loader's buffers (an ONNX file's bytes, safetensors pages widened to f32) are garbage
    // now, in the old generation, which nothing else would empty during a run: collect them once
    // so that a run's resident memory is its weights and activations, not the loading's leftovers.
    System.gc();
    return loaded;
  }

  /** The built-in MiniLM's width, MLP width, heads and longest input (its tokenizer truncates). */
  private static final int[] BUILT_IN_SHAPE = {384, 1536, 12, 128};

  /**
   * The memory plan of fine-tuning encoder {@code spec} stored as {@code dtype} on batches of
   * {@code batch} inputs of about {@code seqBound} tokens; made before any weight is read. Null for
   * an .onnx file, whose shape only its graph tells.
   *
   * @param stateBytesPerWeight the optimizer's state per trained weight (all weights counted)
   */
  static MemoryPlan plan(
      String spec, LoadDType dtype, int batch, int seqBound, long stateBytesPerWeight)
      throws IOException {
    long weights;
    long count;
    long loading;
    int[] shape;
    if (BUILT_IN.equals(spec)) {
      long onnx = MiniLm.onnxSize(); // f32 weights, read whole before they are imported
      count = onnx / 4;
      weights = dtype == LoadDType.BF16 ? 2 * count : 4 * count;
      loading = onnx;
      shape = BUILT_IN_SHAPE;
    } else {
      Path path = localPath(spec);
      if (!Files.isDirectory(path)) {
        return null;
      }
      BertConfig c = BertConfig.read(path.resolve(HuggingFaceFolder.CONFIG));
      List<Path> files = HuggingFaceFolder.weightFiles(path);
      MemoryPlan.Stored stored = MemoryPlan.stored(files, dtype.storage(), name -> true);
      weights = stored.bytes();
      count = stored.elements();
      loading = stored.largestTensorBytes();
      shape =
          new int[] {
            c.hiddenSize(), c.intermediateSize(), c.numAttentionHeads(), c.maxPositionEmbeddings()
          };
    }
    int seq = Math.min(seqBound, shape[3]);
    // a batch runs one bucket of sentences at a time: activations are a bucket's, whatever the
    // batch
    int rows = Math.min(batch, EncoderClassifier.BUCKET_SIZE);
    return new MemoryPlan(
        spec,
        MemoryPlan.FINETUNE_RUNTIME,
        weights,
        loading,
        MemoryPlan.encoderActivations(shape[0], shape[1], shape[2], rows, seq, 2),
        stateBytesPerWeight * count,
        "batch %d (%d per forward pass) x about %d tokens, both signs".formatted(batch, rows, seq));
  }

  /**
   * Prints {@code plan} and refuses a run that does not fit this machine or this JVM's heap.
   *
   * @throws IllegalStateException with the plan's refusal
   */
  static void checkFits(MemoryPlan plan) {
    if (plan == null) {
      return;
    }
    System.err.println(plan.describe());
    String refusal = plan.refusal(MemoryPlan.availableBytes(), Runtime.getRuntime().maxMemory());
    if (refusal != null) {
      throw new IllegalStateException(refusal);
    }
  }

  /**
   * The tokens of the longest input, estimated: one per 3 UTF-8 bytes (English subword tokenizers
   * average about 4; other scripts take more tokens per byte, which this undercounts), plus
   * specials.
   */
  static int tokenEstimate(Dataset data) {
    int longest = 0;
    for (List<Example> split : List.of(data.train(), data.dev())) {
      for (Example e : split) {
        int bytes = e.text().getBytes(StandardCharsets.UTF_8).length;
        if (e.textPair() != null) {
          bytes += e.textPair().getBytes(StandardCharsets.UTF_8).length;
        }
        longest = Math.max(longest, bytes);
      }
    }
    return (longest + 2) / 3 + 4;
  }

  private static BertCheckpoint read(String spec, LoadDType dtype) throws IOException {
    DType natural = dtype == LoadDType.AUTO ? DType.F32 : dtype.storage();
    if (BUILT_IN.equals(spec)) {
      return MiniLm.load(natural);
    }
    Path path = localPath(spec);
    if (Files.isDirectory(path)) {
      return HuggingFaceFolder.load(path, dtype.storage());
    }
    if (Files.isRegularFile(path) && spec.endsWith(".onnx")) {
      // An .onnx file carries no tokenizer: use a tokenizer.json beside it when there is one.
      Path tokenizerFile = path.resolveSibling("tokenizer.json");
      Optional<TokenizerJson> tokenizer =
          Files.isRegularFile(tokenizerFile)
              ? Optional.of(TokenizerJson.read(tokenizerFile))
              : Optional.empty();
      // The pad id is not in ONNX graphs; it sets RoBERTa-style position ids.
      int padId = tokenizer.isPresent() ? tokenizer.get().padTokenId() : 0;
      return OnnxBertImporter.importBert(
          Files.readAllBytes(path), path.toString(), padId, tokenizer.orElse(null), natural);
    }
    throw new IllegalArgumentException(
        "--model '%s': expected '%s', a Hugging Face model folder (config.json +"
                .formatted(spec, BUILT_IN)
            + " model.safetensors), hf:ORG/NAME[@REVISION] or an .onnx file"
            + (Files.exists(path) ? "" : ", and no such file or folder exists"));
  }

  /** The ONNX file a model was imported from: its bytes and its name for error messages. */
  record OnnxSource(byte[] bytes, String name) {}

  /**
   * The ONNX file {@code spec} is read from: the built-in MiniLM's resource or an .onnx file; empty
   * for a Hugging Face folder or hub model.
   *
   * @throws IllegalArgumentException if {@code spec} names an .onnx file that does not exist
   */
  static Optional<OnnxSource> onnxSource(String spec) throws IOException {
    if (BUILT_IN.equals(spec)) {
      return Optional.of(new OnnxSource(MiniLm.onnxBytes(), "classpath:" + MiniLm.ONNX_RESOURCE));
    }
    if (spec.startsWith(HUB_PREFIX) || !spec.endsWith(".onnx")) {
      return Optional.empty();
    }
    Path path = Path.of(spec);
    if (!Files.isRegularFile(path)) {
      throw new IllegalArgumentException(
          "base model '%s': no such ONNX file (the run was fine-tuned from it; its graph is"
                  .formatted(spec)
              + " exported with the new weights)");
    }
    return Optional.of(new OnnxSource(Files.readAllBytes(path), path.toString()));
  }

  /**
   * A {@code --model} value as PEFT's {@code base_model_name_or_path} names a base model: the
   * built-in MiniLM's hub id, {@code ORG/NAME} for {@code hf:ORG/NAME[@REVISION]}, else the value
   * (a path) as given.
   */
  static String peftBaseModel(String spec) {
    if (BUILT_IN.equals(spec)) {
      return "sentence-transformers/all-MiniLM-L6-v2";
    }
    return spec.startsWith(HUB_PREFIX)
        ? HubRepo.parse(spec.substring(HUB_PREFIX.length())).id()
        : spec;
  }

  /**
   * The local file or folder a {@code --model} value names: {@code hf:ORG/NAME[@REVISION]} becomes
   * the repository's snapshot folder in the hub cache (downloaded first when the cache lacks it),
   * anything else is a path. Kept apart from loading, so every architecture's loader gets hub
   * models the same way.
   */
  public static Path localPath(String spec) throws IOException {
    return localPath(spec, HubSettings::fromEnvironment);
  }

  /**
   * {@link #localPath(String)} reading the hub settings only for an {@code hf:} value, so that a
   * malformed HF_ENDPOINT or token file cannot break a model on disk.
   */
  static Path localPath(String spec, Supplier<HubSettings> settings) throws IOException {
    return spec.startsWith(HUB_PREFIX) ? localPath(spec, settings.get()) : Path.of(spec);
  }

  static Path localPath(String spec, HubSettings settings) throws IOException {
    if (!spec.startsWith(HUB_PREFIX)) {
      return Path.of(spec);
    }
    HubRepo repo;
    try {
      repo = HubRepo.parse(spec.substring(HUB_PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--model '%s': %s".formatted(spec, e.getMessage()), e);
    }
    // downloads can take minutes: say on stderr what is fetched, and where it goes
    DownloadListener progress =
        (r, file, size, from) ->
            System.err.printf(
                "mezo4j: downloading %s %s (%s%s) into %s%n",
                r.id(),
                file,
                bytes(size),
                from > 0 ? ", resuming at " + bytes(from) : "",
                settings.cacheDir());
    return new HubModelDownloader(new HubClient(settings, progress)).download(repo);
  }

  private static String bytes(long n) {
    return n < 1_000_000 ? "%.1f kB".formatted(n / 1e3) : "%.1f MB".formatted(n / 1e6);
  }
}
