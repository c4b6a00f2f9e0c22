package io.github.mezo4j.train.trainer;

import io.github.mezo4j.core.param.Selector;
import io.github.mezo4j.nn.model.BertEncoder;
import io.github.mezo4j.nn.model.LoraConfig;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which weights MeZO trains ({@code --train-params}), parsed once: the run's settings hold this,
 * and training, resume, replay and eval ask it rather than the string.
 *
 * @param spec the value as given, which run.json records
 * @param form which of the forms it is
 * @param topLayers K of {@code top:K} (0 for the other forms)
 * @param sparsity S of {@code sparse:S} (0 for the other forms)
 * @param lora the adapters of {@code lora...} (null for the other forms)
 */
public record TrainParams(String spec, Form form, int topLayers, double sparsity, LoraConfig lora) {

  /** The forms of {@code --train-params}. */
  public enum Form {
    /** Every weight. */
    ALL,
    /** Biases and LayerNorm weights ({@link Selector#biasOrNorm()}). */
    BIAS_NORM,
    /** A glob over weight names. */
    GLOB,
    /** {@code top:K}: every weight of the last K encoder layers. */
    TOP_LAYERS,
    /**
     * {@code sparse:S} (Sparse MeZO, Liu et al. 2024, arXiv 2402.15751): every encoder weight, but
     * each weight matrix (not a bias or norm weight) only where {@code |w| <= t}, with {@code t}
     * chosen on the base weights so that the fraction {@code 1 - S} of the matrix, its smallest
     * weights, is inside. S is the sparsity, the fraction left untrained.
     */
    SPARSE,
    /** {@code lora[:r=R][:alpha=A][:targets=T+T]}: low-rank adapters, the base weights frozen. */
    LORA
  }

  /** The forms every kind of run trains. */
  public static final Set<Form> NAMED = EnumSet.of(Form.ALL, Form.BIAS_NORM, Form.GLOB);

  /** The prefix of a {@code top:K} value. */
  public static final String TOP_LAYERS = "top:";

  /** The prefix of a {@code sparse:S} value. */
  public static final String SPARSE = "sparse:";

  private static final Pattern LAYER_NAME =
      Pattern.compile("(?:.*\\.)?encoder\\.layer\\.(\\d{1,9})\\..+");

  /** Rejects a form without its own values, or with another form's. */
  public TrainParams {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(form, "form");
    if ((form == Form.TOP_LAYERS) != (topLayers > 0)
        || (form == Form.LORA) != (lora != null)
        || (form != Form.SPARSE && sparsity != 0)) {
      throw new IllegalArgumentException("inconsistent --train-params " + spec + " (" + form + ")");
    }
  }

  /**
   * Parses a {@code --train-params} value: all, bias-norm, top:K, sparse:S, lora[...] or a glob.
   *
   * @throws IllegalArgumentException naming the value and what was expected
   */
  public static TrainParams parse(String spec) {
    Objects.requireNonNull(spec, "--train-params");
    if (spec.startsWith(TOP_LAYERS)) {
      String k = spec.substring(TOP_LAYERS.length());
      int value = k.matches("[0-9]{1,9}") ? Integer.parseInt(k) : -1; // 9 digits always parse
      if (value < 1) {
        throw new IllegalArgumentException(
            ("--train-params '%s': K of top:K must be an integer from 1 to the encoder's number of"
                    + " layers (6 for minilm)")
                .formatted(spec));
      }
      return new TrainParams(spec, Form.TOP_LAYERS, value, 0, null);
    }
    if (spec.startsWith(SPARSE)) {
      String v = spec.substring(SPARSE.length());
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
                .formatted(spec));
      }
      return new TrainParams(spec, Form.SPARSE, 0, s, null);
    }
    if (LoraConfig.isSpec(spec)) {
      try {
        return new TrainParams(spec, Form.LORA, 0, 0, LoraConfig.parse(spec));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--train-params: " + e.getMessage(), e);
      }
    }
    return switch (spec) {
      case "all" -> new TrainParams(spec, Form.ALL, 0, 0, null);
      case "bias-norm" -> new TrainParams(spec, Form.BIAS_NORM, 0, 0, null);
      default -> {
        if (spec.isBlank()) {
          throw new IllegalArgumentException(
              "--train-params is blank: expected all, bias-norm or a glob");
        }
        Selector.glob(spec); // a bad glob fails here
        yield new TrainParams(spec, Form.GLOB, 0, 0, null);
      }
    };
  }

  /**
   * Refuses a form that {@code who} does not train.
   *
   * @throws IllegalArgumentException naming the value and the forms that apply
   */
  public TrainParams requireOneOf(Set<Form> allowed, String who) {
    if (!allowed.contains(form)) {
      throw new IllegalArgumentException(
          "--train-params '%s' is not for %s; here %s apply"
              .formatted(spec, who, describe(allowed)));
    }
    return this;
  }

  private static String describe(Set<Form> forms) {
    StringBuilder b = new StringBuilder("all, bias-norm");
    if (forms.contains(Form.TOP_LAYERS)) {
      b.append(", top:K");
    }
    if (forms.contains(Form.SPARSE)) {
      b.append(", sparse:S");
    }
    if (forms.contains(Form.LORA)) {
      b.append(", lora");
    }
    return b.append(" or a glob").toString();
  }

  /**
   * The weights of a model without encoder layers to count (decoders): all, bias-norm or a glob.
   *
   * @throws IllegalArgumentException for the encoder-only forms
   */
  public Selector selector() {
    requireOneOf(NAMED, "this model (top layers, sparse masks and LoRA adapters are for encoders)");
    return switch (form) {
      case ALL -> Selector.all();
      case BIAS_NORM -> Selector.biasOrNorm();
      default -> Selector.glob(spec);
    };
  }

  /**
   * The weights trained in an encoder of {@code layers} layers: {@code top:K} selects every weight
   * named {@code encoder.layer.{i}.*} with {@code i >= layers - K}, {@code lora} the adapters by
   * their tensor names, {@code sparse:S} every weight (the mask narrows the matrices).
   *
   * @throws IllegalArgumentException naming the value and the valid range if K is not in {@code
   *     1..layers}
   */
  public Selector selector(int layers) {
    return switch (form) {
      case LORA -> p -> LoraConfig.isAdapter(p.name());
      case SPARSE -> Selector.all();
      case TOP_LAYERS -> {
        if (topLayers > layers) {
          throw new IllegalArgumentException(
              "--train-params '%s': K of top:K must be from 1 to %d (the encoder has %d layers)"
                  .formatted(spec, layers, layers));
        }
        int first = layers - topLayers;
        yield p -> {
          // encoder.layer.{i}.*, after a base-model prefix such as bert. if the names carry one
          Matcher m = LAYER_NAME.matcher(p.name());
          return m.matches() && Integer.parseInt(m.group(1)) >= first;
        };
      }
      default -> selector();
    };
  }

  /**
   * The encoder layers below the trained ones, whose output never changes during the run: {@code
   * layers - K} for {@code top:K}, else 0.
   *
   * @throws IllegalArgumentException as {@link #selector(int)} if K is out of range
   */
  public int frozenLayers(int layers) {
    if (form != Form.TOP_LAYERS) {
      return 0;
    }
    selector(layers); // refuses K > layers
    return layers - topLayers;
  }

  /** The encoder weights a {@code sparse:S} run masks: matrices, not biases or norm weights. */
  public static Selector sparseMasked() {
    return Selector.all().exclude(Selector.biasOrNorm());
  }

  /**
   * {@code encoder} with the LoRA adapters this value asks for, fresh ({@code A} from {@code seed},
   * {@code B} zero: {@link BertEncoder#withLora(LoraConfig, long)}); the encoder itself when this
   * is not a LoRA value or the encoder already carries these adapters. Training, resume and replay
   * all build a run's adapters here, so they agree.
   *
   * @throws IllegalArgumentException if the encoder carries other adapters
   */
  public BertEncoder withAdapters(BertEncoder encoder, long seed) {
    if (form != Form.LORA || lora.equals(encoder.lora())) {
      return encoder;
    }
    if (encoder.lora() != null) {
      throw new IllegalArgumentException(
          "--train-params %s, but the encoder already has adapters %s"
              .formatted(spec, encoder.lora().spec()));
    }
    return encoder.withLora(lora, seed);
  }

  @Override
  public String toString() {
    return spec;
  }
}
