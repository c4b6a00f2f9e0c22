package io.github.mezo4j.train.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.method.Estimator;
import io.github.mezo4j.core.mezo.MezoConfig;
import io.github.mezo4j.core.mezo.NanPolicy;
import io.github.mezo4j.core.noise.Directions;
import io.github.mezo4j.core.optim.Optimizers;
import io.github.mezo4j.core.optim.Schedule;
import io.github.mezo4j.core.optim.ZoTransform;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * How a fine-tuning run (encoder or decoder) turns MeZO's gradient estimates into updates: the
 * optimizer, the learning-rate schedule, decoupled weight decay, the estimator and the conservative
 * rule. The learning rate itself and the number of steps stay in the run's config; {@link
 * #transform(double, int)} and {@link #estimator()} build core's objects from all of them.
 *
 * <p>The defaults ({@link #DEFAULT}) are MeZO's: ZO-SGD with a constant learning rate and one
 * two-sided sample per step, which is also what a run recorded before these settings existed used:
 * {@link #fromJson} reads absent keys as these defaults.
 *
 * @param optimizer one of {@link #OPTIMIZERS}: {@code sgd} (ZO-SGD, no extra memory), {@code
 *     momentum} (heavy ball with {@code momentum} as beta; one f32 per trained weight), {@code
 *     adam} (betas {@link #ADAM_B1}, {@link #ADAM_B2}, eps {@link #ADAM_EPS}; two f32 per trained
 *     weight) or {@code sign} (ZO-SGD-Sign: {@code lr * sign(g z)}; no extra memory)
 * @param schedule one of {@link #SCHEDULES}: {@code constant}, or {@code linear} / {@code cosine}
 *     decay from the learning rate to 0 at the run's last step (after the warm-up)
 * @param warmup warm-up steps (>= 0): the rate rises linearly to the learning rate over these
 *     steps, then follows {@code schedule} over the remaining ones ({@link Schedule#warmup})
 * @param weightDecay decoupled weight decay rate (>= 0; 0 is none): each step also moves every
 *     weight matrix by {@code -lr * weightDecay * theta}, not through the optimizer's moments (so
 *     with adam this is AdamW); biases and normalization weights are not decayed ({@link
 *     Optimizers#weightDecay(double)})
 * @param momentum the momentum beta, in [0, 1); read only by {@code momentum} and set to {@link
 *     #DEFAULT_MOMENTUM} for the other optimizers, so that equal settings are equal records
 * @param estimatorName one of {@link #estimatorNames()}, mapped by {@link #estimator(String, int)}
 * @param samples perturbation directions per step, averaged (n-SPSA), >= 1
 * @param conservative the ZO-SGD-Cons rule ({@link MezoConfig#conservative()}): core accepts it
 *     only with an optimizer that has no state and does not read the weights (sgd or sign, without
 *     weight decay)
 * @param directions the distribution of the perturbation directions, one of {@link #DIRECTIONS}:
 *     {@code gaussian} (MeZO's) or {@code rademacher} ({@code +-1}, FZOO's); every estimator takes
 *     either
 */
public record OptimizerSettings(
    String optimizer,
    String schedule,
    int warmup,
    double weightDecay,
    double momentum,
    String estimatorName,
    int samples,
    boolean conservative,
    String directions) {

  /** The {@code directions} values. */
  public static final List<String> DIRECTIONS =
      List.of(Directions.Distribution.GAUSSIAN.spec(), Directions.Distribution.RADEMACHER.spec());

  /** The {@code optimizer} values. */
  public static final List<String> OPTIMIZERS = List.of("sgd", "momentum", "adam", "sign");

  /** The state the optimizer keeps per trained weight: f32 moments (Adam 2, momentum 1). */
  public long stateBytesPerWeight() {
    return switch (optimizer) {
      case "adam" -> 8;
      case "momentum" -> 4;
      default -> 0;
    };
  }

  /** The {@code schedule} values. */
  public static final List<String> SCHEDULES = List.of("constant", "linear", "cosine");

  /** The momentum beta when none is given (optax's and PyTorch's usual choice). */
  public static final double DEFAULT_MOMENTUM = 0.9;

  /** Adam's first-moment decay (fixed). */
  public static final double ADAM_B1 = 0.9;

  /** Adam's second-moment decay (fixed). */
  public static final double ADAM_B2 = 0.999;

  /** Adam's epsilon, added to the root of the second moment (fixed). */
  public static final double ADAM_EPS = 1e-8;

  /**
   * Estimator names and how each makes core's {@link Estimator} from a sample count: the one place
   * a new estimator is added.
   */
  private static final Map<String, IntFunction<Estimator>> ESTIMATORS = estimators();

  private static Map<String, IntFunction<Estimator>> estimators() {
    Map<String, IntFunction<Estimator>> m = new LinkedHashMap<>();
    m.put("two-sided", Estimator::twoSided);
    m.put("one-sided", Estimator::oneSided);
    m.put("fzoo", Estimator::normalized); // FZOO's normalized probes; needs samples >= 2
    return Collections.unmodifiableMap(m);
  }

  /** MeZO's settings: sgd, constant, no warm-up or decay, two-sided, 1 sample, not conservative. */
  public static final OptimizerSettings DEFAULT =
      new OptimizerSettings("sgd", "constant", 0, 0, DEFAULT_MOMENTUM, "two-sided", 1, false);

  /** Settings with Gaussian directions (those before directions were a setting). */
  public OptimizerSettings(
      String optimizer,
      String schedule,
      int warmup,
      double weightDecay,
      double momentum,
      String estimatorName,
      int samples,
      boolean conservative) {
    this(
        optimizer,
        schedule,
        warmup,
        weightDecay,
        momentum,
        estimatorName,
        samples,
        conservative,
        Directions.Distribution.GAUSSIAN.spec());
  }

  /** Checks the values, naming the option of a bad one and the values it takes. */
  public OptimizerSettings {
    if (!OPTIMIZERS.contains(optimizer)) {
      throw new IllegalArgumentException(
          "--optimizer '%s': expected %s".formatted(optimizer, oneOf(OPTIMIZERS)));
    }
    if (!SCHEDULES.contains(schedule)) {
      throw new IllegalArgumentException(
          "--schedule '%s': expected %s".formatted(schedule, oneOf(SCHEDULES)));
    }
    if (warmup < 0) {
      throw new IllegalArgumentException("--warmup must be >= 0 steps, got " + warmup);
    }
    if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
      throw new IllegalArgumentException(
          "--weight-decay must be a finite number >= 0, got " + weightDecay);
    }
    if (!optimizer.equals("momentum")) {
      momentum = DEFAULT_MOMENTUM; // not read
    }
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("--momentum must be in [0, 1), got " + momentum);
    }
    estimator(estimatorName, samples); // checks both
    if (!DIRECTIONS.contains(directions)) {
      throw new IllegalArgumentException(
          "--directions '%s': expected %s".formatted(directions, oneOf(DIRECTIONS)));
    }
  }

  /** The directions a step draws, dense (a run adds any magnitude mask). */
  public Directions directionsOf() {
    return Directions.of(Directions.Distribution.parse(directions));
  }

  /** The estimator names, in the order {@code --help} lists them. */
  public static List<String> estimatorNames() {
    return List.copyOf(ESTIMATORS.keySet());
  }

  /**
   * Core's estimator for {@code name} with {@code samples} directions per step.
   *
   * @throws IllegalArgumentException naming {@code --estimator} or {@code --samples}
   */
  public static Estimator estimator(String name, int samples) {
    IntFunction<Estimator> make = name == null ? null : ESTIMATORS.get(name);
    if (make == null) {
      throw new IllegalArgumentException(
          "--estimator '%s': expected %s".formatted(name, oneOf(ESTIMATORS.keySet())));
    }
    if (samples < 1) {
      throw new IllegalArgumentException("--samples must be >= 1, got " + samples);
    }
    try {
      return make.apply(samples);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--samples %d with --estimator %s: %s".formatted(samples, name, e.getMessage()), e);
    }
  }

  /** The estimator a step uses. */
  public Estimator estimator() {
    return estimator(estimatorName, samples);
  }

  /**
   * The learning rate over a run of {@code steps} steps: warm-up, then constant or a decay to 0 at
   * {@code steps} (the last step still gets a small positive rate).
   */
  public Schedule schedule(double lr, int steps) {
    long decaySteps = Math.max(1, (long) steps - warmup);
    Schedule s =
        switch (schedule) {
          case "constant" -> Schedule.constant(lr);
          case "linear" -> Schedule.linearDecay(lr, 0.0, decaySteps);
          case "cosine" -> Schedule.cosineDecay(lr, decaySteps, 0.0);
          default -> throw new IllegalStateException(schedule);
        };
    return warmup == 0 ? s : Schedule.warmup(warmup, s);
  }

  /**
   * The update transform for learning rate {@code lr} and a run of {@code steps} steps: the
   * optimizer's scaling (none for sgd), then decoupled weight decay if any, then the scheduled
   * learning rate. The default settings give exactly {@code Optimizers.sgd(Schedule.constant(lr))}
   * (the transform runs used before these settings existed), adam with weight decay exactly {@link
   * Optimizers#adamw}'s chain. Its spec goes into the step log, from which replay rebuilds it.
   */
  public ZoTransform transform(double lr, int steps) {
    List<ZoTransform> parts = new ArrayList<>();
    switch (optimizer) {
      case "sgd" -> {}
      case "momentum" -> parts.add(Optimizers.momentum(momentum));
      case "adam" -> parts.add(Optimizers.scaleByAdam(ADAM_B1, ADAM_B2, ADAM_EPS));
      case "sign" -> parts.add(Optimizers.sign());
      default -> throw new IllegalStateException(optimizer);
    }
    if (weightDecay > 0) {
      parts.add(Optimizers.weightDecay(weightDecay));
    }
    parts.add(Optimizers.scaleByLearningRate(schedule(lr, steps)));
    return parts.size() == 1 ? parts.get(0) : Optimizers.chain(parts.toArray(ZoTransform[]::new));
  }

  /**
   * Checks that these settings make a run with learning rate {@code lr} and {@code steps} steps:
   * the warm-up fits in the run, and core accepts the conservative rule with this optimizer (its
   * refusal is passed on, prefixed by {@code --conservative}).
   *
   * @throws IllegalArgumentException naming the option
   */
  public void check(double lr, int steps) {
    if (warmup > steps) {
      throw new IllegalArgumentException(
          "--warmup %d is longer than the run (--steps %d)".formatted(warmup, steps));
    }
    try {
      new MezoConfig(1e-3, estimator(), transform(lr, steps), conservative, NanPolicy.FAIL);
    } catch (IllegalArgumentException e) {
      if (!conservative) {
        throw e;
      }
      String with =
          "--optimizer " + optimizer + (weightDecay > 0 ? " --weight-decay " + weightDecay : "");
      throw new IllegalArgumentException(
          "--conservative does not work with %s: %s (it needs --optimizer sgd or sign, without"
                  .formatted(with, e.getMessage())
              + " --weight-decay)",
          e);
    }
  }

  /**
   * Writes the settings into {@code o} (a run's {@code config}): {@code optimizer}, {@code
   * schedule}, {@code warmup}, {@code weight_decay}, {@code momentum} (only for the momentum
   * optimizer), {@code estimator}, {@code samples}, {@code conservative}, {@code directions}.
   */
  public ObjectNode putInto(ObjectNode o) {
    o.put("optimizer", optimizer);
    o.put("schedule", schedule);
    o.put("warmup", warmup);
    o.put("weight_decay", weightDecay);
    if (optimizer.equals("momentum")) {
      o.put("momentum", momentum);
    }
    o.put("estimator", estimatorName);
    o.put("samples", samples);
    o.put("conservative", conservative);
    o.put("directions", directions);
    return o;
  }

  /** The settings alone as JSON ({@link #putInto}). */
  public ObjectNode toJson() {
    return putInto(JsonFiles.object());
  }

  /**
   * The settings a run's recorded {@code config} holds; a key it lacks means the default (runs
   * recorded before the key existed used exactly that).
   *
   * @throws IllegalArgumentException if a recorded value is not a valid one
   */
  public static OptimizerSettings fromJson(JsonNode config) {
    OptimizerSettings d = DEFAULT;
    return new OptimizerSettings(
        config.path("optimizer").asText(d.optimizer),
        config.path("schedule").asText(d.schedule),
        config.path("warmup").asInt(d.warmup),
        config.path("weight_decay").asDouble(d.weightDecay),
        config.path("momentum").asDouble(DEFAULT_MOMENTUM),
        config.path("estimator").asText(d.estimatorName),
        config.path("samples").asInt(d.samples),
        config.path("conservative").asBoolean(d.conservative),
        config.path("directions").asText(d.directions));
  }

  /**
   * A copy of a recorded {@code config} with every settings key it lacks filled in with the value
   * it stands for, so that it compares key by key with a current run's config.
   */
  public static ObjectNode withDefaults(JsonNode recorded) {
    ObjectNode filled =
        recorded.isObject() ? ((ObjectNode) recorded).deepCopy() : JsonFiles.object();
    fromJson(recorded)
        .toJson()
        .properties()
        .forEach(
            e -> {
              if (!filled.has(e.getKey())) {
                filled.set(e.getKey(), e.getValue());
              }
            });
    return filled;
  }

  /** Whether the learning rate depends on the run's length (a decaying schedule). */
  public boolean dependsOnSteps() {
    return !schedule.equals("constant");
  }

  /**
   * One line for the start of a run, e.g. {@code "adam, cosine schedule after 10 warm-up steps,
   * one-sided estimator with 2 samples"}.
   */
  public String describe() {
    StringBuilder sb = new StringBuilder(optimizer);
    if (optimizer.equals("momentum")) {
      sb.append(" (beta ").append(momentum).append(')');
    }
    sb.append(", ").append(schedule).append(" schedule");
    if (warmup > 0) {
      sb.append(" after ").append(warmup).append(" warm-up steps");
    }
    if (weightDecay > 0) {
      sb.append(", weight decay ").append(weightDecay);
    }
    sb.append(", ").append(estimatorName).append(" estimator");
    if (samples > 1) {
      sb.append(" with ").append(samples).append(" samples");
    }
    if (!directions.equals(DEFAULT.directions)) {
      sb.append(", ").append(directions).append(" directions");
    }
    if (conservative) {
      sb.append(", conservative");
    }
    return sb.toString();
  }

  private static String oneOf(Iterable<String> values) {
    List<String> v = new ArrayList<>();
    values.forEach(v::add);
    if (v.size() == 1) {
      return v.get(0);
    }
    return String.join(", ", v.subList(0, v.size() - 1)) + " or " + v.get(v.size() - 1);
  }
}
