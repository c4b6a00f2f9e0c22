package io.github.mezo4j.cli;

import io.github.mezo4j.train.trainer.OptimizerSettings;
import io.github.mezo4j.train.trainer.Recipe;
import java.util.Iterator;
import picocli.CommandLine.Option;

/**
 * {@code finetune}'s optimizer, schedule and estimator options (encoders and decoders alike), read
 * into an {@link OptimizerSettings}. A resumed run needs the options it started with.
 */
final class OptimizerOptions {
  @Option(
      names = "--optimizer",
      description =
          "How each step's gradient estimate becomes an update: sgd (MeZO's ZO-SGD; no extra"
              + " memory), momentum (heavy ball, see --momentum; 4 bytes per trained weight),"
              + " adam (betas 0.9 and 0.999, eps 1e-8; 8 bytes per trained weight) or sign"
              + " (each weight moves by exactly the learning rate, up or down; no extra memory)."
              + " Default: the recipe's (sgd).")
  String optimizer;

  @Option(
      names = "--momentum",
      paramLabel = "BETA",
      description =
          "--optimizer momentum: the momentum beta, in [0, 1). Default: 0.9 (the only optimizer"
              + " that reads it).")
  Double momentum;

  @Option(
      names = "--schedule",
      description =
          "The learning rate over the run: constant (--lr throughout), linear or cosine (decay"
              + " from --lr to 0 at --steps). A decaying run resumes only with the --steps it"
              + " started with. Default: the recipe's (constant).")
  String schedule;

  @Option(
      names = "--warmup",
      defaultValue = "0",
      paramLabel = "N",
      description =
          "Warm-up steps: the learning rate rises linearly from --lr/N to --lr over the first N"
              + " steps, then follows --schedule over the rest. Default: ${DEFAULT-VALUE}.")
  int warmup;

  @Option(
      names = "--weight-decay",
      defaultValue = "0",
      paramLabel = "W",
      description =
          "Decoupled weight decay: each step also subtracts lr * W * weight from every weight"
              + " matrix (not biases or norm weights), outside the optimizer's moments, so"
              + " --optimizer adam becomes AdamW. Default: 0 (none).")
  double weightDecay;

  @Option(
      names = "--estimator",
      completionCandidates = EstimatorNames.class,
      description =
          "How a step estimates the gradient along a random direction z, one of:"
              + " ${COMPLETION-CANDIDATES}. two-sided (MeZO's SPSA) compares the losses at w +"
              + " eps*z and w - eps*z: 2 forward passes per sample; one-sided compares w + eps*z"
              + " with w itself: 1 forward pass per sample plus 1 per step, a coarser estimate;"
              + " fzoo (Dang et al. 2025) takes --samples >= 2 one-sided probes and divides the"
              + " step by the standard deviation of their losses instead of by eps, so --lr sets"
              + " the step length directly (learning rates do not carry over)."
              + " Default: the recipe's (two-sided).")
  String estimator;

  @Option(
      names = "--samples",
      paramLabel = "N",
      description =
          "Random directions per step, their estimates averaged (n-SPSA): less noisy steps for"
              + " N times the forward passes. Default: the recipe's (1).")
  Integer samples;

  @Option(
      names = "--directions",
      completionCandidates = DirectionNames.class,
      description =
          "The distribution of the random directions z, for every --estimator:"
              + " ${COMPLETION-CANDIDATES}. gaussian (MeZO's) draws each element from N(0, 1);"
              + " rademacher (FZOO's) draws +1 or -1, cheaper to make. Default: the recipe's"
              + " (gaussian).")
  String directions;

  @Option(
      names = "--conservative",
      description =
          "ZO-SGD-Cons: after each update also try the opposite move and keep whichever of"
              + " before, after and opposite has the lowest loss on the batch (2 or 3 more"
              + " forward passes per step). Only with --optimizer sgd or sign and no"
              + " --weight-decay.")
  boolean conservative;

  /** Whether the user set any option that belongs to a recipe's method. */
  boolean methodGiven() {
    return optimizer != null
        || schedule != null
        || estimator != null
        || samples != null
        || directions != null;
  }

  /** Takes the method options the user left out from {@code recipe}. */
  void fillFrom(Recipe recipe) {
    OptimizerSettings o = recipe.optim();
    optimizer = optimizer != null ? optimizer : o.optimizer();
    schedule = schedule != null ? schedule : o.schedule();
    estimator = estimator != null ? estimator : o.estimatorName();
    samples = samples != null ? samples : o.samples();
    directions = directions != null ? directions : o.directions();
  }

  /**
   * The settings these options give.
   *
   * @throws IllegalArgumentException naming the option of a bad value
   */
  OptimizerSettings settings() {
    if (momentum != null && !"momentum".equals(optimizer)) {
      throw new IllegalArgumentException(
          "--momentum is read only by --optimizer momentum (this run has --optimizer %s)"
              .formatted(optimizer));
    }
    return new OptimizerSettings(
        optimizer,
        schedule,
        warmup,
        weightDecay,
        momentum != null ? momentum : OptimizerSettings.DEFAULT_MOMENTUM,
        estimator,
        samples,
        conservative,
        directions);
  }

  /** The {@code --directions} values for {@code --help}. */
  static final class DirectionNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return OptimizerSettings.DIRECTIONS.iterator();
    }
  }

  /** The {@code --estimator} values for {@code --help}: those {@link OptimizerSettings} maps. */
  static final class EstimatorNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return OptimizerSettings.estimatorNames().iterator();
    }
  }
}
