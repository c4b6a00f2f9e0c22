package io.github.mezo4j.train.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.optim.ZoTransform;
import io.github.mezo4j.train.checkpoint.JsonFiles;
import io.github.mezo4j.train.metrics.DevMetric;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The settings every fine-tuning run has, whatever the model kind ({@link RunDriver}); each kind's
 * config ({@link RunConfig}) adds its own. All of them but {@link #steps} and {@link #saveWeights}
 * must match when a run is resumed.
 *
 * @param task the task's name
 * @param model the base model as the user gave it (minilm, a folder, an .onnx or llama2.c file,
 *     hf:...)
 * @param params which weights MeZO trains ({@code --train-params}): all, bias-norm, a glob over
 *     weight names, and for encoders top:K, sparse:S and lora[...]
 * @param metric the dev metric that picks the best checkpoint
 * @param steps the step the run ends at
 * @param lr the learning rate (the peak of the schedule {@code optim} names)
 * @param eps perturbation scale
 * @param batch training examples per step (at most the training set)
 * @param seed the run seed: step seeds and the data order derive from (seed, step)
 * @param evalEvery evaluate on the dev split (and checkpoint) every this many steps
 * @param saveWeights also save full weights in each checkpoint
 * @param data where the data came from (file names, k-shot seed, ...), recorded as given
 * @param dtype how the base model's weights were stored when loaded, one of {@link #DTYPES} ({@code
 *     --dtype}): resume, replay and eval load the base model the same way
 * @param optim the optimizer, schedule and estimator ({@link OptimizerSettings#DEFAULT}: MeZO's
 *     ZO-SGD at the constant rate {@code lr}, two-sided)
 */
public record RunSettings(
    String task,
    String model,
    TrainParams params,
    DevMetric metric,
    int steps,
    double lr,
    double eps,
    int batch,
    long seed,
    int evalEvery,
    boolean saveWeights,
    Map<String, String> data,
    String dtype,
    OptimizerSettings optim) {

  /** The {@code --dtype} values: auto (as the file stores them), f32 and bf16. */
  public static final List<String> DTYPES = List.of("auto", "f32", "bf16");

  /** The dtype runs recorded before the setting existed: every weight loaded as f32. */
  public static final String DEFAULT_DTYPE = "f32";

  /** Checks the counts, rates, dtype and optimizer; copies the data map. */
  public RunSettings {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(params, "params");
    Objects.requireNonNull(metric, "metric");
    data = Map.copyOf(new LinkedHashMap<>(data));
    if (steps < 0 || batch < 1 || evalEvery < 1) {
      throw new IllegalArgumentException(
          "need steps >= 0, batch >= 1 and evalEvery >= 1, got %d, %d, %d"
              .formatted(steps, batch, evalEvery));
    }
    if (!(lr >= 0) || Double.isInfinite(lr) || !(eps > 0) || Double.isInfinite(eps)) {
      throw new IllegalArgumentException(
          "need a finite lr >= 0 and eps > 0, got %s and %s".formatted(lr, eps));
    }
    if (!DTYPES.contains(dtype)) {
      throw new IllegalArgumentException(
          "--dtype '%s': expected one of %s".formatted(dtype, DTYPES));
    }
    Objects.requireNonNull(optim, "optim");
    optim.check(lr, steps);
  }

  /** The update transform of this run ({@link OptimizerSettings#transform}). */
  public ZoTransform transform() {
    return optim.transform(lr, steps);
  }

  /** The {@code dtype} a run's recorded config holds ({@link #DEFAULT_DTYPE} when absent). */
  public static String recordedDType(JsonNode config) {
    return config.path("dtype").asText(DEFAULT_DTYPE);
  }

  /**
   * As JSON ({@code run.json}'s {@code config}): these settings with the kind's own, which {@code
   * kindSettings} puts after {@code params}.
   */
  public ObjectNode toJson(Consumer<ObjectNode> kindSettings) {
    ObjectNode o = JsonFiles.object();
    o.put("task", task);
    o.put("model", model);
    o.put("params", params.spec());
    kindSettings.accept(o);
    o.put("metric", metric.label());
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
    new TreeMap<>(data).forEach(d::put);
    return o;
  }

  /**
   * The resume check of every kind: each key of {@code mine} (a config's JSON) but {@code steps}
   * and {@code save_weights} must equal {@code recorded}'s, with settings the recorded config lacks
   * (it predates them) standing for their old defaults; {@code steps} must match too when the
   * learning rate decays over the run.
   *
   * @param source the file {@code recorded} came from, for the message
   * @throws IllegalArgumentException naming the first setting that differs
   */
  public static void checkResumable(ObjectNode mine, JsonNode recorded, String source) {
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
    for (Map.Entry<String, JsonNode> e : mine.properties()) {
      if (e.getKey().equals("steps") || e.getKey().equals("save_weights")) {
        continue;
      }
      JsonNode value = theirs.get(e.getKey());
      if (value == null || !e.getValue().toString().equals(value.toString())) {
        throw new IllegalArgumentException(
            "cannot resume: %s was started with %s=%s, but this run has %s=%s"
                .formatted(source, e.getKey(), value, e.getKey(), e.getValue()));
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
