package io.github.mezo4j.train.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.param.Selector;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.data.PairKind;
import io.github.mezo4j.train.metrics.PairLoss;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The settings of an embedding fine-tuning run on sentence pairs ({@link PairFineTuner}), all of
 * which (but {@link #steps} and {@link #saveWeights}) must match when a run is resumed.
 *
 * @param task the task's name
 * @param model the base model's id as the user gave it
 * @param kind what the task's pairs carry ({@link PairKind})
 * @param params which encoder weights MeZO trains, as {@link FineTuneConfig#params()}: all,
 *     bias-norm, top:K or a glob
 * @param objective what MeZO minimises
 * @param scale the cosine scale of CoSENT and multiple-negatives ranking (1 / temperature)
 * @param metric the dev metric that picks the best checkpoint, one of {@link
 *     PairEvaluation#metrics(PairKind)}
 * @param steps the step the run ends at
 * @param lr the learning rate (the peak of the schedule {@code optim} names)
 * @param eps perturbation scale
 * @param batch pairs per step (at most the training set)
 * @param seed the run seed: step seeds and the data order derive from (seed, step)
 * @param evalEvery evaluate on the dev split (and checkpoint) every this many steps
 * @param saveWeights also save full encoder weights in each checkpoint
 * @param data where the data came from, recorded as given
 * @param dtype how the base model's weights were stored when loaded ({@link FineTuneConfig#DTYPES})
 * @param optim the optimizer, schedule and estimator
 */
public record PairFineTuneConfig(
    String task,
    String model,
    PairKind kind,
    String params,
    PairLoss objective,
    double scale,
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

  /** Checks the settings, naming the first bad one. */
  public PairFineTuneConfig {
    data = Map.copyOf(new LinkedHashMap<>(data));
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(objective, "objective");
    if (!FineTuneConfig.DTYPES.contains(dtype)) {
      throw new IllegalArgumentException(
          "--dtype '%s': expected one of %s".formatted(dtype, FineTuneConfig.DTYPES));
    }
    RunSettings.checkBudget(steps, batch, evalEvery, lr, eps);
    if (!(scale > 0) || Double.isInfinite(scale)) {
      throw new IllegalArgumentException("the cosine scale must be finite and > 0, got " + scale);
    }
    if (objective.needsScores() != kind.scored()) {
      throw new IllegalArgumentException(
          objective.needsScores()
              ? "--objective %s needs scored or labeled pairs; positive pairs train with mnr"
                  .formatted(objective.option())
              : "--objective mnr needs positive pairs; %s pairs train with cosent or cosine"
                  .formatted(kind.option()));
    }
    if (!PairEvaluation.metrics(kind).contains(metric)) {
      throw new IllegalArgumentException(
          "dev metric '%s': %s pairs are reported with %s"
              .formatted(metric, kind.option(), PairEvaluation.metrics(kind)));
    }
    if (FineTuneConfig.topLayers(params).isEmpty()) { // top:K is checked against the model later
      FineTuneConfig.selector(params);
    }
    Objects.requireNonNull(optim, "optim");
    optim.check(lr, steps);
  }

  @Override
  public String metricName() {
    return metric;
  }

  /** The encoder weights MeZO trains in an encoder of {@code layers} layers. */
  public Selector selector(int layers) {
    return FineTuneConfig.selector(params, layers);
  }

  /** The encoder layers below the trained ones (top:K), whose output never changes; else 0. */
  public int frozenLayers(int layers) {
    return FineTuneConfig.frozenLayers(params, layers);
  }

  /** As JSON ({@code run.json}'s {@code config}). */
  public ObjectNode toJson() {
    ObjectNode o = JsonFiles.object();
    o.put("task", task);
    o.put("model", model);
    o.put("pairs", kind.option());
    o.put("params", params);
    o.put("objective", objective.option());
    o.put("scale", scale);
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
   * Checks that a resumed run has this run's settings ({@link
   * FineTuneConfig#checkResumable(ObjectNode, JsonNode, String)}).
   */
  public void checkResumable(JsonNode recorded, String source) {
    FineTuneConfig.checkResumable(toJson(), recorded, source);
  }
}
