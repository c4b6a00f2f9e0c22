package io.github.mezo4j.train.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.param.Selector;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.LoraConfig;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.head.HeadSpec;
import io.github.mezo4j.train.metrics.ClassificationLoss;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings of a fine-tuning run, all of which (but {@link #steps} and {@link #saveWeights})
 * must match when a run is resumed.
 *
 * @param task the task's name (reports and manifests)
 * @param model the base model's id as the user gave it ({@code minilm}, a folder, ...)
 * @param head one of {@link HeadSpec#KINDS}
 * @param params which encoder weights MeZO trains: "all", "bias-norm" (biases and LayerNorm
 *     weights, {@link Selector#biasOrNorm()}), "top:K" (every weight of the last K layers; see
 *     {@link #topLayers}), "sparse:S" (Sparse MeZO: every weight, each weight matrix masked to its
 *     smallest-magnitude fraction 1 - S; see {@link #sparsity}),
 *     "lora[:r=R][:alpha=A][:targets=T+T]" (low-rank adapters, the base weights frozen; see {@link
 *     #lora}) or a glob over parameter names; the head's own weights are always trained
 * @param objective what MeZO minimises ({@code --objective})
 * @param metric the dev metric that picks the best checkpoint: "accuracy" or "macro_f1"
 * @param steps the step the run ends at
 * @param lr the learning rate (the peak of the schedule {@code optim} names)
 * @param eps perturbation scale
 * @param batch training examples per step (at most the training set)
 * @param seed the run seed: step seeds and the data order derive from (seed, step)
 * @param evalEvery evaluate on the dev split (and checkpoint) every this many steps
 * @param saveWeights also save full encoder weights in each checkpoint
 * @param data where the data came from (file names, k-shot seed, ...), recorded as given
 * @param dtype how the base model's weights were stored when loaded, one of {@link #DTYPES} ({@code
 *     --dtype}): resume, replay and eval load the base model the same way
 * @param optim the optimizer, schedule and estimator ({@link OptimizerSettings#DEFAULT}: MeZO's
 *     ZO-SGD at the constant rate {@code lr}, two-sided)
 */
public record FineTuneConfig(
    String task,
    String model,
    String head,
    String params,
    ClassificationLoss objective,
    String metric,
    int steps,
    double lr,
    double eps,
    int batch,
    long seed,
    int evalEvery,
    boolean saveWeights,
    Map<String, String> data,
    String dtype,
    OptimizerSettings optim)
    implements RunSettings {
  /** The {@code --dtype} values: auto (as the file stores them), f32 and bf16. */
  public static final List<String> DTYPES = List.of("auto", "f32", "bf16");

  /** The dtype runs recorded before the setting existed: every weight loaded as f32. */
  public static final String DEFAULT_DTYPE = "f32";

  /** Rejects an unknown dtype and out-of-range counts; copies the data map. */
  public FineTuneConfig {
    data = Map.copyOf(new LinkedHashMap<>(data));
    checkDType(dtype);
    RunSettings.checkBudget(steps, batch, evalEvery, lr, eps);
    if (topLayers(params).isEmpty() && lora(params).isEmpty()) {
      selector(params); // fails early on a bad value (top:K is checked against the model later)
    }
    if (!metric.equals("accuracy") && !metric.equals("macro_f1")) {
      throw new IllegalArgumentException(
          "dev metric '%s': expected accuracy or macro_f1".formatted(metric));
    }
    if (!HeadSpec.KINDS.contains(head)) {
      throw new IllegalArgumentException(
          "--head '%s': expected one of %s".formatted(head, HeadSpec.KINDS));
    }
    Objects.requireNonNull(optim, "optim");
    optim.check(lr, steps);
    if (optim.conservative() && sparsity(params).isPresent()) {
      throw new IllegalArgumentException(
          ("--train-params %s does not work with --conservative: the mask is read from the"
                  + " weights, which the conservative rule moves after the update")
              .formatted(params));
    }
  }

  /**
   * A run whose base model loads as f32 with MeZO's optimizer settings (the settings before {@code
   * dtype} and {@code optim} existed).
   */
  public FineTuneConfig(
      String task,
      String model,
      String head,
      String params,
      ClassificationLoss objective,
      String metric,
      int steps,
      double lr,
      double eps,
      int batch,
      long seed,
      int evalEvery,
      boolean saveWeights,
      Map<String, String> data) {
    this(
        task,
        model,
        head,
        params,
        objective,
        metric,
        steps,
        lr,
        eps,
        batch,
        seed,
        evalEvery,
        saveWeights,
        data,
        DEFAULT_DTYPE,
        OptimizerSettings.DEFAULT);
  }

  /**
   * Rejects a {@code --dtype} value other than {@link #DTYPES}.
   *
   * @throws IllegalArgumentException naming the value and the accepted ones
   */
  public static void checkDType(String dtype) {
    if (!DTYPES.contains(dtype)) {
      throw new IllegalArgumentException(
          "--dtype '%s': expected one of %s".formatted(dtype, DTYPES));
    }
  }

  /** The {@code dtype} a run's recorded config holds ({@link #DEFAULT_DTYPE} when absent). */
  public static String recordedDType(JsonNode config) {
    return config.path("dtype").asText(DEFAULT_DTYPE);
  }

  /** The encoder weights MeZO trains ({@code top:K} needs {@link #selector(int)}). */
  public Selector selector() {
    return selector(params);
  }

  /** The encoder weights MeZO trains in an encoder of {@code layers} layers. */
  public Selector selector(int layers) {
    return selector(params, layers);
  }

  /** The prefix of a {@code --train-params} value that selects the top layers. */
  public static final String TOP_LAYERS = "top:";

  /**
   * K of a {@code --train-params top:K} value (train the last K encoder layers), or empty for the
   * other forms.
   *
   * @throws IllegalArgumentException naming the value if it starts with {@code top:} but K is not
   *     an integer >= 1
   */
  public static OptionalInt topLayers(String params) {
    if (!params.startsWith(TOP_LAYERS)) {
      return OptionalInt.empty();
    }
    String k = params.substring(TOP_LAYERS.length());
    int value = k.matches("[0-9]{1,9}") ? Integer.parseInt(k) : -1; // 9 digits always parse
    if (value < 1) {
      throw new IllegalArgumentException(
          ("--train-params '%s': K of top:K must be an integer from 1 to the encoder's number of"
                  + " layers (6 for minilm)")
              .formatted(params));
    }
    return OptionalInt.of(value);
  }

  /**
   * Parses a {@code --train-params} value for an encoder of {@code layers} layers: all, bias-norm,
   * {@code top:K} (every weight named {@code encoder.layer.{i}.*} with {@code i >= layers - K}),
   * {@code lora...} (the adapters {@link #withAdapters} adds, by their tensor names) or a glob over
   * parameter names.
   *
   * @throws IllegalArgumentException naming the value and the valid range if K is not in {@code
   *     1..layers}
   */
  public static Selector selector(String params, int layers) {
    if (lora(params).isPresent()) {
      return p -> LoraConfig.isAdapter(p.name());
    }
    OptionalInt top = topLayers(params);
    if (top.isEmpty()) {
      return selector(params);
    }
    int k = top.getAsInt();
    if (k > layers) {
      throw new IllegalArgumentException(
          "--train-params '%s': K of top:K must be from 1 to %d (the encoder has %d layers)"
              .formatted(params, layers, layers));
    }
    int first = layers - k;
    return p -> {
      // encoder.layer.{i}.*, after a base-model prefix such as bert. if the names carry one
      Matcher m = LAYER_NAME.matcher(p.name());
      return m.matches() && Integer.parseInt(m.group(1)) >= first;
    };
  }

  /**
   * The encoder layers below the trained ones, whose output never changes during the run: {@code
   * layers - K} for {@code top:K}, else 0.
   *
   * @throws IllegalArgumentException as {@link #selector(String, int)} if K is out of range
   */
  public int frozenLayers(int layers) {
    return frozenLayers(params, layers);
  }

  /** {@link #frozenLayers(int)} of a {@code --train-params} value. */
  public static int frozenLayers(String params, int layers) {
    OptionalInt top = topLayers(params);
    if (top.isEmpty()) {
      return 0;
    }
    selector(params, layers); // refuses K > layers
    return layers - top.getAsInt();
  }

  /** The prefix of a {@code --train-params} value that trains a magnitude mask (Sparse MeZO). */
  public static final String SPARSE = "sparse:";

  /**
   * S of a {@code --train-params sparse:S} value, or empty for the other forms. {@code sparse:S}
   * trains every encoder weight, but each weight matrix (rank 2, not a bias or norm weight) only
   * where {@code |w| <= t}, with {@code t} chosen on the base weights so that the fraction {@code 1
   * - S} of the matrix, its smallest weights, is inside: S is the sparsity, the fraction left
   * untrained, as Sparse MeZO (Liu et al. 2024, arXiv 2402.15751) counts it. Biases, norm weights
   * and the head's weights stay dense.
   *
   * @throws IllegalArgumentException naming the value if it starts with {@code sparse:} but S is
   *     not a number in [0, 1)
   */
  public static OptionalDouble sparsity(String params) {
    if (!params.startsWith(SPARSE)) {
      return OptionalDouble.empty();
    }
    String v = params.substring(SPARSE.length());
    double s;
    try {
      s = Double.parseDouble(v);
    } catch (NumberFormatException e) {
      s = Double.NaN;
    }
    if (!(s >= 0 && s < 1) || !v.matches("[0-9.eE+-]+")) {
      throw new IllegalArgumentException(
          ("--train-params '%s': S of sparse:S must be a number in [0, 1), the fraction of each"
                  + " weight matrix left untrained (e.g. sparse:0.75)")
              .formatted(params));
    }
    return OptionalDouble.of(s);
  }

  /** The encoder weights a {@code sparse:S} run masks: matrices, not biases or norm weights. */
  public static Selector sparseMasked() {
    return Selector.all().exclude(Selector.biasOrNorm());
  }

  /**
   * The LoRA adapters a {@code --train-params} value asks for ({@code lora}, {@code
   * lora:r=8:alpha=16:targets=query+value}, ...), or empty for the other forms.
   *
   * @throws IllegalArgumentException naming the value if it starts with {@code lora} but is not a
   *     valid spec
   */
  public static Optional<LoraConfig> lora(String params) {
    if (!LoraConfig.isSpec(params)) {
      return Optional.empty();
    }
    try {
      return Optional.of(LoraConfig.parse(params));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--train-params: " + e.getMessage(), e);
    }
  }

  /** {@link #withAdapters(String, long, EncoderClassifier)} with this run's params and seed. */
  public EncoderClassifier withAdapters(EncoderClassifier classifier) {
    return withAdapters(params, seed, classifier);
  }

  /**
   * {@code classifier} with the LoRA adapters {@code params} asks for on its encoder, fresh ({@code
   * A} from {@code seed}, {@code B} zero: {@link BertEncoder#withLora(LoraConfig, long)}); the
   * classifier itself when {@code params} is not a LoRA spec or its encoder already carries these
   * adapters. Training, resume and replay all build a run's adapters here, so they agree.
   *
   * @throws IllegalArgumentException if the encoder carries other adapters
   */
  public static EncoderClassifier withAdapters(
      String params, long seed, EncoderClassifier classifier) {
    Optional<LoraConfig> lora = lora(params);
    if (lora.isEmpty()) {
      return classifier;
    }
    BertEncoder encoder = classifier.embedder().encoder();
    if (lora.get().equals(encoder.lora())) {
      return classifier;
    }
    if (encoder.lora() != null) {
      throw new IllegalArgumentException(
          "--train-params %s, but the encoder already has adapters %s"
              .formatted(params, encoder.lora().spec()));
    }
    return classifier.withEncoder(encoder.withLora(lora.get(), seed));
  }

  private static final Pattern LAYER_NAME =
      Pattern.compile("(?:.*\\.)?encoder\\.layer\\.(\\d{1,9})\\..+");

  /**
   * Parses a {@code --train-params} value: all, bias-norm or a glob over parameter names ({@code
   * top:K} needs the layer count: {@link #selector(String, int)}).
   */
  public static Selector selector(String params) {
    if (topLayers(params).isPresent() || lora(params).isPresent()) {
      throw new IllegalArgumentException(
          ("--train-params '%s' is for BERT-family encoders (top layers, LoRA adapters); here only"
                  + " all, bias-norm or a glob apply")
              .formatted(params));
    }
    if (sparsity(params).isPresent()) {
      return Selector.all(); // every weight; the mask narrows the matrices
    }
    return switch (params) {
      case "all" -> Selector.all();
      case "bias-norm" -> Selector.biasOrNorm();
      default -> {
        if (params.isBlank()) {
          throw new IllegalArgumentException(
              "--train-params is blank: expected all, bias-norm or a glob");
        }
        yield Selector.glob(params);
      }
    };
  }

  /** The dev metric that picks the best checkpoint. */
  public String metricName() {
    return metric;
  }

  /** As JSON ({@code run.json}'s {@code config}). */
  public ObjectNode toJson() {
    ObjectNode o = JsonFiles.object();
    o.put("task", task);
    o.put("model", model);
    o.put("head", head);
    o.put("params", params);
    Optional<LoraConfig> lora = lora(params);
    if (lora.isPresent()) { // only then: runs without adapters keep their recorded keys
      ObjectNode l = o.putObject("lora");
      l.put("r", lora.get().rank());
      l.put("alpha", lora.get().alpha());
      lora.get().targets().forEach(t -> l.withArray("targets").add(t.option()));
      l.put("init", "A: uniform(+-1/sqrt(in)) from the run seed, B: zeros");
    }
    o.put("objective", objective.option());
    o.put("metric", metric);
    o.put("steps", steps);
    o.put("lr", lr);
    o.put("eps", eps);
    o.put("batch", batch);
    o.put("seed", seed);
    o.put("eval_every", evalEvery);
    o.put("save_weights", saveWeights);
    o.put("dtype", dtype);
    optim.putInto(o);
    ObjectNode d = o.putObject("data");
    new java.util.TreeMap<>(data).forEach(d::put);
    return o;
  }

  /**
   * Checks that a resumed run has this run's settings; settings the recorded config lacks (it
   * predates them) stand for their old defaults.
   *
   * @throws IllegalArgumentException naming the first setting that differs
   */
  public void checkResumable(JsonNode recorded, String source) {
    ObjectNode theirs;
    try {
      theirs = OptimizerSettings.withDefaults(recorded);
    } catch (IllegalArgumentException e) {
      // the message speaks of options; here the value came from the file
      throw new IllegalArgumentException(
          "cannot resume: %s records optimizer settings this build does not read: %s"
              .formatted(source, e.getMessage()),
          e);
    }
    theirs.put("dtype", recordedDType(recorded));
    checkResumable(toJson(), theirs, source);
  }

  /**
   * The resume check of encoder and decoder runs: every key of {@code mine} (a config's JSON) but
   * {@code steps} and {@code save_weights} must equal {@code recorded}'s, and {@code steps} too
   * when the learning rate decays over the run.
   *
   * @param recorded the resumed run's config, absent keys already filled in with their defaults
   * @param source the file {@code recorded} came from, for the message
   * @throws IllegalArgumentException naming the first setting that differs
   */
  public static void checkResumable(ObjectNode mine, JsonNode recorded, String source) {
    for (Map.Entry<String, JsonNode> e : mine.properties()) {
      if (e.getKey().equals("steps") || e.getKey().equals("save_weights")) {
        continue;
      }
      JsonNode theirs = recorded.get(e.getKey());
      if (theirs == null || !e.getValue().toString().equals(theirs.toString())) {
        throw new IllegalArgumentException(
            "cannot resume: %s was started with %s=%s, but this run has %s=%s"
                .formatted(source, e.getKey(), theirs, e.getKey(), e.getValue()));
      }
    }
    OptimizerSettings optim = OptimizerSettings.fromJson(mine);
    int steps = mine.path("steps").asInt();
    int recordedSteps = recorded.path("steps").asInt();
    if (optim.dependsOnSteps() && steps != recordedSteps) {
      throw new IllegalArgumentException(
          ("cannot resume: %s was started with steps=%d and schedule=%s, which decays the"
                  + " learning rate to 0 at step %d; resume it with --steps %d (only a constant"
                  + " schedule lets a run go on to more steps)")
              .formatted(source, recordedSteps, optim.schedule(), recordedSteps, recordedSteps));
    }
  }
}
