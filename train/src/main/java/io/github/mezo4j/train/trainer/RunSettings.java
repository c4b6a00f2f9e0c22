package io.github.mezo4j.train.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.optim.ZoTransform;

/** The settings every fine-tuning run has, whatever the model kind ({@link RunDriver}). */
public interface RunSettings {
  /** The task's name. */
  String task();

  /** The base model's name or folder, as given. */
  String model();

  /** The trained weights' selector, as given ({@code --train-params}). */
  String params();

  /** The dev metric that picks the best checkpoint. */
  String metricName();

  /** The step the run ends at. */
  int steps();

  /** The learning rate (the peak of the schedule). */
  double lr();

  /** The perturbation scale. */
  double eps();

  /** Training examples per step. */
  int batch();

  /** The run seed: step seeds and the data order derive from (seed, step). */
  long seed();

  /** Evaluate on the dev split (and checkpoint) every this many steps. */
  int evalEvery();

  /** Also save full weights in each checkpoint. */
  boolean saveWeights();

  /** The optimizer, schedule and estimator. */
  OptimizerSettings optim();

  /** The update transform of this run ({@link OptimizerSettings#transform}). */
  default ZoTransform transform() {
    return optim().transform(lr(), steps());
  }

  /** As JSON ({@code run.json}'s {@code config}). */
  ObjectNode toJson();

  /**
   * Checks that a resumed run has this run's settings.
   *
   * @param recorded the resumed run's config
   * @param source the file it came from, for the message
   * @throws IllegalArgumentException naming the first setting that differs
   */
  void checkResumable(JsonNode recorded, String source);

  /**
   * Checks the counts and rates every kind's settings have (their constructors call it).
   *
   * @throws IllegalArgumentException naming the values
   */
  static void checkBudget(int steps, int batch, int evalEvery, double lr, double eps) {
    if (steps < 0 || batch < 1 || evalEvery < 1) {
      throw new IllegalArgumentException(
          "need steps >= 0, batch >= 1 and evalEvery >= 1, got %d, %d, %d"
              .formatted(steps, batch, evalEvery));
    }
    if (!(lr >= 0) || Double.isInfinite(lr) || !(eps > 0) || Double.isInfinite(eps)) {
      throw new IllegalArgumentException(
          "need a finite lr >= 0 and eps > 0, got %s and %s".formatted(lr, eps));
    }
  }
}
