package io.github.mezo4j.train.trainer;

import io.github.mezo4j.core.mezo.MezoTrainer;
import io.github.mezo4j.core.mezo.NonFiniteLossException;
import io.github.mezo4j.core.mezo.StepResult;
import io.github.mezo4j.train.report.MetricsLog;
import io.github.mezo4j.train.report.ProgressBar;
import java.io.IOException;
import java.util.function.LongConsumer;

/**
 * The step loop of a fine-tuning run (encoder or decoder): steps the trainer to the target, logs
 * each step's {@code "train"} event, evaluates every {@code evalEvery} steps and at the end, and
 * draws the progress bar.
 */
public final class StepLoop {
  private StepLoop() {}

  /** The batch of step {@code index} (0-based); a pure function of it, so resumes repeat it. */
  @FunctionalInterface
  public interface Batches<B> {
    /** The batch of step {@code index}. */
    B at(long index);
  }

  /** Evaluates on the dev split after {@code step}, writes its checkpoint and draws the bar. */
  @FunctionalInterface
  public interface Evaluator {
    /** Evaluates after {@code step}, whose training loss was {@code trainLoss}. */
    void evaluate(long step, double trainLoss) throws IOException;
  }

  /**
   * Runs the trainer's remaining steps up to {@code steps}.
   *
   * @param lr the learning rate (named in the divergence message)
   * @param bar the progress bar, or null
   * @param afterStep called with the step number after each step is logged (and evaluated), or null
   * @throws IllegalStateException if the loss stops being finite
   */
  public static <B> void run(
      MezoTrainer<B> trainer,
      int steps,
      int evalEvery,
      double lr,
      Batches<B> batches,
      MetricsLog metrics,
      Evaluator evaluator,
      ProgressBar bar,
      LongConsumer afterStep)
      throws IOException {
    while (trainer.nextStep() < steps) {
      long index = trainer.nextStep();
      B batch = batches.at(index);
      StepResult r;
      try {
        r = trainer.step(batch);
      } catch (NonFiniteLossException e) {
        throw new IllegalStateException(
            "training diverged at step %d (loss not finite); try a smaller --lr than %s"
                .formatted(index + 1, lr),
            e);
      }
      long step = index + 1;
      metrics.appendTrain(step, r.loss(), r.grads()[0]);
      if (step % evalEvery == 0 || step == steps) {
        evaluator.evaluate(step, r.loss()); // draws its own progress line
      } else if (bar != null) {
        bar.step(step, r.loss());
      }
      if (afterStep != null) {
        afterStep.accept(step);
      }
    }
  }
}
