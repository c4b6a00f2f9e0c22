package io.github.mezo4j.train.trainer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.param.Selector;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.LoraConfig;
import io.github.mezo4j.train.head.HeadSpec;
import io.github.mezo4j.train.metrics.ClassificationLoss;
import io.github.mezo4j.train.metrics.DevMetric;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings of an encoder classification run: those every run has, the head and the loss.
 *
 * @param run the settings every run has; its {@code params} are which encoder weights MeZO trains:
 *     "all", "bias-norm" (biases and LayerNorm weights, {@link Selector#biasOrNorm()}), "top:K"
 *     (every weight of the last K layers; see {@link #topLayers}), "sparse:S" (Sparse MeZO: every
 *     weight, each weight matrix masked to its smallest-magnitude fraction 1 - S; see {@link
 *     #sparsity}), "lora[:r=R][:alpha=A][:targets=T+T]" (low-rank adapters, the base weights
 *     frozen; see {@link #lora}) or a glob over parameter names; the head's own weights are always
 *     trained. Its metric is accuracy or macro F1.
 * @param head one of {@link HeadSpec#KINDS}
 * @param objective what MeZO minimises ({@code --objective})
 */
public record FineTuneConfig(RunSettings run, String head, ClassificationLoss objective)
    implements RunConfig {

  /** The dev metrics of classification runs. */
  public static final List<DevMetric> METRICS = List.of(DevMetric.ACCURACY, DevMetric.MACRO_F1);

  /** Checks the head, the metric and the trained weights against the other settings. */
  public FineTuneConfig {
    Objects.requireNonNull(run, "run");
    Objects.requireNonNull(objective, "objective");
    String params = run.params();
    if (topLayers(params).isEmpty() && lora(params).isEmpty()) {
      selector(params); // fails early on a bad value (top:K is checked against the model later)
    }
    DevMetric.check(run.metric(), METRICS, "classification runs");
    if (!HeadSpec.KINDS.contains(head)) {
      throw new IllegalArgumentException(
          "--head '%s': expected one of %s".formatted(head, HeadSpec.KINDS));
    }
    if (run.optim().conservative() && sparsity(params).isPresent()) {
      throw new IllegalArgumentException(
          ("--train-params %s does not work with --conservative: the mask is read from the"
                  + " weights, which the conservative rule moves after the update")
              .formatted(params));
    }
  }

  /** The encoder weights MeZO trains ({@code top:K} needs {@link #selector(int)}). */
  public Selector selector() {
    return selector(run.params());
  }

  /** The encoder weights MeZO trains in an encoder of {@code layers} layers. */
  public Selector selector(int layers) {
    return selector(run.params(), layers);
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
    return frozenLayers(run.params(), layers);
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
    return withAdapters(run.params(), run.seed(), classifier);
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

  @Override
  public void putKindSettings(ObjectNode o) {
    o.put("head", head);
    Optional<LoraConfig> lora = lora(run.params());
    if (lora.isPresent()) { // only then: runs without adapters keep their recorded keys
      ObjectNode l = o.putObject("lora");
      l.put("r", lora.get().rank());
      l.put("alpha", lora.get().alpha());
      lora.get().targets().forEach(t -> l.withArray("targets").add(t.option()));
      l.put("init", "A: uniform(+-1/sqrt(in)) from the run seed, B: zeros");
    }
    o.put("objective", objective.option());
  }
}
