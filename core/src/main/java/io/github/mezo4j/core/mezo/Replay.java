package io.github.mezo4j.core.mezo;

import io.github.mezo4j.core.log.StepLog;
import io.github.mezo4j.core.log.StepLogHeader;
import io.github.mezo4j.core.log.StepRecord;
import io.github.mezo4j.core.optim.OptimizerSpec;
import io.github.mezo4j.core.optim.ZoTransform;
import io.github.mezo4j.core.optim.ZoUpdater;
import io.github.mezo4j.core.parallel.Workers;
import io.github.mezo4j.core.param.ParameterSet;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Rebuilds trained parameters from the base parameters and a step log, bit for bit.
 *
 * <p>Training perturbs the weights in place and the rounding of those passes leaves a small drift
 * (see {@code Mezo}), so replay repeats every pass over the weights that training made (perturb,
 * restore, fused update, the conservative rule's moves) with the same values in the same order; it
 * only skips the forward passes, taking the projected gradients and decisions from the log. It thus
 * costs about the weight passes of training (3 per two-sided step in place, 1 for a {@linkplain
 * io.github.mezo4j.core.method.PerturbationMode#VIRTUAL virtual} run, as the header records) and
 * the same optimizer memory. The result does not depend on the number of threads.
 *
 * <pre>{@code
 * ParameterSet trainable = model.params().select(Selector.glob("*.lora_*"));  // same as training
 * Replay.apply(Path.of("run.steplog"), trainable, Workers.shared());
 * }</pre>
 */
public final class Replay {
  private Replay() {}

  /** What a replay did. */
  public record Result(StepLog log, long skippedSteps, ZoUpdater updater) {
    /** Steps replayed (skipped ones included). */
    public long steps() {
      return log.records().size();
    }
  }

  /**
   * Applies the log at {@code logFile} to {@code base} (the trainable parameters, at their values
   * before training), rebuilding the optimizer from the spec in the header.
   *
   * @throws IllegalArgumentException if the header's optimizer spec is not a built-in one (pass the
   *     optimizer explicitly), or {@code base} is not the parameter set the log was written for
   */
  public static Result apply(Path logFile, ParameterSet base, Workers workers) throws IOException {
    return apply(logFile, base, null, workers);
  }

  /**
   * As {@link #apply(Path, ParameterSet, Workers)} with an explicit optimizer (for user-defined
   * transforms and custom masks); its spec must equal the header's.
   */
  public static Result apply(
      Path logFile, ParameterSet base, ZoTransform optimizer, Workers workers) throws IOException {
    StepLog log = StepLog.read(logFile);
    MezoStep<Void> step = MezoStep.forReplay(config(log, base, optimizer), base, workers);
    long skipped = 0;
    for (StepRecord r : log.records()) {
      step.replay(r);
      skipped += r.skipped() ? 1 : 0;
    }
    return new Result(log, skipped, step.updater());
  }

  /**
   * The configuration a log was written with, after checking that {@code base} matches it.
   *
   * @param optimizer null to rebuild it from the header's spec
   */
  public static MezoConfig config(StepLog log, ParameterSet base, ZoTransform optimizer) {
    StepLogHeader h = log.header();
    String fp = StepLogHeader.fingerprint(base);
    if (!fp.equals(h.params())) {
      throw new IllegalArgumentException(
          "step log %s was written for trainable parameters %s (count:elements:hash), but the given set is %s: pass the same selection, names, dtypes and shapes as in training"
              .formatted(log.path(), h.params(), fp));
    }
    ZoTransform t;
    if (optimizer == null) {
      try {
        t = OptimizerSpec.parse(h.optimizer());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "step log %s: %s".formatted(log.path(), e.getMessage()), e);
      }
    } else {
      if (!optimizer.spec().equals(h.optimizer())) {
        throw new IllegalArgumentException(
            "step log %s was written with optimizer %s, but %s was given"
                .formatted(log.path(), h.optimizer(), optimizer.spec()));
      }
      t = optimizer;
    }
    return new MezoConfig(
        h.eps(),
        h.estimator(),
        t,
        h.conservative(),
        NanPolicy.SKIP,
        h.perturbation(),
        h.bf16Rounding(),
        h.directions());
  }
}
