package io.github.mezo4j.train.trainer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.mezo4j.core.param.Selector;
import io.github.mezo4j.train.data.PairKind;
import io.github.mezo4j.train.metrics.DevMetric;
import io.github.mezo4j.train.metrics.PairLoss;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * The settings of an embedding fine-tuning run on sentence pairs ({@link PairFineTuner}): those
 * every run has, and the pairs' kind, the loss and its scale.
 *
 * @param run the settings every run has; its {@code params} are as for {@link FineTuneConfig} (all,
 *     bias-norm, top:K or a glob) and its metric one of {@link PairEvaluation#metrics}
 * @param kind what the task's pairs carry ({@link PairKind})
 * @param objective what MeZO minimises
 * @param scale the cosine scale of CoSENT and multiple-negatives ranking (1 / temperature)
 */
public record PairFineTuneConfig(RunSettings run, PairKind kind, PairLoss objective, double scale)
    implements RunConfig {

  /** The forms of {@code --train-params} a pair run trains (K of top:K is checked later). */
  public static final Set<TrainParams.Form> PAIR_FORMS =
      EnumSet.of(
          TrainParams.Form.ALL,
          TrainParams.Form.BIAS_NORM,
          TrainParams.Form.GLOB,
          TrainParams.Form.TOP_LAYERS);

  /** Checks the settings, naming the first bad one. */
  public PairFineTuneConfig {
    Objects.requireNonNull(run, "run");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(objective, "objective");
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
    DevMetric.check(run.metric(), PairEvaluation.metrics(kind), kind.option() + " pairs");
    run.params().requireOneOf(PAIR_FORMS, "sentence-pair runs");
  }

  /** The encoder weights MeZO trains in an encoder of {@code layers} layers. */
  public Selector selector(int layers) {
    return run.params().selector(layers);
  }

  /** The encoder layers below the trained ones (top:K), whose output never changes; else 0. */
  public int frozenLayers(int layers) {
    return run.params().frozenLayers(layers);
  }

  @Override
  public void putKindSettings(ObjectNode o) {
    o.put("pairs", kind.option());
    o.put("objective", objective.option());
    o.put("scale", scale);
  }
}
