package io.github.mezo4j.train.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The best and the last checkpoint of a run as its dev evaluations come in. After each checkpoint
 * is written, {@link #committed} records both in {@code state.json} and only then deletes the
 * checkpoints the state no longer names, so a crash at any point leaves a resumable folder.
 */
public final class BestAndLast {
  private final RunFolder folder;
  private long bestStep;
  private double bestMetric;
  private double bestLoss;
  private String bestName;
  private String lastName;

  /**
   * Tracks the checkpoints of {@code folder}, starting from {@code state}'s best and last if
   * resuming.
   *
   * @param folder the run folder
   * @param state the state a resumed run continues from, or null for a fresh run
   */
  public BestAndLast(RunFolder folder, RunState state) {
    this.folder = folder;
    this.bestStep = state == null ? -1 : state.bestStep();
    this.bestMetric = state == null ? Double.NaN : state.bestMetric();
    this.bestLoss = state == null ? Double.NaN : state.bestLoss();
    this.bestName = state == null ? null : state.bestCheckpoint();
    this.lastName = state == null ? null : state.lastCheckpoint();
  }

  /**
   * Records the dev metric and loss of the evaluation at {@code step}; it becomes the best if its
   * metric is strictly better, or equal with a strictly lower loss, or it is the first trained one.
   * The untrained model (step 0) is the best only until the first trained evaluation, as in the
   * MeZO and LM-BFF code, which pick among the evaluations during training: the run's result is a
   * fine-tuned model, and step 0 stays in the metrics as the baseline. The loss breaks ties because
   * a metric on a small dev split moves in coarse steps (one sentence of 32 is 3 points of
   * accuracy) while the loss is continuous; equal on both keeps the earlier step.
   */
  public void offer(long step, double metric, double loss, boolean higherIsBetter) {
    boolean better =
        bestStep <= 0
            || (higherIsBetter ? metric > bestMetric : metric < bestMetric)
            || (metric == bestMetric && loss < bestLoss);
    if (better) {
      bestStep = step;
      bestMetric = metric;
      bestLoss = loss;
      bestName = RunFolder.checkpointName(step);
    }
  }

  /**
   * Marks the checkpoint of {@code step} (already written) as the last, writes {@code state.json}
   * and deletes the checkpoints it does not name.
   *
   * @param seconds the run's training time so far
   */
  public void committed(long step, double seconds) throws IOException {
    lastName = RunFolder.checkpointName(step);
    RunState state =
        new RunState(step, lastName, bestStep, bestMetric, bestLoss, bestName, seconds);
    state.write(folder.state());
    // only now may the previous last checkpoint go: the state no longer names it
    folder.deleteUnreferenced(state);
  }

  /** The step of the best evaluation so far; -1 before any. */
  public long bestStep() {
    return bestStep;
  }

  /** The dev metric of the best evaluation; NaN before any. */
  public double bestMetric() {
    return bestMetric;
  }

  /** The best checkpoint's folder. */
  public Path best() {
    return folder.checkpoint(bestName);
  }

  /** The last committed checkpoint's folder. */
  public Path last() {
    return folder.checkpoint(lastName);
  }
}
